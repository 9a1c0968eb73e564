import Foundation

/// Opens the store a `--database` option names.
public enum StudyStores {
    /// Opens a store from a location:
    /// - a file path (or `:memory:`): an SQLite database, creating the file and its parent directory if needed;
    /// - a `postgres://` or `postgresql://` URL: a PostgreSQL database (parts the URL leaves out come from the `PG*`
    ///   environment variables; see `PostgresStudyStore.init(url:poolSize:)`).
    ///
    /// - Throws: `StoreError.connection` with a sentence naming the location when it cannot be opened.
    public static func open(_ location: String) throws -> any StudyStore {
        let lowercased = location.lowercased()
        if lowercased.hasPrefix("postgres://") || lowercased.hasPrefix("postgresql://") {
            return try PostgresStudyStore(url: location)
        }
        if location.isEmpty {
            throw StoreError.connection("the database location is empty; pass a file path (SQLite) or a postgres:// URL")
        }
        if location != ":memory:" {
            let path = (location as NSString).expandingTildeInPath
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError.connection(
                    "cannot create the directory '\(directory)' for the SQLite database '\(path)' (\(error.localizedDescription)); choose another --database path")
            }
            return try SQLiteStudyStore(path: path)
        }
        return try SQLiteStudyStore(path: location)
    }
}
