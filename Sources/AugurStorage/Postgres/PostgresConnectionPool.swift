import Foundation
import Logging
import Synchronization

/// How a unit of work may be retried after its connection broke.
enum PostgresWork: Sendable {
    /// Reads, or one autocommitted statement whose repetition changes nothing (finishing a trial in the state it
    /// already has, renewing a lease): rerun on a new connection.
    case idempotent
    /// An explicit transaction (`BEGIN` … `COMMIT`). Rerun when it was never committed; when the connection broke
    /// while `COMMIT` was in flight, its outcome is looked up by transaction id (`pg_xact_status`) on a new connection,
    /// so it is neither applied twice nor lost.
    case transaction
}

/// A small pool of libpq connections. Work runs on the pool's own threads (a ``BlockingWorkPool``, one thread per
/// connection: libpq blocks), at most `size` connections at once; waiting callers suspend without holding a thread. Connections open lazily, and one that
/// breaks is replaced with back-off for up to `reconnectWindow` seconds before the work fails.
final class PostgresConnectionPool: Sendable {
    /// A connection slot; only the task that acquired it touches it (the lock makes that checked, and costs nothing
    /// uncontended).
    private final class Slot: Sendable {
        private let current = Mutex<PostgresConnection?>(nil)

        var connection: PostgresConnection? {
            get { current.withLock { $0 } }
            set { current.withLock { $0 = newValue } }
        }
    }

    private struct State: ~Copyable {
        var idle: [Slot]
        var waiters: [CheckedContinuation<Slot, Never>] = []
    }

    let settings: PostgresConnectionSettings
    private let reconnectWindow: TimeInterval
    private let state: Mutex<State>
    private let hasConnected = Atomic<Bool>(false)
    private let threads: BlockingWorkPool
    private let logger = Logger(label: "augur.storage.postgres")

    init(settings: PostgresConnectionSettings, size: Int, reconnectWindow: TimeInterval = 30) {
        self.settings = settings
        self.reconnectWindow = reconnectWindow
        self.state = Mutex(State(idle: (0..<max(size, 1)).map { _ in Slot() }))
        self.threads = BlockingWorkPool(threads: max(size, 1))
    }

    /// Runs `body` with a connection on one of the pool's threads, retrying as `work` allows.
    func perform<Value: Sendable>(_ work: PostgresWork, _ body: @escaping @Sendable (PostgresConnection) throws -> Value) async throws -> Value {
        let slot = await acquire()
        defer { release(slot) }
        let pending = PendingWork(body)
        return try await threads.run { self.run(pending, work, slot: slot) }.get()
    }

    /// Holds the work so that the pool's thread can drop it before resuming the caller: `assignTrials` passes a
    /// planner that must not outlive its call (`withoutActuallyEscaping` checks).
    private final class PendingWork<Value>: Sendable {
        typealias Body = @Sendable (PostgresConnection) throws -> Value
        private let body: Mutex<Body?>

        init(_ body: @escaping Body) {
            self.body = Mutex(body)
        }

        /// The work, once: the pool's thread takes it and drops it before the caller resumes.
        func take() -> Body? {
            body.withLock { body in
                defer { body = nil }
                return body
            }
        }
    }

    private func run<Value>(_ pending: PendingWork<Value>, _ work: PostgresWork, slot: Slot) -> Result<Value, any Error> {
        guard let body = pending.take() else { return .failure(StoreError.database("internal error: work ran twice")) }
        return Result { try runWithRetry(work, slot: slot, body) }
    }

    /// Runs `body` on the calling thread with a fresh connection and no retries: for the store's initializer, which
    /// must report a server it cannot reach at once. The connection then joins the pool.
    func performBlocking(_ body: (PostgresConnection) throws -> Void) throws {
        let slot: Slot? = state.withLock { $0.idle.popLast() }
        guard let slot else { return }
        defer { release(slot) }
        do {
            try body(try connection(in: slot))
        } catch let failure as PostgresFailure {
            slot.connection = nil
            throw failure.storeError
        }
    }

    private func acquire() async -> Slot {
        await withCheckedContinuation { (continuation: CheckedContinuation<Slot, Never>) in
            let slot: Slot? = state.withLock { state in
                if let slot = state.idle.popLast() { return slot }
                state.waiters.append(continuation)
                return nil
            }
            if let slot { continuation.resume(returning: slot) }
        }
    }

    private func release(_ slot: Slot) {
        let waiter: CheckedContinuation<Slot, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.idle.append(slot)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: slot)
    }

    // MARK: Blocking part (runs on the pool's threads, which may block and sleep between reconnection attempts)

    private func runWithRetry<Value>(_ work: PostgresWork, slot: Slot, _ body: (PostgresConnection) throws -> Value) throws -> Value {
        let deadline = Date().addingTimeInterval(reconnectWindow)
        var delay = 0.05
        var transientRetries = 0
        while true {
            do {
                let connection = try connection(in: slot)
                switch work {
                case .idempotent: return try body(connection)
                case .transaction: return try transaction(on: connection, slot: slot, deadline: deadline, body)
                }
            } catch let failure as PostgresFailure {
                switch failure {
                case .server:
                    throw failure.storeError
                case .transient:
                    transientRetries += 1
                    if transientRetries > 20 { throw failure.storeError }
                case .connectionLost(let message), .cannotConnect(let message):
                    slot.connection = nil
                    // A server that was never reached is a configuration problem: say so at once.
                    guard hasConnected.load(ordering: .relaxed), Date().addingTimeInterval(delay) < deadline else {
                        throw failure.storeError
                    }
                    logger.warning("PostgreSQL connection lost, retrying in \(Int(delay * 1000)) ms: \(message)")
                    Thread.sleep(forTimeInterval: delay)
                    delay = min(delay * 2, 2)
                }
            }
        }
    }

    private func connection(in slot: Slot) throws(PostgresFailure) -> PostgresConnection {
        if let connection = slot.connection, connection.isBroken == false { return connection }
        slot.connection = nil
        let connection = try PostgresConnection(settings: settings)
        hasConnected.store(true, ordering: .relaxed)
        slot.connection = connection
        return connection
    }

    private func transaction<Value>(on connection: PostgresConnection, slot: Slot, deadline: Date,
                                    _ body: (PostgresConnection) throws -> Value) throws -> Value {
        _ = connection.takeDeferredWrites()
        // BEGIN travels with the body's first statements (one round trip less).
        connection.beginLazily()
        let value: Value
        do {
            value = try body(connection)
        } catch {
            _ = connection.takeDeferredWrites()
            let started = connection.isBeginPending == false
            connection.cancelLazyBegin()
            if started, connection.isBroken == false { _ = try? connection.run("ROLLBACK") }
            throw error
        }
        // Writes the body left for last go out in one round trip with the COMMIT, so that locks are held one round
        // trip less; if the connection breaks meanwhile, the outcome is looked up like that of a lone COMMIT.
        let finalWrites = connection.takeDeferredWrites()
        if connection.isBeginPending && finalWrites.isEmpty {
            // The body sent nothing: there is no transaction to end.
            connection.cancelLazyBegin()
            return value
        }
        if connection.isBeginPending {
            // Only writes: open the transaction first, so that its id is known before the COMMIT goes out.
            _ = try connection.pipeline([])
        }
        do {
            if finalWrites.isEmpty {
                try connection.execute(Self.commit)
            } else {
                _ = try connection.pipeline(finalWrites + [(Self.commit, [])])
            }
        } catch {
            guard case .connectionLost(let message) = error else {
                if connection.isBroken == false { _ = try? connection.run("ROLLBACK") }
                throw error
            }
            slot.connection = nil
            if let transactionID = connection.transactionID,
               try wasCommitted(transactionID, slot: slot, deadline: deadline, lostWith: message) {
                return value
            }
            throw error
        }
        return value
    }

    private static let commit = PostgresStatement(name: "augur_commit", sql: "COMMIT")

    /// After the connection broke during `COMMIT`: asks a new connection whether the transaction committed.
    private func wasCommitted(_ transactionID: String, slot: Slot, deadline: Date, lostWith message: String) throws -> Bool {
        let statement = PostgresStatement(name: "augur_xact_status", sql: "SELECT pg_xact_status($1::xid8)")
        var delay = 0.05
        while true {
            do {
                let status = try connection(in: slot).execute(statement, [transactionID]).string(0, 0)
                switch status {
                case "committed": return true
                case "in progress": break  // the old backend is still exiting
                default: return false  // aborted, or never got far enough to be recorded
                }
            } catch {
                slot.connection = nil
            }
            guard Date().addingTimeInterval(delay) < deadline else {
                throw StoreError.connection("lost the connection to PostgreSQL while committing, and could not find out "
                    + "whether the change was applied (check the study with augur status): \(message)")
            }
            Thread.sleep(forTimeInterval: delay)
            delay = min(delay * 2, 2)
        }
    }
}
