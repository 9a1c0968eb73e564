import Synchronization

/// Task cancellation carried to a thread outside Swift concurrency, which polls it (at every epoch boundary).
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() {
        flag.store(true, ordering: .releasing)
    }

    var isCancelled: Bool {
        flag.load(ordering: .acquiring)
    }
}
