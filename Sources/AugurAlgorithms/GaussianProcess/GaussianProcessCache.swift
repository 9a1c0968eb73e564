import Synchronization

/// What a study may keep between suggestions to make the Gaussian-process designer cheaper: the last fitted
/// hyperparameters and how many observations they were fitted on.
///
/// Designers are stateless values; the service may hold one cache per study and pass it to the designer it builds.
/// The cache adds a warm start to the hyperparameter fit and, above ``GaussianProcessDesigner/amortizationThreshold``
/// observations, lets the designer reuse hyperparameters instead of refitting (the refit policy on
/// ``GaussianProcessDesigner``). Without a cache every suggestion is a pure function of the seed and the history.
public final class GaussianProcessCache: Sendable {
    struct Entry: Sendable {
        var hyperparameters: GaussianProcessHyperparameters
        var observationCount: Int
        var featureCount: Int
    }

    private let entry = Mutex<Entry?>(nil)

    public init() {}

    /// The hyperparameters last stored, with the number of observations they were fitted on.
    public var lastFit: (hyperparameters: GaussianProcessHyperparameters, observationCount: Int)? {
        entry.withLock { stored in stored.map { ($0.hyperparameters, $0.observationCount) } }
    }

    func load(featureCount: Int) -> Entry? {
        entry.withLock { stored in
            guard let stored, stored.featureCount == featureCount else { return nil }
            return stored
        }
    }

    func store(_ newEntry: Entry) {
        entry.withLock { $0 = newEntry }
    }

    /// Forgets the stored fit.
    public func reset() {
        entry.withLock { $0 = nil }
    }
}
