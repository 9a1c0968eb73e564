import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
@testable import AugurWorkers
import Foundation
import Synchronization
import Testing

/// A store that is away when the test says so: an in-memory store behind a switch and a script of answers for
/// measurements and trial endings, decided by count (never by time).
final class IntermittentStore: StudyStore {
    /// What the next `addMeasurement` call does.
    enum Answer: Sendable {
        /// Writes the measurement and answers.
        case take
        /// Refuses it as an unreachable database would, writing nothing.
        case refuse
        /// Writes it, then fails as if the reply were lost on the way back.
        case takeAndLoseReply
    }

    let inner = InMemoryStudyStore()
    private struct Script {
        var measurements: [Answer] = []
        var refusedEndings = 0
        var away = false
        var measurementCalls = 0
        var endingCalls = 0
    }
    private let script = Mutex(Script())

    /// Answers for the next measurement calls, in order (then every call is taken while the store is not away).
    func scriptMeasurements(_ answers: [Answer]) { script.withLock { $0.measurements = answers } }
    /// Refuses the next `count` trial endings.
    func refuseEndings(_ count: Int) { script.withLock { $0.refusedEndings = count } }
    /// While away, every measurement and trial ending is refused.
    func setAway(_ away: Bool) { script.withLock { $0.away = away } }
    var measurementCalls: Int { script.withLock { $0.measurementCalls } }
    var endingCalls: Int { script.withLock { $0.endingCalls } }

    private static let unreachable = StoreError.connection("the test's database is away")

    func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws {
        let answer: Answer = script.withLock { script in
            script.measurementCalls += 1
            if script.away { return .refuse }
            return script.measurements.isEmpty ? .take : script.measurements.removeFirst()
        }
        if answer == .refuse { throw Self.unreachable }
        try await inner.addMeasurement(study: study, trial: trial, measurement: measurement, leaseExpiresAt: leaseExpiresAt)
        if answer == .takeAndLoseReply { throw Self.unreachable }
    }

    func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial {
        let refused = script.withLock { script in
            script.endingCalls += 1
            if script.away { return true }
            guard script.refusedEndings > 0 else { return false }
            script.refusedEndings -= 1
            return true
        }
        if refused { throw Self.unreachable }
        return try await inner.finishTrial(study: study, trial: trial, state: state, finalMeasurement: finalMeasurement, reason: reason)
    }

    func createStudy(_ spec: StudySpec) async throws -> Study { try await inner.createStudy(spec) }
    func study(named name: String) async throws -> Study? { await inner.study(named: name) }
    func studySummaries() async throws -> [StudySummary] { await inner.studySummaries() }
    func deleteStudy(named name: String) async throws { try await inner.deleteStudy(named: name) }
    func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws {
        try await inner.setStudyState(name, to: state, reason: reason)
    }
    func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study { try await inner.setStudyBudget(name, to: budget) }
    func assignTrials(study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
                      planner: @Sendable (StudySnapshot) throws -> AssignmentPlan) async throws -> [Trial] {
        try await inner.assignTrials(study: study, worker: worker, leaseExpiresAt: leaseExpiresAt, history: history, planner: planner)
    }
    func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial {
        try await inner.requestTrial(study: study, parameters: parameters)
    }
    func trial(study: String, id: Int) async throws -> Trial? { try await inner.trial(study: study, id: id) }
    func trials(study: String, query: TrialQuery) async throws -> [Trial] { try await inner.trials(study: study, query: query) }
    func trialCounts(study: String) async throws -> TrialCounts { try await inner.trialCounts(study: study) }
    func updateMetadata(study: String, updates: [MetadataUpdate]) async throws {
        try await inner.updateMetadata(study: study, updates: updates)
    }
    func metadata(study: String) async throws -> StudyMetadata { try await inner.metadata(study: study) }
    func deleteTrial(study: String, trial: Int) async throws { try await inner.deleteTrial(study: study, trial: trial) }
    func renewLease(study: String, trial: Int, worker: String, until: Date) async throws {
        try await inner.renewLease(study: study, trial: trial, worker: worker, until: until)
    }
}

@Suite struct HeldMeasurementsTests {
    private func service(_ store: IntermittentStore) -> StudyService {
        StudyService(store: store, designers: { _ in CountingDesigner() })
    }

    private func step(_ step: Int) -> TrialMeasurement {
        TrialMeasurement(step: step, elapsedSeconds: Double(step), metrics: ["loss": Double(10 - step)])
    }

    @Test func measurementsTheStoreRefusesAreWrittenOnceInOrderWhenItIsBack() async throws {
        let store = IntermittentStore()
        let service = service(store)
        let script = "for i in 1 2 3 4 5 6; do echo \"step=$i loss=$((10 - i))\"; done; echo loss=1"
        _ = try await service.createStudy(shellStudy(script, maxTrials: 1))
        // Call 1 is taken; 2 and 3 are refused; 4 reaches the store but its reply is lost; 5 is refused; the rest
        // are taken. The first ending is refused too.
        store.scriptMeasurements([.take, .refuse, .refuse, .takeAndLoseReply, .refuse])
        store.refuseEndings(1)
        let directory = try makeTemporaryDirectory()
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: directory), parallelism: 1,
                                 pollInterval: .milliseconds(1))
        guard case .finished(let study) = try await runner.run(study: "shell") else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(study.state == .completed)
        let trial = try await service.trial(study: "shell", id: 1)
        #expect(trial.state == .completed)
        #expect(trial.measurements.map(\.step) == [1, 2, 3, 4, 5, 6])
        #expect(trial.measurements.map { $0.metrics["loss"] } == [9, 8, 7, 6, 5, 4])
        #expect(store.endingCalls == 2)
        #expect(!FileManager.default.fileExists(atPath: directory + "/trials/1/" + HeldMeasurements.fileName))
    }

    @Test func heldMeasurementsAreKeptInTheTrialFolderUntilWritten() async throws {
        let store = IntermittentStore()
        let service = service(store)
        _ = try await service.createStudy(shellStudy("true", maxTrials: 1))
        let trial = try #require(try await service.suggestTrials(study: "shell", client: "test", count: 1).first)
        let folder = try makeTemporaryDirectory()
        let file = folder + "/" + HeldMeasurements.fileName
        let held = HeldMeasurements(service: service, study: "shell", trial: trial.id, folder: folder, retryDelay: .milliseconds(1))

        store.setAway(true)
        for number in 1...3 {
            #expect(await held.report(step(number)) == .keepRunning)
        }
        #expect(await held.count == 3)
        let kept = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { line in
            try JSONDecoder().decode(TrialMeasurement.self, from: Data(line.utf8))
        }
        #expect(kept == [step(1), step(2), step(3)])
        #expect(try await service.trial(study: "shell", id: trial.id).measurements == [])

        store.setAway(false)
        _ = await held.report(step(4))
        let finished = try await held.afterHeldMeasurements {
            try await service.completeTrial(study: "shell", trial: trial.id, .observed([], elapsedSeconds: nil))
        }
        #expect(finished.state == .completed)
        #expect(try await service.trial(study: "shell", id: trial.id).measurements == [step(1), step(2), step(3), step(4)])
        #expect(await held.count == 0)
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    /// Holding measurements one after another appends them to the file (the same file, never replaced); after the
    /// store took some, the file is rewritten to hold exactly those still held.
    @Test func heldMeasurementsAreAppendedAndTheFileRewrittenOnlyAfterAWrite() async throws {
        let store = IntermittentStore()
        let service = service(store)
        _ = try await service.createStudy(shellStudy("true", maxTrials: 1))
        let trial = try #require(try await service.suggestTrials(study: "shell", client: "test", count: 1).first)
        let folder = try makeTemporaryDirectory()
        let file = folder + "/" + HeldMeasurements.fileName
        let held = HeldMeasurements(service: service, study: "shell", trial: trial.id, folder: folder, retryDelay: .milliseconds(1))
        func kept() throws -> [TrialMeasurement] {
            try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map { line in
                try JSONDecoder().decode(TrialMeasurement.self, from: Data(line.utf8))
            }
        }
        func fileNumber() throws -> UInt64? {
            (try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? NSNumber)?.uint64Value
        }

        store.setAway(true)
        _ = await held.report(step(1))
        let first = try fileNumber()
        for number in 2...40 {
            _ = await held.report(step(number))
        }
        #expect(try kept() == (1...40).map(step))
        #expect(try fileNumber() == first, "appended to, not replaced")

        // The store takes two, then is away again: the file holds exactly the other 39.
        store.setAway(false)
        store.scriptMeasurements([.take, .take, .refuse])
        _ = await held.report(step(41))
        #expect(await held.count == 39)
        #expect(try kept() == (3...41).map(step))
        store.setAway(true)
        _ = await held.report(step(42))
        #expect(try kept() == (3...42).map(step))

        store.setAway(false)
        let finished = try await held.afterHeldMeasurements {
            try await service.completeTrial(study: "shell", trial: trial.id, .observed([], elapsedSeconds: nil))
        }
        #expect(finished.state == .completed)
        #expect(try await service.trial(study: "shell", id: trial.id).measurements == (1...42).map(step))
        #expect(!FileManager.default.fileExists(atPath: file))
    }

    @Test func aTrialTheStoreNoLongerRunsIsNotRetried() async throws {
        let store = IntermittentStore()
        let service = service(store)
        _ = try await service.createStudy(shellStudy("true", maxTrials: 1))
        let trial = try #require(try await service.suggestTrials(study: "shell", client: "test", count: 1).first)
        let held = HeldMeasurements(service: service, study: "shell", trial: trial.id, folder: nil, retryDelay: .milliseconds(1))
        store.setAway(true)
        _ = await held.report(step(1))
        store.setAway(false)
        // Meanwhile the trial ended elsewhere (a user stopped it): the held measurement can never be recorded.
        try await service.stopTrial(study: "shell", trial: trial.id, reason: "stopped by the test")
        let callsBefore = store.measurementCalls
        _ = await held.report(step(2))
        #expect(await held.count == 0)
        #expect(store.measurementCalls == callsBefore + 1)
    }
}
