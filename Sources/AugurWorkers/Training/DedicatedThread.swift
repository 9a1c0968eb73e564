import Foundation

/// Runs blocking, CPU-bound work on a thread of its own, so that it never occupies one of the cooperative pool's few
/// threads (on a 2-core machine two trainings would otherwise starve every other task).
enum DedicatedThread {
    /// Stack for training threads; the default of secondary threads is smaller than the main thread's.
    static let stackSize = 8 << 20

    /// `body`'s result, computed on a new thread.
    static func run<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: body())
            }
            thread.stackSize = stackSize
            thread.name = "augur.training"
            thread.start()
        }
    }
}
