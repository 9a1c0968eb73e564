import Synchronization

/// Numbers the trials running at once 0, 1, 2, ... (the lowest free number first), so that parallel trials can be
/// placed one per GPU.
final class SlotPool: Sendable {
    private let taken = Mutex<Set<Int>>([])

    /// The lowest slot not in use, now marked used.
    func acquire() -> Int {
        taken.withLock { taken in
            var slot = 0
            while taken.contains(slot) { slot += 1 }
            taken.insert(slot)
            return slot
        }
    }

    /// Gives `slot` back.
    func release(_ slot: Int) {
        _ = taken.withLock { $0.remove(slot) }
    }
}
