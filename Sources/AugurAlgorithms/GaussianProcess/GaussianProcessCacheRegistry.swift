import AugurCore

/// One `GaussianProcessCache` per study, for a long-lived process (the service) that suggests for many studies;
/// bounded like every cache of a long-lived process (`BoundedCache`): the fits of the least recently used studies
/// are forgotten first, and a forgotten study's next suggestion simply fits from scratch.
public final class GaussianProcessCacheRegistry: Sendable {
    private let caches: BoundedCache<String, GaussianProcessCache>
    /// Whether the caches leave stale refits to the owner (``GaussianProcessCache/refitsInBackground``).
    public let refitsInBackground: Bool

    /// - Parameters:
    ///   - capacity: how many studies' fits are kept (default 1,024). An entry is a few hundred bytes plus the last
    ///     conditioned model, 8·n² bytes for n observations (8 MB at 1,000, 32 MB at the local model's 2,000), so a
    ///     service with many large studies should lower it.
    ///   - refitsInBackground: make caches whose stale refits the owner runs (``pendingRefit(forStudy:)``).
    public init(capacity: Int = 1_024, refitsInBackground: Bool = false) {
        caches = BoundedCache(capacity: capacity)
        self.refitsInBackground = refitsInBackground
    }

    /// The cache of study `name`, created on first use.
    public func cache(forStudy name: String) -> GaussianProcessCache {
        caches.value(for: name) { GaussianProcessCache(refitsInBackground: refitsInBackground) }
    }

    /// The refit a suggestion for study `name` left to run in the background, marked as running
    /// (``GaussianProcessCache/takePendingRefit()``); `nil` when none is waiting or the study has no cache.
    public func pendingRefit(forStudy name: String) -> GaussianProcessRefit? {
        caches[name]?.takePendingRefit()
    }

    /// Forgets a study's cache (after the study is deleted, or recreated under the same name).
    public func forget(study name: String) {
        caches.remove(name)
    }

    /// How many studies have a cache now.
    public var count: Int { caches.count }
}
