import CSQLite
import Foundation

/// One sqlite3 connection with a cache of prepared statements.
///
/// Not thread-safe by itself: `SQLiteStudyStore` confines each connection to its own serial executor. Every value
/// reaches SQL through a bound parameter; the SQL texts are constants of this module.
final class SQLiteConnection {
    /// The path as given (`:memory:` for an in-memory database), named in error messages.
    let path: String
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private var transactionDepth = 0
    /// Set once the file was found deleted, moved or replaced; every later write fails with it.
    private var lostFile: StoreError?

    /// How long a statement waits for another connection's lock before giving up.
    static let busyTimeoutMilliseconds: Int32 = 10_000

    /// Opens (creating if needed) the database at `path` and configures it for shared, multi-process use.
    /// Throws `StoreError.connection` with a sentence naming the path when the file cannot be opened.
    init(path: String) throws(StoreError) {
        self.path = path
        if path != ":memory:" {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                let example = URL(fileURLWithPath: path).appendingPathComponent("augur.sqlite").path
                throw .connection("cannot open the SQLite database '\(path)': it is a directory; pass the path of a database file such as '\(example)'")
            }
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                throw .connection(
                    "cannot open the SQLite database '\(path)': the directory '\(directory)' does not exist; create it or choose another --database path")
            }
        }
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(opened)
            throw .connection(Self.openFailure(path: path, message: message, code: status))
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds)
        do {
            // The first statements are where a file that is not a database, or one we may not write, shows up.
            if path != ":memory:" {
                try execute("PRAGMA journal_mode = WAL")
                try execute("PRAGMA synchronous = NORMAL")
            }
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            let message = String(cString: sqlite3_errmsg(handle))
            let code = sqlite3_errcode(handle)
            sqlite3_close_v2(handle)
            throw .connection(Self.openFailure(path: path, message: message, code: code))
        }
    }

    deinit {
        for statement in statements.values {
            sqlite3_finalize(statement)
        }
        sqlite3_close_v2(handle)
    }

    private static func openFailure(path: String, message: String, code: Int32) -> String {
        switch code & 0xFF {
        case SQLITE_NOTADB:
            "'\(path)' is not an SQLite database (\(message)); pass the path of an Augur database or of a new file"
        case SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH:
            "cannot write the SQLite database '\(path)' (\(message)); check the file's and its directory's permissions"
        case SQLITE_CANTOPEN:
            "cannot open the SQLite database '\(path)' (\(message)); check that its directory exists and is writable"
        case SQLITE_BUSY, SQLITE_LOCKED:
            "the SQLite database '\(path)' stayed locked by another process for more than \(busyTimeoutMilliseconds / 1000) s (\(message))"
        default:
            "cannot open the SQLite database '\(path)' (\(message), SQLite code \(code))"
        }
    }

    /// The error for the connection's last failed call.
    private func failure(_ code: Int32, _ sql: String) -> StoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .database(
                "'\(path)' stayed locked by another connection for more than \(Self.busyTimeoutMilliseconds / 1000) s (\(message)); retry, or look for a process holding a long transaction")
        case SQLITE_READONLY, SQLITE_PERM:
            return .database("'\(path)' cannot be written (\(message)); check the file's permissions")
        case SQLITE_FULL:
            // Reported as a connection problem, which callers may retry: space freed a moment later lets it through.
            return .connection("the disk holding '\(path)' is full (\(message)); free some space and try again")
        default:
            let statement = sql.split(separator: "\n").first.map(String.init) ?? sql
            return .database("\(message) (SQLite code \(code)) in: \(statement)")
        }
    }

    // MARK: Statements

    /// Runs SQL text without parameters (schema changes, pragmas, transaction control).
    func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        sqlite3_free(errorMessage)
        guard status == SQLITE_OK else { throw failure(status, sql) }
    }

    private func prepared(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status, sql) }
        statements[sql] = statement
        return statement
    }

    private func bind(_ values: [SQLiteValue], to statement: OpaquePointer, sql: String) throws(StoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(statement, index)
            case .integer(let x): status = sqlite3_bind_int64(statement, index, x)
            case .real(let x): status = sqlite3_bind_double(statement, index, x)
            case .text(let s): status = sqlite3_bind_text(statement, index, s, -1, augur_sqlite_transient())
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), augur_sqlite_transient()) }
            }
            guard status == SQLITE_OK else { throw failure(status, sql) }
        }
    }

    /// Runs a statement for every row it yields, passing the row to `body`.
    func forEachRow(_ sql: String, _ values: [SQLiteValue] = [], _ body: (SQLiteRow) throws -> Void) throws {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(values, to: statement, sql: sql)
        while true {
            let status = sqlite3_step(statement)
            switch status {
            case SQLITE_ROW: try body(SQLiteRow(handle: statement))
            case SQLITE_DONE: return
            default: throw failure(status, sql)
            }
        }
    }

    /// The rows a query yields, each mapped by `transform`.
    func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (SQLiteRow) throws -> T) throws -> [T] {
        var rows: [T] = []
        try forEachRow(sql, values) { row in rows.append(try transform(row)) }
        return rows
    }

    /// The first row a query yields, mapped by `transform`, or `nil` if it yields none.
    func queryFirst<T>(_ sql: String, _ values: [SQLiteValue] = [], _ transform: (SQLiteRow) throws -> T) throws -> T? {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(values, to: statement, sql: sql)
        let status = sqlite3_step(statement)
        switch status {
        case SQLITE_ROW: return try transform(SQLiteRow(handle: statement))
        case SQLITE_DONE: return nil
        default: throw failure(status, sql)
        }
    }

    /// Runs a statement that yields no rows; returns how many rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        // A write outside a transaction checks the file as a transaction does.
        if transactionDepth == 0 { try checkFileIdentity() }
        try forEachRow(sql, values) { _ in }
        return Int(sqlite3_changes(handle))
    }

    // MARK: Transactions

    /// Runs `body` in a transaction that takes the database's write lock up front (`BEGIN IMMEDIATE`, waiting up to
    /// the busy timeout for other processes), so that what `body` reads stays true until it commits. Rolls back if
    /// `body` throws. Nested calls join the outer transaction.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a read transaction, so that its several queries see one snapshot of the database.
    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try transaction(begin: "BEGIN DEFERRED", body)
    }

    private func transaction<T>(begin: String, _ body: () throws -> T) throws -> T {
        if transactionDepth > 0 {
            return try body()
        }
        try checkFileIdentity()
        try execute(begin)
        transactionDepth = 1
        defer { transactionDepth = 0 }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 {
                try? execute("ROLLBACK")
            }
            throw error
        }
    }
}

extension SQLiteConnection {
    // MARK: File identity

    /// Throws `StoreError.databaseFileLost` when the file at `path` is no longer the file this connection has open
    /// (deleted, moved, or replaced by another file): what it wrote from then on would go to a file nobody can open
    /// again. Uses SQLite's `SQLITE_FCNTL_HAS_MOVED`, which compares a `stat` of the path with the inode of the open
    /// file: one system call per transaction. The first time, it saves what the open file still holds (see
    /// `saveLostFile`); later calls throw the same error.
    func checkFileIdentity() throws(StoreError) {
        if let lostFile { throw lostFile }
        guard path != ":memory:" else { return }
        var moved: Int32 = 0
        guard sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK, moved != 0 else { return }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let what: String
        if !FileManager.default.fileExists(atPath: directory) {
            what = "was deleted with its folder '\(directory)'"
        } else if !FileManager.default.fileExists(atPath: path) {
            what = "was deleted or moved"
        } else {
            what = "was replaced by another file"
        }
        let error = StoreError.databaseFileLost(path: path, what: what, savedTo: saveLostFile())
        lostFile = error
        throw error
    }

    /// Copies the database this connection still has open (the deleted or replaced file, WAL included) to a new
    /// file with `VACUUM INTO`: to `path` itself when nothing is there now (re-creating its folder), otherwise
    /// beside it as `<path>.rescued-<unix time>`. Returns where it went, or `nil` when neither could be written.
    private func saveLostFile() -> String? {
        var candidates = [path + ".rescued-\(Int(Date().timeIntervalSince1970))"]
        if !FileManager.default.fileExists(atPath: path) { candidates.insert(path, at: 0) }
        for target in candidates {
            do {
                let directory = URL(fileURLWithPath: target).deletingLastPathComponent().path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try forEachRow("VACUUM INTO ?", [.text(target)]) { _ in }
                return target
            } catch {
                continue
            }
        }
        return nil
    }
}
