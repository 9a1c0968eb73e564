import Synchronization

/// A thread-safe cache of at most `capacity` entries that forgets the least recently used half when it is full.
///
/// The one cache type (and eviction rule) of Augur's long-lived processes: the service's study specs, each store's
/// decoded specs and parameters, the RPC client's studies and the Gaussian-process fits per study. Forgetting half
/// at once keeps an insertion O(1) amortized (one sort per `capacity / 2` insertions) while recently used entries,
/// such as the studies a busy service is working on, stay.
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
    }

    /// The most entries kept.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The value for `key`, marking it as used.
    public subscript(key: Key) -> Value? {
        state.withLock { state in
            guard state.entries[key] != nil else { return nil }
            state.clock += 1
            state.entries[key]?.lastUse = state.clock
            return state.entries[key]?.value
        }
    }

    /// Stores `value` for `key`, first forgetting the least recently used half when the cache is full.
    public func set(_ value: Value, for key: Key) {
        state.withLock { state in
            state.clock += 1
            if state.entries[key] == nil, state.entries.count >= capacity {
                // Keep the `capacity / 2` most recently used entries (use ticks are unique).
                let keep = capacity / 2
                if keep == 0 {
                    state.entries.removeAll()
                } else {
                    let uses = state.entries.values.map(\.lastUse).sorted()
                    let cutoff = uses[uses.count - keep]
                    state.entries = state.entries.filter { $0.value.lastUse >= cutoff }
                }
            }
            state.entries[key] = Entry(value: value, lastUse: state.clock)
        }
    }

    /// The value for `key`, made by `make` (and stored) when there is none. `make` runs outside the lock, so two
    /// callers may both make a value; the last one stored wins.
    public func value<E: Error>(for key: Key, orMake make: () throws(E) -> Value) throws(E) -> Value {
        if let cached = self[key] { return cached }
        let made = try make()
        set(made, for: key)
        return made
    }

    /// Forgets `key`.
    public func remove(_ key: Key) {
        _ = state.withLock { $0.entries.removeValue(forKey: key) }
    }

    /// How many entries are kept now.
    public var count: Int { state.withLock { $0.entries.count } }
}
