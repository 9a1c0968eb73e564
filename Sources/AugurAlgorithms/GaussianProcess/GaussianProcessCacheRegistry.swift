import Synchronization

/// One `GaussianProcessCache` per study, for a long-lived process (the service) that suggests for many studies.
public final class GaussianProcessCacheRegistry: Sendable {
    private let caches = Mutex<[String: GaussianProcessCache]>([:])

    public init() {}

    /// The cache of study `name`, created on first use.
    public func cache(forStudy name: String) -> GaussianProcessCache {
        caches.withLock { caches in
            if let cache = caches[name] { return cache }
            let cache = GaussianProcessCache()
            caches[name] = cache
            return cache
        }
    }

    /// Forgets a study's cache (after the study is deleted, or recreated under the same name).
    public func forget(study name: String) {
        _ = caches.withLock { $0.removeValue(forKey: name) }
    }
}
