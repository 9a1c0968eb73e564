import AugurCore

/// One `GaussianProcessCache` per study, for a long-lived process (the service) that suggests for many studies;
/// bounded like every cache of a long-lived process (`BoundedCache`): the fits of the least recently used studies
/// are forgotten first, and a forgotten study's next suggestion simply fits from scratch.
public final class GaussianProcessCacheRegistry: Sendable {
    private let caches: BoundedCache<String, GaussianProcessCache>

    /// - Parameter capacity: how many studies' fits are kept (default 1,024; an entry is a few hundred bytes).
    public init(capacity: Int = 1_024) {
        caches = BoundedCache(capacity: capacity)
    }

    /// The cache of study `name`, created on first use.
    public func cache(forStudy name: String) -> GaussianProcessCache {
        caches.value(for: name) { GaussianProcessCache() }
    }

    /// Forgets a study's cache (after the study is deleted, or recreated under the same name).
    public func forget(study name: String) {
        caches.remove(name)
    }

    /// How many studies have a cache now.
    public var count: Int { caches.count }
}
