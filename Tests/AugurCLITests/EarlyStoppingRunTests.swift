import AugurCore
import AugurStorage
import Foundation
import Testing

/// Issue 5 end to end: a command trial prints a learning curve per epoch, the service's median rule judges every
/// intermediate measurement, and `augur run` terminates the trials it stops — their processes are really gone.
@Suite struct EarlyStoppingRunTests {
    @Test func medianStoppingEndsBadTrialsAndKillsTheirProcesses() async throws {
        let directory = try makeTemporaryDirectory()
        let pids = directory + "/pids"
        try FileManager.default.createDirectory(atPath: pids, withIntermediateDirectories: true)
        // Trials run one at a time in grid order x = 1, 2, …, 6; the loss is x at every epoch. Trials 1 and 2 print
        // three epochs and finish. From x = 3 on, a trial is worse than the median of the others at step 1, so it is
        // stopped; it prints its epochs and then blocks, so it can only end by being terminated (if stopping did not
        // work, the run would never finish and the test's deadline would fail it).
        let script = [
            "echo $$ > \(pids)/$AUGUR_TRIAL_ID.tmp && mv \(pids)/$AUGUR_TRIAL_ID.tmp \(pids)/$AUGUR_TRIAL_ID",
            "for epoch in 1 2 3; do echo \"epoch=$epoch loss=${parameters.x}\"; done",
            "if [ ${parameters.x} -ge 3 ]; then exec sleep 600; fi",
            "echo loss=${parameters.x}",
        ].joined(separator: "; ")
        let spec = directory + "/stopping.yaml"
        try """
            name: stopping
            objective: {metric: loss, goal: minimize}
            parameters:
              - {name: x, type: int, min: 1, max: 6}
            algorithm: grid
            earlyStopping: {name: median, settings: {minTrialsRequired: 2, startStep: 1}}
            budget: {maxTrials: 6, parallelTrials: 1}
            trial:
              command: [/bin/sh, -c, '\(script.replacingOccurrences(of: "'", with: "''"))']
              timeout: 120
            """.write(toFile: spec, atomically: true, encoding: .utf8)

        let run = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")

        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")
        let trials = try await store.trials(study: "stopping", query: TrialQuery())
        #expect(trials.count == 6)
        for trial in trials {
            let x = trial.parameters["x"]?.doubleValue ?? 0
            if x < 3 {
                #expect(trial.state == .completed, "trial \(trial.id): \(trial.state) \(trial.statusReason ?? "")")
            } else {
                #expect(trial.state == .stopped, "trial \(trial.id): \(trial.state) \(trial.statusReason ?? "")")
                #expect(trial.statusReason?.contains("median stopping") == true, "\(trial.statusReason ?? "none")")
                #expect(trial.measurements.isEmpty == false, "measurements before the stop are kept")
                let pidText = try String(contentsOfFile: "\(pids)/\(trial.id)", encoding: .utf8)
                let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
                #expect(kill(pid, 0) == -1 && errno == ESRCH, "the stopped trial's process \(pid) is gone")
            }
        }
    }
}
