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

    @Test(arguments: ["postgres://augur@localhost/augur", "postgresql://localhost:5432/augur"])
    func explainsPostgreSQLURLs(url: String) {
        let error = #expect(throws: StoreError.self) { _ = try StudyStores.open(url) }
        guard case .connection(let message) = error else {
            Issue.record("expected a connection error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("PostgreSQL"))
    }

    @Test func refusesAnEmptyLocation() {
        #expect(throws: StoreError.self) { _ = try StudyStores.open("") }
    }
}
