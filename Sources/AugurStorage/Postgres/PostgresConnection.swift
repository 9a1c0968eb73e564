import CPostgreSQL
import Foundation

/// A SQL statement the store prepares once per connection (`PQprepare`) and then runs by name with text parameters.
struct PostgresStatement: Sendable, Hashable {
    /// Unique among the store's statements.
    let name: String
    let sql: String
    /// Whether its rows come back in PostgreSQL's binary format (read with `PostgresResult.bytes` and
    /// `PostgresBinary`) instead of text: for reads of many numbers, which then need no formatting on the server
    /// and no parsing here.
    var binaryResults = false
}

/// One blocking libpq connection. The pool hands it to one thread at a time, which is why it may be sent between
/// threads although it holds mutable state.
final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let settings: PostgresConnectionSettings
    private var prepared: Set<String> = []
    private var deferredWrites: [(statement: PostgresStatement, parameters: [String?])] = []
    /// Set by `beginLazily`: the next round trip starts with `BEGIN` and reads the transaction's id.
    private var beginPending = false
    /// The id (`xid8`) of the transaction opened by the last lazy `BEGIN`, once it went out.
    private(set) var transactionID: String?

    private static let begin = PostgresStatement(name: "augur_begin", sql: "BEGIN")
    private static let currentTransactionID = PostgresStatement(name: "augur_xact_id", sql: "SELECT pg_current_xact_id()::text")

    /// Opens a transaction with the next statement instead of a round trip of its own: `BEGIN` and the read of
    /// the transaction's id (kept for finding out after a lost `COMMIT` whether it committed) go out in front of it.
    func beginLazily() {
        beginPending = true
        transactionID = nil
    }

    /// Whether `beginLazily` was called and no statement has gone out since (the transaction never started).
    var isBeginPending: Bool { beginPending }

    /// Forgets a `BEGIN` that has not gone out.
    func cancelLazyBegin() {
        beginPending = false
    }

    /// Leaves statements for the transaction's end: the pool sends them together with its `COMMIT`. Only for
    /// writes whose results the caller does not need and whose failure should simply roll the transaction back.
    func deferUntilCommit(_ writes: [(statement: PostgresStatement, parameters: [String?])]) {
        deferredWrites += writes
    }

    func takeDeferredWrites() -> [(statement: PostgresStatement, parameters: [String?])] {
        defer { deferredWrites = [] }
        return deferredWrites
    }

    /// Connects (blocking); throws `PostgresFailure.cannotConnect` with a one-line message naming host, port and
    /// database and carrying the server's reason.
    init(settings: PostgresConnectionSettings) throws(PostgresFailure) {
        self.settings = settings
        guard let handle = settings.connect() else {
            throw .cannotConnect("cannot connect to PostgreSQL (\(settings.redacted)): out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let host = Self.text(PQhost(handle)) ?? settings.host ?? "localhost"
            let port = Self.text(PQport(handle)) ?? settings.port ?? "5432"
            let database = Self.text(PQdb(handle)) ?? settings.database ?? "(default)"
            let reason = PostgresConnectionSettings.oneLine(Self.text(PQerrorMessage(handle)) ?? "unknown error")
            PQfinish(handle)
            throw .cannotConnect(settings.redact(
                "cannot connect to PostgreSQL at host \(host), port \(port), database \(database): \(reason)"))
        }
        // Every statement is prepared once and has a fixed shape (keys, limits, states as parameters), so one
        // generic plan serves all executions. By default PostgreSQL re-plans each of the first five executions and
        // then keeps re-planning any statement whose generic plan does not look cheaper than the custom ones; for
        // the short statements of assignment and reporting that planning costs as much as running them.
        // A plan made once must not depend on how large the tables happened to be when it was made (a fresh
        // database is empty, and a sequential scan looks cheapest then): every statement of the store reads one
        // study through an index, so scans that ignore the indexes are ruled out for these sessions.
        try Self.setUp(
            handle, "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off; SET enable_bitmapscan = off; SET jit = off", settings: settings)
        self.handle = handle
        // Notices (e.g. "relation already exists, skipping") would go to stderr otherwise.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    /// Runs one set-up statement on a fresh connection; a failure closes it and reads as a failed connection.
    private static func setUp(_ handle: OpaquePointer, _ sql: String, settings: PostgresConnectionSettings) throws(PostgresFailure) {
        guard let result = PQexec(handle, sql) else {
            PQfinish(handle)
            throw .cannotConnect(settings.redact("cannot set up the PostgreSQL connection (\(settings.redacted)): no result"))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            let reason = PostgresConnectionSettings.oneLine(text(PQresultErrorMessage(result)) ?? "unknown error")
            PQfinish(handle)
            throw .cannotConnect(settings.redact("cannot set up the PostgreSQL connection (\(settings.redacted)): \(reason)"))
        }
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether the connection still works as far as libpq knows.
    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Runs a prepared statement with text parameters (`nil` is SQL NULL); prepares it first on this connection.
    @discardableResult
    func execute(_ statement: PostgresStatement, _ parameters: [String?] = []) throws(PostgresFailure) -> PostgresResult {
        if beginPending { return try pipeline([(statement, parameters)])[0] }
        if prepared.contains(statement.name) == false {
            let result = PQprepare(handle, statement.name, statement.sql, 0, nil)
            _ = try check(result)
            prepared.insert(statement.name)
        }
        let duplicates = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { duplicates.forEach { free($0) } }
        let pointers = duplicates.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { buffer in
            PQexecPrepared(handle, statement.name, Int32(buffer.count), buffer.baseAddress, nil, nil, statement.binaryResults ? 1 : 0)
        }
        return try check(result)
    }

    /// Runs several prepared statements in one round trip (libpq pipeline mode) and returns their results in order.
    /// The server still runs them one after another, each with its own snapshot, so a statement that waits for a
    /// lock delays the reads queued behind it until the lock is held. The first failure is thrown; the statements
    /// after it are not run.
    func pipeline(_ items: [(statement: PostgresStatement, parameters: [String?])]) throws(PostgresFailure) -> [PostgresResult] {
        if beginPending {
            beginPending = false
            let results = try pipeline([(Self.begin, []), (Self.currentTransactionID, [])] + items)
            transactionID = results[1].string(0, 0)
            return Array(results.dropFirst(2))
        }
        if items.count == 1 { return [try execute(items[0].statement, items[0].parameters)] }
        for item in items where prepared.contains(item.statement.name) == false {
            _ = try check(PQprepare(handle, item.statement.name, item.statement.sql, 0, nil))
            prepared.insert(item.statement.name)
        }
        guard PQenterPipelineMode(handle) == 1 else { throw lostConnection() }
        for item in items {
            let duplicates = item.parameters.map { $0.map { strdup($0) } ?? nil }
            defer { duplicates.forEach { free($0) } }
            let pointers = duplicates.map { UnsafePointer($0) }
            let sent = pointers.withUnsafeBufferPointer { buffer in
                PQsendQueryPrepared(
                    handle, item.statement.name, Int32(buffer.count), buffer.baseAddress, nil, nil, item.statement.binaryResults ? 1 : 0)
            }
            guard sent == 1 else { throw lostConnection() }
        }
        guard PQpipelineSync(handle) == 1 else { throw lostConnection() }
        var results: [PostgresResult] = []
        var failure: PostgresFailure?
        for _ in items {
            guard let result = PQgetResult(handle) else { throw lostConnection() }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)
            } else {
                do {
                    results.append(try check(result))
                } catch {
                    if case .connectionLost = error { throw error }
                    failure = failure ?? error
                }
            }
            // Each statement's results end with a NULL.
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        guard let sync = PQgetResult(handle) else { throw lostConnection() }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(handle) == 1 else { throw lostConnection() }
        if let failure { throw failure }
        return results
    }

    private func lostConnection() -> PostgresFailure {
        .connectionLost(settings.redact(PostgresConnectionSettings.oneLine(Self.text(PQerrorMessage(handle)) ?? "pipeline failed")))
    }

    /// Runs fixed SQL without parameters (transaction control, migrations); returns the last statement's result.
    @discardableResult
    func run(_ sql: String) throws(PostgresFailure) -> PostgresResult {
        try check(PQexec(handle, sql))
    }

    private func check(_ result: OpaquePointer?) throws(PostgresFailure) -> PostgresResult {
        guard let result else {
            throw .connectionLost(settings.redact(PostgresConnectionSettings.oneLine(Self.text(PQerrorMessage(handle)) ?? "no result")))
        }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return PostgresResult(result)
        }
        let sqlState = Self.text(PQresultErrorField(result, Int32(UInt8(ascii: "C")))) ?? ""
        let primary = Self.text(PQresultErrorField(result, Int32(UInt8(ascii: "M"))))
        let detail = Self.text(PQresultErrorField(result, Int32(UInt8(ascii: "D"))))
        var message = primary ?? Self.text(PQresultErrorMessage(result)) ?? Self.text(PQerrorMessage(handle)) ?? "unknown error"
        if let detail { message += " (\(detail))" }
        message = settings.redact(PostgresConnectionSettings.oneLine(message))
        PQclear(result)
        if isBroken || PostgresFailure.isConnectionLoss(sqlState: sqlState) {
            throw .connectionLost(sqlState.isEmpty ? message : "\(message) (SQLSTATE \(sqlState))")
        }
        if PostgresFailure.isTransient(sqlState: sqlState) {
            throw .transient(message: message, sqlState: sqlState)
        }
        throw .server(message: message, sqlState: sqlState)
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let text = String(cString: pointer).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        text(UnsafePointer(pointer))
    }
}
