@testable import AugurWorkers
import Foundation
import Testing

@Suite struct TrialProcessRecordTests {
    @Test func aRecordReadsBackAsWritten() throws {
        let directory = try makeTemporaryDirectory()
        let record = TrialProcessRecord.current(processGroup: 4242)
        record.write(in: directory)
        let text = try String(contentsOfFile: TrialProcessRecord.path(in: directory), encoding: .utf8)
        #expect(TrialProcessRecord(text: text) == record)
        #expect(!record.bootID.isEmpty)
    }

    @Test(arguments: ["", "garbage", "1 boot", "-5 boot", "12 boot extra"])
    func malformedRecordsAreRefused(text: String) {
        #expect(TrialProcessRecord(text: text) == nil)
    }

    @Test func aRecordWhoseProcessesAreGoneKillsNothingAndIsRemoved() async throws {
        let directory = try makeTemporaryDirectory()
        // A group id no process has (pid_max is far below it).
        TrialProcessRecord.current(processGroup: 2_000_000_000).write(in: directory)
        #expect(await TrialProcessRecord.endStaleProcesses(in: directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: TrialProcessRecord.path(in: directory)))
    }

    @Test func anUnreadableRecordIsRemovedWithoutScanning() async throws {
        let directory = try makeTemporaryDirectory()
        try "not a record".write(toFile: TrialProcessRecord.path(in: directory), atomically: true, encoding: .utf8)
        #expect(await TrialProcessRecord.endStaleProcesses(in: directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: TrialProcessRecord.path(in: directory)))
    }

    @Test func theScanFindsOnlyTheTrialsOwnProcesses() throws {
        // This test process is in its own group and has no AUGUR_TRIAL_DIR naming this directory.
        let directory = try makeTemporaryDirectory()
        #expect(TrialProcessRecord.members(of: getpgrp(), trialDirectory: directory).isEmpty)
    }
}
