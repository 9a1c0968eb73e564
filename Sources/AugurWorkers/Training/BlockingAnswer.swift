import Dispatch
import Synchronization

/// A value delivered by an async task to a thread outside Swift concurrency that blocks until it arrives.
///
/// Only for dedicated threads (see ``DedicatedThread``): blocking a cooperative-pool thread this way could deadlock.
final class BlockingAnswer<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    private let arrived = DispatchSemaphore(value: 0)

    /// Hands over the value and wakes the waiting thread.
    func deliver(_ answer: Value) {
        value.withLock { $0 = answer }
        arrived.signal()
    }

    /// Blocks until ``deliver(_:)`` has been called, then returns the value.
    func wait() -> Value {
        while true {
            arrived.wait()
            if let answer = value.withLock({ $0 }) { return answer }
        }
    }
}
