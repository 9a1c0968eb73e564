import AugurStorage
import AugurTestSupport
import Foundation

/// A store opened for one test, with whatever must be removed afterwards.
final class StoreUnderTest: Sendable {
    let store: any StudyStore
    private let cleanup: @Sendable () -> Void

    init(_ store: any StudyStore, cleanup: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.cleanup = cleanup
    }

    deinit {
        cleanup()
    }
}

/// Opens a fresh, empty store of one implementation; `nil` means the implementation is not available here (the
/// factory prints why) and the test passes without running.
struct StoreFactory: Sendable, CustomStringConvertible {
    var name: String
    var make: @Sendable () async throws -> StoreUnderTest?

    var description: String { name }

    /// SQLite in a file of its own under a fresh temporary directory.
    static let sqliteFile = StoreFactory(name: "SQLite file") {
        let directory = TemporaryDirectory()
        return StoreUnderTest(try SQLiteStudyStore(path: directory.path(for: "augur.sqlite"))) { directory.remove() }
    }

    /// SQLite in memory.
    static let sqliteMemory = StoreFactory(name: "SQLite :memory:") {
        StoreUnderTest(try SQLiteStudyStore(path: ":memory:"))
    }

    /// The in-memory test double that the service and worker tests use.
    static let inMemory = StoreFactory(name: "InMemoryStudyStore") {
        StoreUnderTest(InMemoryStudyStore())
    }
}

/// A directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-storage-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(for file: String) -> String {
        url.appendingPathComponent(file).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
