import AugurStorage
import Foundation
import Testing

@Suite("StudyStores.open")
struct StudyStoresTests {
    @Test func opensAFilePathCreatingItsDirectory() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "runs/nested/augur.sqlite")
        let store = try StudyStores.open(path)
        #expect(store is SQLiteStudyStore)
        _ = try await store.createStudy(testSpec())
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func opensMemory() async throws {
        let store = try StudyStores.open(":memory:")
        _ = try await store.createStudy(testSpec())
        #expect(try await store.studySummaries().count == 1)
    }

    @Test(arguments: ["postgres://augur:secret@127.0.0.1:1/augur", "postgresql://augur:secret@127.0.0.1:1/augur"])
    func explainsUnreachablePostgreSQLServers(url: String) {
        let error = #expect(throws: StoreError.self) { _ = try StudyStores.open(url) }
        guard case .connection(let message) = error else {
            Issue.record("expected a connection error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("PostgreSQL") && message.contains("127.0.0.1") && message.contains("port 1"))
        #expect(message.contains("secret") == false)
    }

    @Test(.enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
    func opensPostgreSQLURLs() async throws {
        let store = try StudyStores.open(try PostgresTestDatabase.makeIsolatedURL("open"))
        #expect(store is PostgresStudyStore)
        _ = try await store.createStudy(testSpec("opened"))
        #expect(try await store.studySummaries().map(\.study.name) == ["opened"])
    }

    @Test func refusesAnEmptyLocation() {
        #expect(throws: StoreError.self) { _ = try StudyStores.open("") }
    }
}
