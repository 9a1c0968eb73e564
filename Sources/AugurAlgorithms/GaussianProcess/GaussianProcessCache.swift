import AugurMath
import Synchronization

/// What a study may keep between suggestions to make the Gaussian-process designer cheaper: the last fitted
/// hyperparameters, how many observations they were fitted on, and the last conditioned model (its Cholesky factor).
///
/// Designers are stateless values; the service may hold one cache per study and pass it to the designer it builds.
/// The cache adds a warm start to the hyperparameter fit and, above ``GaussianProcessDesigner/amortizationThreshold``
/// observations, lets the designer reuse hyperparameters instead of refitting and extend the kept factor by the new
/// observations in O(n²) each instead of factoring again in O(n³) (the refit policy on ``GaussianProcessDesigner``).
/// Without a cache every suggestion is a pure function of the seed and the history.
///
/// **Background refits.** A cache made with `refitsInBackground` never lets a suggestion wait for a stale fit: the
/// designer keeps serving from the last hyperparameters and leaves a ``GaussianProcessRefit`` here, which the owner
/// takes with ``takePendingRefit()`` and runs where it likes (the service runs it on a small thread pool). At most
/// one refit per cache is pending or running at a time. The fit is only a cache: whichever process fitted it, a
/// suggestion is correct with any hyperparameters, and a replica without the fit simply makes its own.
public final class GaussianProcessCache: Sendable {
    struct Entry: Sendable {
        var hyperparameters: GaussianProcessHyperparameters
        var observationCount: Int
        var featureCount: Int
        /// The model last conditioned with these hyperparameters, whose factor a later suggestion may extend.
        var model: GaussianProcessModel?
        /// The kernel form the hyperparameters belong to: `.additive` only when a background refit with a kernel choice
        /// (``GaussianProcessDesigner/SearchOptions/KernelChoice``) kept the additive fit.
        var form: Matern52Kernel.Form = .product
        /// With an additive `form`, the product kernel's fit from the same refit: the warm start of the next refit, as
        /// an inline refit would start from the product fit it stores.
        var productHyperparameters: GaussianProcessHyperparameters? = nil

        /// The hyperparameters a product-kernel refit starts from.
        var warmStart: GaussianProcessHyperparameters { productHyperparameters ?? hyperparameters }
    }

    private struct State: Sendable {
        var entry: Entry?
        var pendingRefit: GaussianProcessRefit?
        var refitRunning = false
        /// Bumped by `reset`, so that a refit started before it cannot store a fit of data that no longer count.
        var generation = 0
    }

    private let state = Mutex(State())
    /// Whether stale hyperparameters are refit by the owner, off the suggestion (see above), instead of inline.
    public let refitsInBackground: Bool
    /// Whether the designer extends the kept factor by new observations (`false` only to measure what that saves).
    public let extendsFactor: Bool
    /// The several-objective designer's fits, one per model (its objectives, then its constraints), without the
    /// conditioned models (``MultiObjectiveGaussianProcessDesigner``).
    let modelFits = Mutex<[Entry?]>([])

    /// - Parameters:
    ///   - refitsInBackground: leave stale refits to the owner (``takePendingRefit()``) instead of running them
    ///     inside the suggestion.
    ///   - extendsFactor: keep the conditioned model and extend its Cholesky factor by rank-k updates while the
    ///     hyperparameters are unchanged (default); `false` factors afresh on every suggestion, as before.
    public init(refitsInBackground: Bool = false, extendsFactor: Bool = true) {
        self.refitsInBackground = refitsInBackground
        self.extendsFactor = extendsFactor
    }

    /// The hyperparameters last stored, with the number of observations they were fitted on.
    public var lastFit: (hyperparameters: GaussianProcessHyperparameters, observationCount: Int)? {
        state.withLock { state in state.entry.map { ($0.hyperparameters, $0.observationCount) } }
    }

    func load(featureCount: Int) -> Entry? {
        state.withLock { state in
            guard let stored = state.entry, stored.featureCount == featureCount else { return nil }
            return stored
        }
    }

    func store(_ newEntry: Entry) {
        var entry = newEntry
        if !extendsFactor { entry.model = nil }
        state.withLock { $0.entry = entry }
    }

    /// Keeps `model` as the one to extend, if it was conditioned with the stored hyperparameters.
    func keep(_ model: GaussianProcessModel) {
        guard extendsFactor else { return }
        state.withLock { state in
            guard state.entry?.hyperparameters == model.hyperparameters, state.entry?.form == model.form else { return }
            state.entry?.model = model
        }
    }

    /// Leaves a refit for the owner unless one is pending or running already.
    /// `kernel` is ``GaussianProcessDesigner/SearchOptions/KernelChoice/product`` unless a kernel choice applies to the
    /// refit (then both kernels are fitted, as inline, and the chosen one is stored with its form).
    func request(points: Matrix, values: [Double], prior: HyperparameterPrior, starts: [[Double]], options: BoundedLBFGS.Options,
                 observationCount: Int, kernel: GaussianProcessDesigner.SearchOptions.KernelChoice = .product, evidenceMargin: Double = 0) {
        state.withLock { state in
            guard state.pendingRefit == nil, !state.refitRunning else { return }
            state.pendingRefit = GaussianProcessRefit(points: points, values: values, prior: prior, starts: starts, options: options,
                                                      observationCount: observationCount, generation: state.generation, cache: self,
                                                      kernel: kernel, evidenceMargin: evidenceMargin)
        }
    }

    /// The refit a suggestion left, if any, marked as running: the caller must run it (``GaussianProcessRefit/run()``),
    /// or no other refit is requested for this cache.
    public func takePendingRefit() -> GaussianProcessRefit? {
        state.withLock { state in
            guard let refit = state.pendingRefit else { return nil }
            state.pendingRefit = nil
            state.refitRunning = true
            return refit
        }
    }

    /// Whether a refit is waiting to be taken or running.
    public var refitOutstanding: Bool {
        state.withLock { $0.pendingRefit != nil || $0.refitRunning }
    }

    func finish(_ refit: GaussianProcessRefit, model: GaussianProcessModel?, product: GaussianProcessModel? = nil) {
        state.withLock { state in
            state.refitRunning = false
            guard let model, refit.generation == state.generation else { return }
            state.entry = Entry(hyperparameters: model.hyperparameters, observationCount: refit.observationCount,
                                featureCount: model.points.columns, model: extendsFactor ? model : nil, form: model.form,
                                productHyperparameters: model.form == .product ? nil : product?.hyperparameters)
        }
    }

    /// Forgets the stored fit (a refit running now will not store its result).
    public func reset() {
        state.withLock { state in
            state.entry = nil
            state.pendingRefit = nil
            state.generation += 1
        }
        modelFits.withLock { $0 = [] }
    }
}

/// A warm-started hyperparameter refit that a suggestion left in its ``GaussianProcessCache`` to run off the request
/// path: the observations (features and warped values) it saw, and the fit it starts from.
public struct GaussianProcessRefit: Sendable {
    let points: Matrix
    let values: [Double]
    /// The prior the suggestion's own fit would use (``GaussianProcessDesigner/SearchOptions/noiseFloor`` raises its noise).
    let prior: HyperparameterPrior
    let starts: [[Double]]
    let options: BoundedLBFGS.Options
    /// The number of observations in the study when it was requested (the refit policy's clock).
    public let observationCount: Int
    let generation: Int
    /// Weak: a refit left waiting in its cache must not keep the cache alive after its owner forgot it.
    weak var cache: GaussianProcessCache?
    /// The kernel choice that applies to this refit (``GaussianProcessDesigner/SearchOptions/KernelChoice/product``
    /// unless the suggestion's options choose past ``GaussianProcessDesigner/SearchOptions/additiveAfter``).
    let kernel: GaussianProcessDesigner.SearchOptions.KernelChoice
    /// ``GaussianProcessDesigner/SearchOptions/additiveEvidenceMargin`` for ``kernel``.
    let evidenceMargin: Double

    /// Fits the hyperparameters (MAP, L-BFGS-B from the starts and with the budget an inline refit would use at this
    /// many observations; with a kernel choice, both kernels and the chosen one) and stores them with the conditioned model in the cache. Runs for as long as one O(n³)
    /// likelihood evaluation takes, a few dozen times: call it on a thread meant for blocking work.
    public func run() {
        guard cache != nil else { return }
        let clamped = starts.map { start in
            (0..<start.count).map { Swift.min(Swift.max(start[$0], prior.lowerBounds[$0]), prior.upperBounds[$0]) }
        }
        if kernel == .product {
            let model = try? GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: clamped, options: options)
            cache?.finish(self, model: model)
            return
        }
        // Both kernels from the same starts, the winner kept with its form: what the inline fit does
        // (``GaussianProcessDesigner/fitKernel(_:points:values:prior:starts:options:evidenceMargin:)``).
        let fit = GaussianProcessDesigner.fitKernel(kernel, points: points, values: values, prior: prior, starts: clamped, options: options,
                                                    evidenceMargin: evidenceMargin)
        cache?.finish(self, model: fit?.model, product: fit?.product)
    }
}
