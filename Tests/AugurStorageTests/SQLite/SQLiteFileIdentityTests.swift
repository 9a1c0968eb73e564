import AugurCore
import Foundation
import Testing

@testable import AugurStorage

/// A database file deleted, moved or replaced under an open store: the store notices at its next transaction,
/// saves what it still has and refuses to go on, instead of writing to a file nobody can open again.
@Suite("SQLite file identity")
struct SQLiteFileIdentityTests {
    @Test func aDeletedFolderIsNoticedAndWhatTheStoreHadIsSavedWhereItWas() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path(for: "db")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/augur.sqlite"
        let store = try SQLiteStudyStore(path: path)
        _ = try await store.createStudy(testSpec())
        let trial = try #require(try await store.createTrials(1, in: "study").first)
        try await store.addMeasurement(study: "study", trial: trial.id, measurement: TrialMeasurement(step: 1, metrics: ["loss": 2]),
                                       leaseExpiresAt: nil)

        try FileManager.default.removeItem(atPath: folder)
        let lost = StoreError.databaseFileLost(path: path, what: "was deleted with its folder '\(folder)'", savedTo: path)
        await #expect(throws: lost) {
            try await store.addMeasurement(study: "study", trial: trial.id, measurement: TrialMeasurement(step: 2, metrics: ["loss": 1]),
                                           leaseExpiresAt: nil)
        }
        // Every later write is refused the same way; nothing is written to the lost file.
        await #expect(throws: lost) { try await store.setStudyState("study", to: .stopped, reason: "test") }

        let saved = try SQLiteStudyStore(path: path)
        #expect(try await saved.study(named: "study")?.state == .active)
        #expect(try await saved.trial(study: "study", id: trial.id)?.measurements.map(\.step) == [1])
    }

    @Test func aReplacedFileIsNoticedAndLeftAlone() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        let store = try SQLiteStudyStore(path: path)
        _ = try await store.createStudy(testSpec("first"))

        try FileManager.default.removeItem(atPath: path)
        let replacement = try SQLiteStudyStore(path: path)
        _ = try await replacement.createStudy(testSpec("second"))

        do {
            _ = try await store.createStudy(testSpec("third"))
            Issue.record("a write to the replaced file succeeded")
        } catch StoreError.databaseFileLost(let lostPath, let what, let savedTo) {
            #expect(lostPath == path)
            #expect(what == "was replaced by another file")
            let rescue = try #require(savedTo)
            #expect(rescue.hasPrefix(path + ".rescued-"))
            #expect(try await SQLiteStudyStore(path: rescue).studySummaries().map(\.study.name) == ["first"])
        }
        #expect(try await replacement.studySummaries().map(\.study.name) == ["second"])
    }

    @Test func anUntouchedFileIsNeverTakenForLost() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        let store = try SQLiteStudyStore(path: path)
        _ = try await store.createStudy(testSpec())
        // A second store on the same file, and the file's own WAL checkpoints, change nothing of its identity.
        let other = try SQLiteStudyStore(path: path)
        _ = try await other.createTrials(3, in: "study")
        try SQLiteConnection(path: path).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _ = try await store.createTrials(2, in: "study")
        #expect(try await store.trialCounts(study: "study").active == 5)
    }
}
