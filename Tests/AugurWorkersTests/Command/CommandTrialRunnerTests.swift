import AugurAlgorithms
import AugurCore
import AugurWorkers
import Foundation
import Synchronization
import Testing

@Suite struct CommandTrialRunnerTests {
    @Test func successfulTrialReportsItsFinalMetricsAndEnvironment() async throws {
        let directory = try makeTemporaryDirectory()
        let runner = CommandTrialRunner(runDirectory: directory)
        let script = #"echo "study=$AUGUR_STUDY id=$AUGUR_TRIAL_ID"; echo "step=1 loss=9"; echo "loss=$AUGUR_PARAM_X"; pwd > where"#
        let outcome = await runner.run(trial(7, x: 4), of: Study(spec: shellStudy(script)), measurements: .discarding)
        let final = try #require(completedMeasurement(outcome))
        #expect(final.metrics["loss"] == 4)
        #expect(final.step == 1)
        let trialDirectory = runner.trialDirectory(of: 7)
        let log = try String(contentsOfFile: trialDirectory + "/output.log", encoding: .utf8)
        #expect(log.contains("study=shell id=7"))
        let workingDirectory = try String(contentsOfFile: trialDirectory + "/where", encoding: .utf8)
        #expect(URL(fileURLWithPath: workingDirectory.trimmingCharacters(in: .newlines)).resolvingSymlinksInPath().path
            == URL(fileURLWithPath: trialDirectory).resolvingSymlinksInPath().path)
    }

    @Test func argumentsAreSubstitutedWithoutAShell() async throws {
        let directory = try makeTemporaryDirectory()
        let runner = CommandTrialRunner(runDirectory: directory)
        var spec = shellStudy("")
        spec.trial = .command(CommandTrial(
            argv: ["/bin/echo", "loss=${parameters.x}", "$HOME;", "${trialParameters.ref}"],
            parameterReferences: ["ref": "x"]))
        let outcome = await runner.run(trial(1, x: 12), of: Study(spec: spec), measurements: .discarding)
        #expect(completedMeasurement(outcome)?.metrics["loss"] == 12)
        let log = try String(contentsOfFile: runner.trialDirectory(of: 1) + "/output.log", encoding: .utf8)
        #expect(log == "loss=12 $HOME; 12\n")
    }

    @Test func intermediateValuesAreReportedAsTheyArrive() async throws {
        let directory = try makeTemporaryDirectory()
        let runner = CommandTrialRunner(runDirectory: directory)
        let reported = Mutex<[TrialMeasurement]>([])
        let sink = MeasurementSink { measurement in
            reported.withLock { $0.append(measurement) }
            return .keepRunning
        }
        let outcome = await runner.run(trial(), of: Study(spec: shellStudy("echo epoch=1 loss=3; echo epoch=2 loss=2; echo loss=2.5")),
                                       measurements: sink)
        #expect(reported.withLock { $0.map(\.step) } == [1, 2])
        #expect(reported.withLock { $0.map { $0.metrics["loss"] } } == [3, 2])
        #expect(completedMeasurement(outcome)?.metrics["loss"] == 2.5)
    }

    @Test func nonZeroExitFailsWithStatusAndOutputTail() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(trial(), of: Study(spec: shellStudy("echo loading; echo 'bad input' >&2; exit 3")), measurements: .discarding)
        let reason = try #require(failureReason(outcome))
        #expect(reason.hasPrefix("exit status 3"))
        #expect(reason.contains("loading\nbad input"))
    }

    @Test func missingObjectiveFails() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(trial(), of: Study(spec: shellStudy("echo accuracy=0.9")), measurements: .discarding)
        #expect(failureReason(outcome)?.hasPrefix("never reported metric 'loss'") == true)
    }

    @Test func killedBySignalIsReported() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(trial(), of: Study(spec: shellStudy("kill -9 $$")), measurements: .discarding)
        #expect(failureReason(outcome)?.hasPrefix("killed by signal 9 (SIGKILL)") == true)
    }

    @Test func missingProgramFails() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        var spec = shellStudy("")
        spec.trial = .command(CommandTrial(argv: ["augur-no-such-program"]))
        let outcome = await runner.run(trial(), of: Study(spec: spec), measurements: .discarding)
        #expect(failureReason(outcome)?.contains("cannot start `augur-no-such-program`") == true)
    }

    @Test func timeoutKillsTheProcessGroup() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory(), gracePeriod: 0.2)
        let outcome = await runner.run(trial(), of: Study(spec: shellStudy("echo started; sleep 600", timeout: 0.3)), measurements: .discarding)
        let reason = try #require(failureReason(outcome))
        #expect(reason.hasPrefix("timed out after 0.3s"))
        #expect(reason.contains("started"))
    }

    @Test func earlyStopDecisionTerminatesTheTrial() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory(), gracePeriod: 0.2)
        let sink = MeasurementSink { measurement in
            measurement.step >= 2 ? .stop(because: "median rule at step 2") : .keepRunning
        }
        let outcome = await runner.run(trial(), of: Study(spec: shellStudy("echo step=1 loss=3; echo step=2 loss=2; exec sleep 600")),
                                       measurements: sink)
        #expect(outcome == .stopped(reason: "median rule at step 2"))
    }

    @Test func cancellationKillsTheProcess() async throws {
        let directory = try makeTemporaryDirectory()
        let runner = CommandTrialRunner(runDirectory: directory, gracePeriod: 0.2)
        let pidFile = directory + "/pid"
        let spec = shellStudy("echo $$ > \(pidFile).tmp && mv \(pidFile).tmp \(pidFile); exec sleep 600")
        let running = Task { await runner.run(trial(), of: Study(spec: spec), measurements: .discarding) }
        try await waitUntil("the trial wrote its pid") { FileManager.default.fileExists(atPath: pidFile) }
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        running.cancel()
        #expect(await running.value == .interrupted)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func metricsFileIsReadAfterExit() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let spec = shellStudy(#"echo '{"epoch": 1, "loss": 0.7}' > metrics.json; echo '{"loss": 0.6}' >> metrics.json; echo loss=99"#,
                              metrics: MetricsCollector(source: .file(path: "metrics.json"), format: .json))
        let outcome = await runner.run(trial(), of: Study(spec: spec), measurements: .discarding)
        #expect(completedMeasurement(outcome)?.metrics["loss"] == 0.6)
    }

    @Test func unknownReferenceFailsBeforeStarting() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        var spec = shellStudy("")
        spec.trial = .command(CommandTrial(argv: ["/bin/echo", "${parameters.nope}"]))
        let outcome = await runner.run(trial(), of: Study(spec: spec), measurements: .discarding)
        #expect(failureReason(outcome)?.contains("${parameters.nope}") == true)
    }
}

/// The final measurement the service would store for a completed outcome, given what the sink received.
func completedMeasurement(_ outcome: TrialOutcome, reported: [TrialMeasurement] = []) -> TrialMeasurement? {
    guard case .completed(let observations, let elapsedSeconds) = outcome, elapsedSeconds != nil else { return nil }
    return Objective(metric: "loss", goal: .minimize).finalMeasurement(from: reported + observations)
}

func failureReason(_ outcome: TrialOutcome) -> String? {
    if case .failed(let reason) = outcome { return reason }
    return nil
}
