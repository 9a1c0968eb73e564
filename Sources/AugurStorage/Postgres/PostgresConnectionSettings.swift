import CPostgreSQL
import Foundation

/// Where and how to reach a PostgreSQL server: a `postgres://` or `postgresql://` URL, a libpq `key=value`
/// connection string, or an empty string (everything from the `PG*` environment variables).
///
/// libpq itself reads the URL (percent-decoding included) and fills every part the URL leaves out from the standard
/// environment variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, …) and then from its
/// defaults, so `postgres:///augur` means "database augur on the server `PGHOST`/`PGPORT` names".
/// The password never leaves this type except inside the connection call: `redacted` and every error message
/// replace it with `***`.
struct PostgresConnectionSettings: Sendable {
    /// The connection string as the user wrote it (with the password).
    let connectionString: String
    /// The same string with the password replaced by `***`, for messages and logs.
    let redacted: String
    /// Host, port and database as far as the string names them (the server's actual ones are reported after a
    /// connection attempt).
    let host: String?
    let port: String?
    let database: String?
    private let password: String?

    init(_ connectionString: String) throws(StoreError) {
        let trimmed = connectionString.trimmingCharacters(in: .whitespaces)
        self.connectionString = trimmed
        let rawPassword = Self.rawURLPassword(in: trimmed)
        if let schemeEnd = trimmed.range(of: "://") {
            let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "postgres" || scheme == "postgresql" else {
                throw .connection("'\(Self.redact(trimmed, rawPassword: rawPassword, password: nil))' is not a PostgreSQL URL; "
                    + "write postgres://user:password@host:port/database")
            }
        }
        var errorPointer: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(trimmed, &errorPointer) else {
            let reason = errorPointer.map { String(cString: $0) } ?? "it could not be parsed"
            if let errorPointer { PQfreemem(errorPointer) }
            let redactedText = Self.redact(trimmed, rawPassword: rawPassword, password: nil)
            throw .connection("invalid PostgreSQL connection string '\(redactedText)': "
                + Self.oneLine(Self.redact(reason, rawPassword: rawPassword, password: nil)))
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                values[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        self.host = values["host"] ?? values["hostaddr"]
        self.port = values["port"]
        self.database = values["dbname"]
        self.password = values["password"]
        self.redacted = Self.redact(trimmed, rawPassword: rawPassword, password: values["password"])
    }

    /// `text` with every trace of the password replaced by `***`.
    func redact(_ text: String) -> String {
        var result = text
        if connectionString.isEmpty == false {
            result = result.replacingOccurrences(of: connectionString, with: redacted)
        }
        return Self.redact(result, rawPassword: Self.rawURLPassword(in: connectionString), password: password)
    }

    /// Opens a blocking libpq connection; the caller owns the handle (`PQfinish`) even when it failed.
    func connect() -> OpaquePointer? {
        // expand_dbname = 1: libpq parses the string in `dbname` as a URL or key=value string, and fills what it
        // leaves out from the PG* environment variables.
        let keywords = ["dbname", "fallback_application_name", "connect_timeout"]
        let values = [connectionString, "augur", "10"]
        return withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
    }

    /// The password as it appears between `:` and `@` of a URL (possibly percent-encoded).
    private static func rawURLPassword(in text: String) -> String? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = userInfo[userInfo.index(after: colon)...]
        return password.isEmpty ? nil : String(password)
    }

    private static func redact(_ text: String, rawPassword: String?, password: String?) -> String {
        var result = text
        if let rawPassword, rawPassword.isEmpty == false {
            result = result.replacingOccurrences(of: ":\(rawPassword)@", with: ":***@")
            result = result.replacingOccurrences(of: rawPassword, with: "***")
        }
        if let password, password.isEmpty == false {
            result = result.replacingOccurrences(of: password, with: "***")
        }
        // A key=value connection string: password=secret or password='se cret'.
        if let range = result.range(of: #"password\s*=\s*('([^'\\]|\\.)*'|[^\s&]*)"#, options: .regularExpression) {
            result.replaceSubrange(range, with: "password=***")
        }
        return result
    }

    /// Collapses libpq's multi-line messages into one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.isEmpty == false }
            .joined(separator: "; ")
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the duration of the call.
func withCStrings<Result>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> Result) -> Result {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    return body(duplicates.map { UnsafePointer($0) } + [nil])
}
