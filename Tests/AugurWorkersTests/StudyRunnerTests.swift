import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import AugurWorkers
import Foundation
import Testing

@Suite struct StudyRunnerTests {
    private func service(_ store: InMemoryStudyStore) -> StudyService {
        StudyService(store: store, designers: { _ in CountingDesigner() })
    }

    @Test func runsTheBudgetInParallelAndCompletesTheStudy() async throws {
        let store = InMemoryStudyStore()
        let service = service(store)
        _ = try await service.createStudy(shellStudy(#"echo "loss=$AUGUR_PARAM_X""#, maxTrials: 5, parallel: 2))
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: try makeTemporaryDirectory()), parallelism: 2)
        guard case .finished(let study) = try await runner.run(study: "shell") else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(study.state == .completed)
        let trials = try await service.trials(study: "shell")
        #expect(trials.count == 5)
        #expect(trials.allSatisfy { $0.state == .completed && $0.finalValue(of: "loss") == Double($0.parameters["x"]?.doubleValue ?? -1) })
        #expect(try await service.bestTrials(study: "shell", count: 1).first?.id == 1)
    }

    @Test func tooManyFailuresFailTheStudy() async throws {
        let store = InMemoryStudyStore()
        let service = service(store)
        _ = try await service.createStudy(shellStudy("exit 2", maxTrials: 10, parallel: 1, maxFailed: 2))
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: try makeTemporaryDirectory()), parallelism: 1)
        guard case .finished(let study) = try await runner.run(study: "shell") else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(study.state == .failed)
        #expect(try await service.trialCounts(study: "shell").failed == 2)
    }

    @Test func interruptedRunGivesTrialsBackAndResumeFinishesTheBudget() async throws {
        let store = InMemoryStudyStore()
        let service = service(store)
        let directory = try makeTemporaryDirectory()
        let release = directory + "/release"
        // Trial 1 finishes at once; the others wait until the test creates the release file.
        let script = "if [ \"$AUGUR_TRIAL_ID\" != 1 ]; then echo waiting; while [ ! -f '\(release)' ]; do sleep 0.02; done; fi; "
            + "echo loss=$AUGUR_PARAM_X"
        _ = try await service.createStudy(shellStudy(script, maxTrials: 4, parallel: 2))
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: directory, gracePeriod: 0.5), parallelism: 2)
        let firstRun = Task { try await runner.run(study: "shell") }
        try await waitUntil("two trials wait") {
            let counts = try await service.trialCounts(study: "shell")
            return counts.completed == 1 && counts.active == 2
        }
        firstRun.cancel()
        guard case .interrupted = try await firstRun.value else {
            Issue.record("the run was not interrupted")
            return
        }
        let afterInterrupt = try await service.trialCounts(study: "shell")
        #expect(afterInterrupt.completed == 1)
        #expect(afterInterrupt.requested == 2)
        #expect(afterInterrupt.active == 0)

        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        guard case .finished(let study) = try await runner.run(study: "shell") else {
            Issue.record("the resumed run was interrupted")
            return
        }
        #expect(study.state == .completed)
        let trials = try await service.trials(study: "shell")
        #expect(trials.map(\.id) == [1, 2, 3, 4])
        #expect(trials.allSatisfy { $0.state == .completed })
        #expect(trials.filter { $0.retryCount == 1 }.count == 2)
    }
}
