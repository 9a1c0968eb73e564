import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import AugurWorkers
import Foundation
import Synchronization
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

    @Test func eachRunningTrialHasItsOwnSlotAndTheRunReportsEveryTrial() async throws {
        let store = InMemoryStudyStore()
        let service = service(store)
        _ = try await service.createStudy(shellStudy("unused", maxTrials: 9, parallel: 3))
        let slots = SlotRecorder()
        let (events, continuation) = AsyncStream<RunEvent>.makeStream()
        let runner = StudyRunner(service: service, runner: slots, parallelism: 3, events: continuation)
        _ = try await runner.run(study: "shell")
        continuation.finish()
        #expect(slots.overlaps == 0)
        #expect(Set(slots.used).isSubset(of: [0, 1, 2]))
        #expect(slots.used.count == 9)
        var started: [Int] = []
        var ended: [Int] = []
        for await event in events {
            switch event {
            case .trialStarted(let trial): started.append(trial.id)
            case .trialEnded(let trial):
                #expect(trial.state == .completed)
                ended.append(trial.id)
            case .trialReturned(let trial): Issue.record("trial \(trial.id) was returned")
            }
        }
        #expect(started.sorted() == Array(1...9))
        #expect(ended.sorted() == Array(1...9))
    }

    @Test func aTrialThatWentToAnotherWorkerStopsHereAndIsNotReported() async throws {
        let store = InMemoryStudyStore()
        let service = StudyService(store: store, designers: { _ in CountingDesigner() }, leaseDuration: 3)
        let directory = try makeTemporaryDirectory()
        let pidFile = directory + "/pid"
        _ = try await service.createStudy(shellStudy("echo $$ > \(pidFile); exec sleep 600", maxTrials: 1, parallel: 1))
        let identity = WorkerIdentity(host: "test-host", processID: 1, namespace: "", instance: "a")
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: directory, gracePeriod: 0.2),
                                 parallelism: 1, identity: identity, pollInterval: .milliseconds(50))
        let run = Task { try await runner.run(study: "shell") }
        // The shell creates the file before it writes the pid: wait for the pid, not for the file.
        let writtenPID = { Int32((try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") }
        try await waitUntil("the trial runs") { writtenPID() != nil }
        let pid = try #require(writtenPID())

        // The trial's lease goes to another worker (as when this one was cut off for longer than the lease).
        try await service.releaseTrials(study: "shell", client: identity.slot(0).description, trials: [1])
        let other = try await service.suggest(study: "shell", client: "other-worker", count: 1)
        #expect(other.trials.map(\.id) == [1])

        // This worker's next heartbeat is refused: it stops its run of the trial and reports nothing.
        try await waitUntil("the trial's process ends here") { kill(pid, 0) == -1 && errno == ESRCH }
        let trial = try await service.trials(study: "shell").first
        #expect(trial?.state == .active)
        #expect(trial?.worker == "other-worker")
        run.cancel()
        _ = try await run.value
        #expect(try await service.trials(study: "shell").first?.worker == "other-worker")
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

/// A runner that completes every trial at once and records the slots it was given, and whether a slot was given to
/// two trials at the same time.
private final class SlotRecorder: TrialRunner, Sendable {
    private struct State {
        var inUse: Set<Int> = []
        var used: [Int] = []
        var overlaps = 0
    }

    private let state = Mutex(State())

    var used: [Int] { state.withLock { $0.used } }
    var overlaps: Int { state.withLock { $0.overlaps } }

    func run(_ trial: Trial, of study: Study, slot: Int, measurements: MeasurementSink) async -> TrialOutcome {
        state.withLock { state in
            if !state.inUse.insert(slot).inserted { state.overlaps += 1 }
            state.used.append(slot)
        }
        await Task.yield()
        state.withLock { _ = $0.inUse.remove(slot) }
        let loss = TrialMeasurement(step: 0, elapsedSeconds: 0, metrics: ["loss": Double(trial.id)])
        return .completed(observations: [loss], elapsedSeconds: 0)
    }
}
