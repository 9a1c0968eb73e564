import Foundation

/// A value bound to a `?` placeholder of an SQLite statement.
enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    init(_ value: Int) {
        self = .integer(Int64(value))
    }

    init(_ bytes: [UInt8]?) {
        self = bytes.map { .blob($0) } ?? .null
    }

    init(_ value: String?) {
        self = value.map { .text($0) } ?? .null
    }

    init(_ value: Double?) {
        // SQLite stores NaN as NULL anyway; saying so here keeps the intent visible.
        guard let value, !value.isNaN else {
            self = .null
            return
        }
        self = .real(value)
    }

    /// A point in time as unix seconds, the representation every timestamp column uses.
    init(_ date: Date?) {
        self = date.map { .real($0.timeIntervalSince1970) } ?? .null
    }
}
