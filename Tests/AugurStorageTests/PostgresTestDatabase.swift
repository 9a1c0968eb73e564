@testable import AugurStorage
import Foundation
import Synchronization
import Testing

/// The throwaway PostgreSQL server that `scripts/with-postgres.sh` starts for the test run, and private schemas in it.
///
/// Tests that need it are `.enabled(if: PostgresTestDatabase.isAvailable)`; without `AUGUR_TEST_POSTGRES_URL` they
/// are reported as skipped with the reason.
enum PostgresTestDatabase {
    static let skipReason: Comment = "AUGUR_TEST_POSTGRES_URL is not set; run scripts/with-postgres.sh swift test to include PostgreSQL"

    static var adminURL: String? {
        ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var isAvailable: Bool { adminURL != nil }

    private static let counter = Atomic<Int>(0)

    /// Creates an empty schema with a unique name and returns a URL whose connections use it as `search_path`, so
    /// each test has its own tables.
    static func makeIsolatedURL(_ label: String) throws -> String {
        guard let adminURL else { throw StoreError.connection(String(describing: skipReason)) }
        let number = counter.add(1, ordering: .relaxed).newValue
        let schema = "t_\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(ProcessInfo.processInfo.processIdentifier)_\(number)"
        try execute("DROP SCHEMA IF EXISTS \(schema) CASCADE; CREATE SCHEMA \(schema)", url: adminURL)
        return url(adminURL, searchPath: schema)
    }

    /// `url` with `options=-csearch_path=<schema>` added to its query.
    static func url(_ url: String, searchPath schema: String) -> String {
        url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
    }

    /// Runs fixed SQL on a fresh connection (test set-up only).
    @discardableResult
    static func execute(_ sql: String, url: String) throws -> [[String?]] {
        let settings = try PostgresConnectionSettings(url)
        do {
            let connection = try PostgresConnection(settings: settings)
            let result = try connection.run(sql)
            return (0..<result.rowCount).map { row in (0..<result.columnCount).map { result.string(row, $0) } }
        } catch {
            throw error.storeError
        }
    }
}
