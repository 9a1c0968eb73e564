import AugurCore
import AugurStorage
import Foundation
import Testing

/// A trial's command never outlives the augur that runs it, and a re-run trial never overlaps its earlier attempt on
/// the same machine (issue: after `kill -9` of `augur run`, its trial processes ran on and ran again on resume).
@Suite struct TrialProcessLifetimeTests {
    /// Each trial writes the pids of its shell and of a background child into `pids/`, then waits.
    private func lingeringScript(_ directory: String) -> String {
        "echo \"$$ $(sh -c 'sleep 300 >/dev/null 2>&1 & echo $!')\" > \(directory)/pids/$AUGUR_TRIAL_ID; sleep 300"
    }

    private func recordedPids(_ directory: String) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/pids").flatMap { name in
            try String(contentsOfFile: directory + "/pids/" + name, encoding: .utf8)
                .split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        }
    }

    @Test func aKilledRunTakesItsTrialCommandsAndTheirChildrenWithIt() async throws {
        let directory = try makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/pids", withIntermediateDirectories: true)
        let spec = try writeSpec(lingeringScript(directory), name: "orphans", maxTrials: 3, parallel: 3, in: directory)
        let run = try AugurProcess(["run", spec, "--database", "db.sqlite"], in: directory)
        try await waitUntil("three trials run") {
            (try? FileManager.default.contentsOfDirectory(atPath: directory + "/pids").count) == 3
        }
        let pids = try recordedPids(directory)
        #expect(pids.count == 6)
        #expect(pids.allSatisfy { !isGone($0) })

        try await run.killAndReap()
        for pid in pids {
            try await waitUntil("trial process \(pid) ends with the killed run", seconds: 10) { isGone(pid) }
        }
    }

    @Test func aResumedTrialEndsWhatItsEarlierAttemptLeftRunningBeforeItStarts() async throws {
        let directory = try makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/pids", withIntermediateDirectories: true)
        // The first attempt of each trial waits; a later one reports whether the first attempt's shell still ran.
        let script = """
            if [ -f attempted ]; then old=$(cat shell.pid); state=$(cut -d' ' -f3 /proc/$old/stat 2>/dev/null); \
            if [ -n "$state" ] && [ "$state" != Z ]; then echo overlap; exit 3; fi; echo loss=$AUGUR_PARAM_X; exit 0; fi; \
            touch attempted; echo $$ > shell.pid; \(lingeringScript(directory))
            """
        let spec = try writeSpec(script, name: "stale", maxTrials: 2, parallel: 2, in: directory)
        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")
        let first = try AugurProcess(["run", spec, "--database", "db.sqlite"], in: directory)
        try await waitUntil("two trials run") {
            (try? FileManager.default.contentsOfDirectory(atPath: directory + "/pids").count) == 2
        }
        let pids = try recordedPids(directory)

        // Kill the run and its trial supervisors at once, as `kill -9` of a whole process tree would: frozen first,
        // so that neither can end the trial's group, the commands are left orphaned.
        let runPid = first.process.processIdentifier
        kill(runPid, SIGSTOP)
        let supervisors = childProcesses(of: runPid)
        #expect(supervisors.count == 2)
        for supervisor in supervisors { kill(supervisor, SIGKILL) }
        try await first.killAndReap()
        #expect(pids.allSatisfy { !isGone($0) }, "the orphaned commands still run before the resume")

        let resumed = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(pids.allSatisfy(isGone))
        let trials = try await store.trials(study: "stale", query: TrialQuery())
        #expect(trials.map(\.state) == [.completed, .completed])
    }
}

/// Whether `pid` no longer runs (absent, or a zombie waiting for its new parent to reap it).
private func isGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
}

/// The pids whose parent is `parent`, from /proc.
private func childProcesses(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == parent
    }
}
