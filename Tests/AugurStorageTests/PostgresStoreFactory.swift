import AugurStorage
import Foundation
import Testing

extension StoreFactory {
    /// PostgreSQL in a schema of its own on the server `AUGUR_TEST_POSTGRES_URL` names (scripts/with-postgres.sh
    /// starts one); without the variable the test case is cancelled, which Swift Testing reports as skipped.
    static let postgres = StoreFactory(name: "PostgreSQL") {
        guard let adminURL = PostgresTestDatabase.adminURL else {
            try Test.cancel("AUGUR_TEST_POSTGRES_URL is not set (run scripts/with-postgres.sh swift test to include PostgreSQL)")
        }
        let url = try PostgresTestDatabase.makeIsolatedURL("contract")
        let schema = url.components(separatedBy: "search_path%3D").last ?? ""
        return StoreUnderTest(try PostgresStudyStore(url: url, poolSize: 2)) {
            _ = try? PostgresTestDatabase.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE", url: adminURL)
        }
    }
}
