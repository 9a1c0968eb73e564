import AugurCore
import AugurStorage
import Foundation
import Testing

/// `augur run` whose SQLite database is deleted under it: it must stop with an error naming the path, not run on
/// into a file nobody can open again and exit 0.
@Suite struct DatabaseLostRunTests {
    /// Measurements of trial 1 as the database has them now (opened and closed again, so that the test holds no
    /// connection to the file when it deletes it).
    private func storedSteps(_ path: String) async throws -> [Int]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let store = try SQLiteStudyStore(path: path)
        guard try await store.study(named: "lost") != nil else { return nil }
        return try await store.trial(study: "lost", id: 1)?.measurements.map(\.step)
    }

    @Test func deletingTheDatabaseFolderStopsTheRunWithAnErrorAndKeepsWhatItHad() async throws {
        let directory = try makeTemporaryDirectory()
        let databaseFolder = directory + "/db"
        try FileManager.default.createDirectory(atPath: databaseFolder, withIntermediateDirectories: true)
        let database = databaseFolder + "/augur.sqlite"
        let release = directory + "/release"
        // Trial 1 reports step 1, waits for the test, then reports step 2 (the first write after the deletion).
        let script = "echo step=1 loss=5; while [ ! -f \(release) ]; do sleep 0.02; done; echo step=2 loss=4; echo loss=3"
        let spec = try writeSpec(script, name: "lost", maxTrials: 3, parallel: 1, in: directory)

        let run = try AugurProcess(["run", spec, "--database", database, "--run-directory", directory + "/runs"], in: directory)
        try await waitUntil("trial 1 has reported step 1") { try await storedSteps(database) == [1] }
        try FileManager.default.removeItem(atPath: databaseFolder)
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        let output = run.finish()

        #expect(output.status == 1, "\(output.standardError)")
        #expect(output.standardError.contains("the SQLite database '\(database)' was deleted with its folder"), "\(output.standardError)")
        #expect(output.standardError.contains("saved to '\(database)'"), "\(output.standardError)")
        #expect(output.standardError.contains("their folders and output are kept under '\(directory)/runs'"), "\(output.standardError)")
        // What the run had recorded before the deletion is back where it was; the trial's output is kept.
        #expect(try await storedSteps(database) == [1])
        let log = try String(contentsOfFile: directory + "/runs/trials/1/output.log", encoding: .utf8)
        #expect(log.contains("step=2 loss=4"))
    }
}
