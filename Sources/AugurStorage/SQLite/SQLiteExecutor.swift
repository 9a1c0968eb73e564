import Dispatch

/// A serial executor that runs its jobs on a private dispatch queue, so that the blocking sqlite3 calls of one
/// store (disk I/O, waiting up to the busy timeout for another process's lock) never occupy a thread of Swift's
/// cooperative pool.
final class SQLiteExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
