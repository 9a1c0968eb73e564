import CSQLite
import Foundation

/// The current result row of a stepping statement; valid only inside the closure it is passed to.
struct SQLiteRow {
    let handle: OpaquePointer

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func int(_ column: Int32) -> Int {
        Int(sqlite3_column_int64(handle, column))
    }

    func double(_ column: Int32) -> Double? {
        isNull(column) ? nil : sqlite3_column_double(handle, column)
    }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Appends the little-endian 64-bit floats of a BLOB column at `positions` (NaN past its end) to `values`;
    /// returns false, appending nothing, when the column is not a BLOB.
    func appendDoubles(_ column: Int32, at positions: [Int], to values: inout [Double]) -> Bool {
        guard sqlite3_column_type(handle, column) == SQLITE_BLOB, let bytes = sqlite3_column_blob(handle, column) else { return false }
        let raw = UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column)))
        for position in positions {
            let offset = position * 8
            values.append(offset + 8 <= raw.count
                ? Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) : .nan)
        }
        return true
    }

    /// A unix-seconds timestamp column.
    func date(_ column: Int32) -> Date? {
        double(column).map { Date(timeIntervalSince1970: $0) }
    }
}
