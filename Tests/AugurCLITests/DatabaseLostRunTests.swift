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

    /// Runs study `lost` with its database in `<directory>/db`, deletes that folder while trial 1 runs (after its
    /// step 1 is stored, before its step 2), and returns what `augur run` printed.
    private func runAndDeleteTheDatabaseFolder(in directory: String, runDirectory: String?) async throws -> AugurProcess.Output {
        let databaseFolder = directory + "/db"
        try FileManager.default.createDirectory(atPath: databaseFolder, withIntermediateDirectories: true)
        let database = databaseFolder + "/augur.sqlite"
        let release = directory + "/release"
        // Trial 1 reports step 1, waits for the test, then reports step 2 (the first write after the deletion).
        let script = "echo step=1 loss=5; while [ ! -f \(release) ]; do sleep 0.02; done; echo step=2 loss=4; echo loss=3"
        let spec = try writeSpec(script, name: "lost", maxTrials: 3, parallel: 1, in: directory)
        let run = try AugurProcess(["run", spec, "--database", database] + (runDirectory.map { ["--run-directory", $0] } ?? []), in: directory)
        try await waitUntil("trial 1 has reported step 1") { try await storedSteps(database) == [1] }
        try FileManager.default.removeItem(atPath: databaseFolder)
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        return await run.finish()
    }

    @Test func deletingTheDatabaseFolderStopsTheRunWithAnErrorAndKeepsWhatItHad() async throws {
        let directory = try makeTemporaryDirectory()
        let database = directory + "/db/augur.sqlite"
        let output = try await runAndDeleteTheDatabaseFolder(in: directory, runDirectory: directory + "/runs")

        #expect(output.status == 1, "\(output.standardError)")
        #expect(output.standardError.contains("the SQLite database '\(database)' was deleted with its folder"), "\(output.standardError)")
        #expect(output.standardError.contains("saved to '\(database)'"), "\(output.standardError)")
        #expect(output.standardError.contains("the trial folders and their output are kept under '\(directory)/runs/trials'"),
                "\(output.standardError)")
        // What the run had recorded before the deletion is back where it was; the trial's output is kept.
        #expect(try await storedSteps(database) == [1])
        let log = try String(contentsOfFile: directory + "/runs/trials/1/output.log", encoding: .utf8)
        #expect(log.contains("step=2 loss=4"))
    }

    @Test func trialFoldersDeletedWithTheDatabaseAreReportedLostButUnstoredMeasurementsAreKept() async throws {
        let directory = try makeTemporaryDirectory()
        let database = directory + "/db/augur.sqlite"
        // The default run directory, <database folder>/<study>, goes with the deleted folder.
        let output = try await runAndDeleteTheDatabaseFolder(in: directory, runDirectory: nil)

        #expect(output.status == 1, "\(output.standardError)")
        #expect(output.standardError.contains("the trial folders under '\(directory)/db/lost/trials' were deleted too, so their output is lost"),
                "\(output.standardError)")
        #expect(try await storedSteps(database) == [1])
        let held = try String(contentsOfFile: directory + "/db/lost/trials/1/held-measurements.jsonl", encoding: .utf8)
        #expect(held.contains("\"step\":2"))
    }
}
