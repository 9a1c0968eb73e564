import Foundation

/// Runs blocking work that lasts as long as a trial (supervising a command's process, training a network) on a thread
/// of its own, so that it never occupies one of the cooperative pool's few threads (on a 2-core machine two trainings
/// would otherwise starve every other task).
///
/// Short blocking calls (libpq's) go through a fixed-size `BlockingWorkPool` instead; a trial's work cannot, because
/// with more trials than threads trial N+1 would wait for trial 1 to end.
enum DedicatedThread {
    /// Stack for these threads; the default of secondary threads is smaller than the main thread's.
    static let stackSize = 8 << 20

    /// `body`'s result, computed on a new thread called `name`.
    static func run<Result: Sendable>(name: String, _ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: body())
            }
            thread.stackSize = stackSize
            thread.name = name
            thread.start()
        }
    }
}
