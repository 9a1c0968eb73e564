import NIOPosix

/// Threads for blocking calls (libpq's), so that they never occupy Swift's cooperative pool or an event loop: a
/// swift-nio `NIOThreadPool` of a fixed size that lives as long as its owner.
///
/// Unlike `NIOThreadPool.runIfActive`, work submitted here runs even when the submitting task is cancelled: a store
/// call made while a run shuts down (giving its trials back) must still reach the database.
public final class BlockingWorkPool: Sendable {
    private let pool: NIOThreadPool

    /// Starts `threads` threads.
    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    public func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async throws(CancellationError) -> Value {
        let result: Value? = await withCheckedContinuation { continuation in
            pool.submit { state in
                switch state {
                case .active: continuation.resume(returning: body())
                case .cancelled: continuation.resume(returning: nil)
                }
            }
        }
        // Only a pool that is shutting down drops work.
        guard let result else { throw CancellationError() }
        return result
    }

    /// Starts `body` on one of the pool's threads without waiting for it; work still queued when the pool shuts down
    /// is dropped.
    public func submit(_ body: @escaping @Sendable () -> Void) {
        pool.submit { state in
            if case .active = state { body() }
        }
    }
}
