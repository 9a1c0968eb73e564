import AugurCore
@testable import AugurStorage
import AugurTestSupport
import Foundation
import Synchronization
import Testing

/// Servers that go away, and connections that cannot be made.
@Suite("PostgreSQL faults", .enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresFaultTests {
    /// Counts finished trials and says once when a threshold is reached.
    final class Milestone: Sendable {
        private let count = Mutex(0)
        let reached: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation
        private let threshold: Int

        init(after threshold: Int) {
            self.threshold = threshold
            (reached, continuation) = AsyncStream.makeStream(of: Void.self)
        }

        func tick() {
            let now = count.withLock { count in
                count += 1
                return count
            }
            if now == threshold { continuation.yield(()) }
            if now >= threshold { continuation.finish() }
        }
    }

    @Test func serverRestartMidStudyLosesNothing() async throws {
        let binaries = try #require(ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_BINDIR"],
                                    "scripts/with-postgres.sh sets AUGUR_TEST_POSTGRES_BINDIR")
        let server = try PostgresPrivateServer(binaries: binaries)
        defer { server.stop() }
        let cells = 60
        let parallel = 4
        let store = try PostgresStudyStore(url: server.url, poolSize: 4)
        _ = try await store.createStudy(GridStudy.spec(name: "restart", cells: cells, parallel: parallel))
        let startedBefore = try PostgresTestDatabase.execute("SELECT pg_postmaster_start_time()::text", url: server.url)

        let milestone = Milestone(after: cells / 4)
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<parallel {
                group.addTask {
                    try await GridStudy.work(store: store, study: "restart", worker: "w\(worker)", afterFinish: milestone.tick)
                }
            }
            group.addTask {
                // Restart while the workers keep asking for and reporting trials.
                for await _ in milestone.reached { break }
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    DispatchQueue.global().async { continuation.resume(with: Result { try server.restart() }) }
                }
                return 0
            }
            return try await group.reduce(0, +)
        }
        let startedAfter = try PostgresTestDatabase.execute("SELECT pg_postmaster_start_time()::text", url: server.url)
        #expect(startedAfter != startedBefore, "the server was restarted during the study")
        #expect(finished == cells)
        try await PostgresConcurrencyTests.expectGridStudyCompleted(url: server.url, study: "restart", cells: cells, parallel: parallel)
    }

    /// The error message of a store that could not be opened.
    static func connectionError(_ url: String) -> String? {
        do {
            _ = try PostgresStudyStore(url: url, poolSize: 1)
            return nil
        } catch StoreError.connection(let message) {
            return message
        } catch {
            return "unexpected error: \(error)"
        }
    }

    static func adminParts() throws -> (host: String, port: String) {
        let settings = try PostgresConnectionSettings(try #require(PostgresTestDatabase.adminURL))
        return (settings.host ?? "127.0.0.1", settings.port ?? "5432")
    }

    @Test func unreachableServerNamesHostPortAndDatabase() throws {
        let message = try #require(Self.connectionError("postgres://augur:hunter2secret@127.0.0.1:1/results"))
        #expect(message.contains("host 127.0.0.1") && message.contains("port 1") && message.contains("database results"))
        #expect(message.contains("refused"))
        #expect(message.contains("hunter2secret") == false)
        #expect(message.contains("\n") == false)
    }

    @Test func missingDatabaseAndRoleAreNamed() throws {
        let (host, port) = try Self.adminParts()
        let database = try #require(Self.connectionError("postgres://augur@\(host):\(port)/no_such_database"))
        #expect(database.contains("database no_such_database") && database.contains("\"no_such_database\" does not exist"))
        let role = try #require(Self.connectionError("postgresql://nobody_here:pw1234567@\(host):\(port)/augur_test"))
        #expect(role.contains("role \"nobody_here\" does not exist") && role.contains("pw1234567") == false)
    }

    @Test func wrongPasswordIsRefusedWithoutShowingIt() throws {
        let adminURL = try #require(PostgresTestDatabase.adminURL)
        let dataDirectory = try #require(ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_DATADIR"],
                                         "scripts/with-postgres.sh sets AUGUR_TEST_POSTGRES_DATADIR")
        // The throwaway server trusts every login; make this one role use a password.
        let hba = dataDirectory + "/pg_hba.conf"
        let rule = "host all augur_password_test 127.0.0.1/32 scram-sha-256\n"
        let current = try String(contentsOfFile: hba, encoding: .utf8)
        if current.contains(rule) == false {
            try (rule + current).write(toFile: hba, atomically: false, encoding: .utf8)
        }
        try PostgresTestDatabase.execute(
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'augur_password_test') THEN
                    CREATE ROLE augur_password_test LOGIN PASSWORD 'right horse battery';
                END IF;
            END $$;
            SELECT pg_reload_conf();
            """, url: adminURL)
        let (host, port) = try Self.adminParts()
        let wrong = try #require(Self.connectionError("postgres://augur_password_test:wrong%20staple%20p%40ss@\(host):\(port)/augur_test"))
        #expect(wrong.contains("password authentication failed for user \"augur_password_test\""))
        #expect(wrong.contains("wrong staple") == false && wrong.contains("wrong%20staple") == false)
        #expect(wrong.contains("port \(port)") && wrong.contains("database augur_test"))
        // The right password, percent-encoded in the URL, gets in.
        let schema = try PostgresTestDatabase.makeIsolatedURL("password").components(separatedBy: "search_path%3D").last ?? ""
        try PostgresTestDatabase.execute("GRANT ALL ON SCHEMA \(schema) TO augur_password_test", url: adminURL)
        let right = PostgresTestDatabase.url("postgres://augur_password_test:right%20horse%20battery@\(host):\(port)/augur_test", searchPath: schema)
        let store = try PostgresStudyStore(url: right, poolSize: 1)
        #expect(store.redactedURL.contains("right") == false && store.redactedURL.contains("***"))
    }

    @Test(arguments: [
        "mysql://augur:secretpw@localhost/augur",
        "postgres://augur:secretpw@[::1/augur",
        "postgres://augur:secretpw@localhost/augur?no_such_option=1",
    ])
    func malformedURLsAreExplained(url: String) throws {
        let message = try #require(Self.connectionError(url))
        #expect(message.contains("secretpw") == false)
        #expect(message.contains("PostgreSQL"))
    }
}
