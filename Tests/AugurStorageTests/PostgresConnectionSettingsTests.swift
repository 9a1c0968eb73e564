@testable import AugurStorage
import Testing

@Suite("PostgreSQL connection settings")
struct PostgresConnectionSettingsTests {
    @Test(arguments: [
        ("postgres://augur:s3cr%40t@db.example.com:6543/results?sslmode=require", "postgres://augur:***@db.example.com:6543/results?sslmode=require"),
        ("postgresql://augur:plainpass@localhost/results", "postgresql://augur:***@localhost/results"),
        ("postgres://augur@localhost/results?password=querypass", "postgres://augur@localhost/results?password=***"),
        ("host=localhost dbname=results password='key value pass'", "host=localhost dbname=results password=***"),
    ])
    func redactsThePassword(url: String, redacted: String) throws {
        let settings = try PostgresConnectionSettings(url)
        #expect(settings.redacted == redacted)
        #expect(settings.redact("could not connect with \(url)") == "could not connect with \(redacted)")
    }

    @Test func readsHostPortAndDatabaseAndDecodesPercentEscapes() throws {
        let settings = try PostgresConnectionSettings("postgres://augur:p%40ss@db.example.com:6543/my%20results")
        #expect(settings.host == "db.example.com" && settings.port == "6543" && settings.database == "my results")
        #expect(settings.redact("the password p@ss leaked") == "the password *** leaked")
    }

    @Test func leavesOutPartsToTheEnvironment() throws {
        let settings = try PostgresConnectionSettings("postgres:///results")
        #expect(settings.host == nil && settings.port == nil && settings.database == "results")
        #expect(try PostgresConnectionSettings("").database == nil)
    }

    @Test func refusesOtherSchemesAndMalformedURLs() {
        #expect(throws: StoreError.self) { try PostgresConnectionSettings("mysql://augur@localhost/results") }
        #expect(throws: StoreError.self) { try PostgresConnectionSettings("postgres://augur:pw@[::1/results") }
    }
}
