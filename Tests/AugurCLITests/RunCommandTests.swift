import AugurCore
import AugurStorage
import Foundation
import Testing

@Suite struct RunCommandTests {
    @Test func runCompletesAStudyAndTheQueriesShowIt() async throws {
        let directory = try makeTemporaryDirectory()
        let spec = try writeSpec("echo loss=$AUGUR_PARAM_X", name: "quick", maxTrials: 4, parallel: 2, in: directory)
        let run = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("study 'quick' COMPLETED: budget of 4 trials spent"))
        #expect(FileManager.default.fileExists(atPath: directory + "/quick/trials/1/output.log"))

        let csv = try await AugurProcess.run(["trials", "quick", "--database", "db.sqlite", "--format", "csv"], in: directory)
        let lines = csv.standardOutput.split(separator: "\n")
        #expect(lines.first == "id,state,metric.loss,param.x,retries,started_at,ended_at,reason")
        #expect(lines.count == 5)

        let json = try await AugurProcess.run(["best", "quick", "-n", "2", "--database", "db.sqlite", "--format", "json"], in: directory)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        #expect(records.count == 2)
        let values = records.compactMap { $0["objective"] as? Double }
        #expect(values == values.sorted())
        #expect(Set(records[0].keys) == ["id", "state", "objective", "parameters", "metrics", "step", "retries", "worker", "reason",
                                         "createdAt", "startedAt", "endedAt"])

        let completed = try await AugurProcess.run(["trials", "quick", "--database", "db.sqlite", "--state", "completed", "--sort", "loss"], in: directory)
        #expect(completed.status == 0)
        #expect(completed.standardOutput.split(separator: "\n").count == 5)

        let studies = try await AugurProcess.run(["studies", "--database", "db.sqlite"], in: directory)
        #expect(studies.standardOutput.contains("quick"))
        let show = try await AugurProcess.run(["show", "quick", "--database", "db.sqlite"], in: directory)
        #expect(show.standardOutput.contains("state:      COMPLETED (budget of 4 trials spent)"))

        let delete = try await AugurProcess.run(["delete", "quick", "--database", "db.sqlite"], in: directory)
        #expect(delete.status == 0)
        let missing = try await AugurProcess.run(["show", "quick", "--database", "db.sqlite"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("no study named 'quick'"))
    }

    @Test func studyWithTooManyFailuresExitsWithStatus2() async throws {
        let directory = try makeTemporaryDirectory()
        let spec = try writeSpec("echo broken >&2; exit 3", name: "broken", maxTrials: 5, parallel: 1, maxFailed: 2, in: directory)
        let run = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(run.status == 2)
        #expect(run.standardOutput.contains("study 'broken' FAILED: 2 trials failed (maxFailedTrials is 2)"))
        let failed = try await AugurProcess.run(["trials", "broken", "--database", "db.sqlite", "--format", "json"], in: directory)
        #expect(failed.standardOutput.contains(#""reason" : "exit status 3\nlast line of output:\nbroken""#))
    }

    @Test func interruptedRunResumesWithoutLosingOrDuplicatingTrials() async throws {
        let directory = try makeTemporaryDirectory()
        let release = directory + "/release"
        let script = "if [ \"$AUGUR_TRIAL_ID\" != 1 ]; then while [ ! -f \(release) ]; do sleep 0.02; done; fi; echo loss=$AUGUR_PARAM_X"
        let spec = try writeSpec(script, name: "interrupted", maxTrials: 4, parallel: 2, in: directory)
        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")

        let first = try AugurProcess(["run", spec, "--database", "db.sqlite"], in: directory)
        try await waitUntil("two trials wait for the release file") {
            guard try await store.study(named: "interrupted") != nil else { return false }
            let counts = try await store.trialCounts(study: "interrupted")
            return counts.completed == 1 && counts.active == 2
        }
        first.process.interrupt()
        let interrupted = await first.finish()
        #expect(interrupted.status == 130, "\(interrupted.standardError)")
        let counts = try await store.trialCounts(study: "interrupted")
        #expect(counts.requested == 2 && counts.active == 0 && counts.completed == 1)

        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        let resumed = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        try await expectBudgetSpentOnce(store, study: "interrupted", trials: 4)
    }

    @Test func runKilledWithSIGKILLIsResumedWithoutLosingOrDuplicatingTrials() async throws {
        let directory = try makeTemporaryDirectory()
        let release = directory + "/release"
        let script = "if [ \"$AUGUR_TRIAL_ID\" != 1 ]; then while [ ! -f \(release) ]; do sleep 0.02; done; fi; echo loss=$AUGUR_PARAM_X"
        let spec = try writeSpec(script, name: "killed", maxTrials: 4, parallel: 2, in: directory)
        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")

        let first = try AugurProcess(["run", spec, "--database", "db.sqlite"], in: directory)
        try await waitUntil("two trials wait for the release file") {
            guard try await store.study(named: "killed") != nil else { return false }
            let counts = try await store.trialCounts(study: "killed")
            return counts.completed == 1 && counts.active == 2
        }
        try await first.killAndReap()
        #expect(try await store.trialCounts(study: "killed").active == 2)

        // The dead run's trial processes are released too, so they end instead of lingering.
        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        let resumed = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        try await expectBudgetSpentOnce(store, study: "killed", trials: 4)
        let rerun = try await store.trials(study: "killed", query: TrialQuery()).filter { $0.retryCount == 1 }
        #expect(rerun.count == 2)
    }

    @Test func secondInterruptKillsTrialsThatIgnoreSIGTERMAndResumeRecoversThem() async throws {
        let directory = try makeTemporaryDirectory()
        let release = directory + "/release"
        try FileManager.default.createDirectory(atPath: directory + "/pids", withIntermediateDirectories: true)
        let script = "if [ \"$AUGUR_TRIAL_ID\" != 1 ]; then echo $$ > \(directory)/pids/$AUGUR_TRIAL_ID; trap '' TERM; "
            + "while [ ! -f \(release) ]; do sleep 0.02; done; fi; echo loss=$AUGUR_PARAM_X"
        let spec = try writeSpec(script, name: "stubborn", maxTrials: 3, parallel: 2, in: directory)
        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")

        let first = try AugurProcess(["run", spec, "--database", "db.sqlite"], in: directory)
        try await waitUntil("two trials ignore SIGTERM") {
            guard try await store.study(named: "stubborn") != nil else { return false }
            let counts = try await store.trialCounts(study: "stubborn")
            let pids = try FileManager.default.contentsOfDirectory(atPath: directory + "/pids")
            return counts.completed == 1 && counts.active == 2 && pids.count == 2
        }
        first.process.interrupt()
        try await waitUntil("augur announces the graceful stop") { first.standardErrorSoFar.contains("interrupted") }
        first.process.interrupt()
        #expect(await first.finish().status == 130)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/pids") {
            let text = try String(contentsOfFile: directory + "/pids/" + name, encoding: .utf8)
            let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            try await waitUntil("trial process \(pid) is gone") { processIsGone(pid) }
        }

        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        let resumed = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(resumed.status == 0, "\(resumed.standardError)")
        try await expectBudgetSpentOnce(store, study: "stubborn", trials: 3)
    }

    private func expectBudgetSpentOnce(_ store: SQLiteStudyStore, study: String, trials expected: Int) async throws {
        let trials = try await store.trials(study: study, query: TrialQuery())
        #expect(trials.map(\.id) == Array(1...expected))
        #expect(trials.allSatisfy { $0.state == .completed })
        #expect(Set(trials.map(\.parameters)).count == expected)
        #expect(try await store.study(named: study)?.state == .completed)
    }
}

/// Whether `pid` no longer runs (absent, or a zombie waiting for its new parent to reap it).
private func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
}

@Suite struct ConcurrentRunTests {
    @Test func twoRunsOnOneStudyShareTheBudgetWithoutDuplicates() async throws {
        let directory = try makeTemporaryDirectory()
        let spec = try writeSpec("echo loss=$AUGUR_PARAM_X", name: "shared", maxTrials: 12, parallel: 4, in: directory)
        // Create the study first so that the two runs only resume it.
        let created = try await AugurProcess.run(["run", spec, "--database", "db.sqlite", "--parallel", "1"], in: directory)
        #expect(created.status == 0)
        let bigger = try writeSpec("echo loss=$AUGUR_PARAM_X", name: "shared", maxTrials: 24, parallel: 4, in: directory)
        let first = try AugurProcess(["run", bigger, "--database", "db.sqlite", "--parallel", "2"], in: directory)
        let second = try AugurProcess(["run", bigger, "--database", "db.sqlite", "--parallel", "2"], in: directory)
        #expect(await first.finish().status == 0)
        #expect(await second.finish().status == 0)
        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")
        let trials = try await store.trials(study: "shared", query: TrialQuery())
        #expect(trials.map(\.id) == Array(1...24))
        #expect(trials.allSatisfy { $0.state == .completed })
        #expect(Set(trials.map(\.parameters)).count == 24)
    }
}

extension RunCommandTests {
    /// A Katib Experiment with the `TensorFlowEvent` collector runs end to end: each trial writes event files (here
    /// copied from the tensorboardX-written fixture), and the best accuracy of the `test` run is the trial's.
    @Test func katibTensorFlowEventExperimentRunsEndToEnd() async throws {
        let directory = try makeTemporaryDirectory()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AugurWorkersTests/Fixtures/tfevents/mnist").path
        let spec = """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata: {name: tfevents}
        spec:
          objective: {type: maximize, objectiveMetricName: accuracy}
          algorithm: {algorithmName: random}
          parallelTrialCount: 2
          maxTrialCount: 2
          metricsCollectorSpec:
            source: {fileSystemPath: {path: logs/test, kind: Directory}}
            collector: {kind: TensorFlowEvent}
          parameters:
            - {name: lr, parameterType: double, feasibleSpace: {min: "0.01", max: "0.05"}}
          trialTemplate:
            primaryContainerName: tensorflow
            trialParameters: [{name: learningRate, reference: lr}]
            trialSpec:
              apiVersion: batch/v1
              kind: Job
              spec:
                template:
                  spec:
                    containers:
                      - name: tensorflow
                        command: [sh, -c, "cp -R '\(fixture)' logs && echo lr=${trialParameters.learningRate}"]
        """
        try spec.write(toFile: directory + "/tfevents.yaml", atomically: true, encoding: .utf8)
        let run = try await AugurProcess.run(["run", "tfevents.yaml", "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        let json = try await AugurProcess.run(["best", "tfevents", "--database", "db.sqlite", "--format", "json"], in: directory)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        let best = try #require(records.first?["objective"] as? Double)
        #expect(abs(best - 0.97) < 1e-6)
        #expect(records.first?["step"] as? Int == 2)
    }
}
