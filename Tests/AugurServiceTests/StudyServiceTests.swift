import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// A service over an in-memory store whose designer counts `x = 0, 1, 2, …` and whose dead workers are named.
private func makeService(store: any StudyStore, gridCells: Int = .max, dead: Set<String> = []) -> StudyService {
    StudyService(store: store, designers: { _ in CountingDesigner(limit: gridCells) }, leaseDuration: 60, retryLimit: 2,
                 isWorkerGone: { dead.contains($0) })
}

private func measurement(_ loss: Double, step: Int = 0) -> TrialMeasurement {
    TrialMeasurement(step: step, metrics: ["loss": loss])
}

/// The stores the service logic is checked against: the test double and the real embedded database.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case inMemory
    case sqlite

    var description: String { rawValue }

    func make() throws -> any StudyStore {
        switch self {
        case .inMemory: InMemoryStudyStore()
        case .sqlite: try SQLiteStudyStore(path: ":memory:")
        }
    }
}

@Suite struct StudyServiceTests {
    @Test(arguments: StoreKind.allCases) func budgetCapsTheTrialsEverCreatedAndCompletesTheStudy(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 3, parallel: 3))
        let first = try await service.suggestTrials(study: "test", client: "a", count: 5)
        #expect(first.map(\.id) == [1, 2, 3])
        #expect(try await service.suggestTrials(study: "test", client: "b", count: 1).isEmpty)
        for trial in first {
            try await service.completeTrial(study: "test", trial: trial.id, .measurement(measurement(Double(trial.id))))
        }
        let study = try await service.getStudy("test")
        #expect(study.state == .completed)
        #expect(study.stateReason == "budget of 3 trials spent")
    }

    @Test(arguments: StoreKind.allCases) func parallelLimitBoundsActiveTrials(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 2))
        #expect(try await service.suggestTrials(study: "test", client: "a", count: 1).map(\.id) == [1])
        #expect(try await service.suggestTrials(study: "test", client: "b", count: 3).map(\.id) == [2])
        #expect(try await service.suggestTrials(study: "test", client: "c", count: 1).isEmpty)
        try await service.failTrial(study: "test", trial: 1, reason: "exit status 1")
        #expect(try await service.suggestTrials(study: "test", client: "c", count: 1).map(\.id) == [3])
        #expect(try await service.trialCounts(study: "test").active == 2)
    }

    @Test(arguments: StoreKind.allCases) func retriedSuggestReturnsTheSameTrialsInsteadOfLeakingNewOnes(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 4))
        let first = try await service.suggestTrials(study: "test", client: "a", count: 2)
        let retried = try await service.suggestTrials(study: "test", client: "a", count: 2)
        #expect(first.map(\.id) == [1, 2])
        #expect(retried.map(\.id) == [1, 2])
        let more = try await service.suggestTrials(study: "test", client: "a", count: 3)
        #expect(more.map(\.id) == [1, 2, 3])
        #expect(try await service.trialCounts(study: "test").total == 3)
    }

    @Test func expiredLeaseRequeuesTheTrialAndHandsItOutAgain() async throws {
        let store = InMemoryStudyStore()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 1))
        let lost = try await service.suggestTrials(study: "test", client: "a", count: 1)
        // The lease was stamped from the wall clock; make it lapse on the store's clock.
        await store.updateTrial(study: "test", id: 1) { $0.leaseExpiresAt = Date(timeIntervalSince1970: 0) }
        let again = try await service.suggestTrials(study: "test", client: "b", count: 1)
        #expect(again.map(\.id) == lost.map(\.id))
        let trial = try await service.trial(study: "test", id: 1)
        #expect(trial.worker == "b")
        #expect(trial.retryCount == 1)
        #expect(try await service.trialCounts(study: "test").total == 1)
    }

    @Test(arguments: StoreKind.allCases) func trialOfADeadWorkerProcessIsReRunWithoutWaitingForItsLease(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store, dead: ["host:1:dead"])
        _ = try await service.createStudy(.testStudy(maxTrials: 4, parallel: 2))
        _ = try await service.suggestTrials(study: "test", client: "host:1:dead", count: 2)
        let resumed = try await service.suggestTrials(study: "test", client: "host:2:new", count: 2)
        #expect(resumed.map(\.id) == [1, 2])
        #expect(try await service.trialCounts(study: "test").total == 2)
    }

    @Test(arguments: StoreKind.allCases) func trialFailsAfterItsRetriesAreUsedUp(kind: StoreKind) async throws {
        let store = try kind.make()
        let dead: Set<String> = ["h:1:a", "h:2:b", "h:3:c"]
        let service = makeService(store: store, dead: dead)
        _ = try await service.createStudy(.testStudy(maxTrials: 1, parallel: 1))
        _ = try await service.suggestTrials(study: "test", client: "h:1:a", count: 1)
        _ = try await service.suggestTrials(study: "test", client: "h:2:b", count: 1)
        _ = try await service.suggestTrials(study: "test", client: "h:3:c", count: 1)
        // Retry limit is 2: the third abandonment fails the trial, and the one-trial budget is spent.
        let last = try await service.suggestTrials(study: "test", client: "h:4:d", count: 1)
        #expect(last.isEmpty)
        let trial = try await service.trial(study: "test", id: 1)
        #expect(trial.state == .failed)
        #expect(trial.statusReason?.contains("giving up after 2 retries") == true)
        #expect(try await service.getStudy("test").state == .completed)
    }

    @Test(arguments: StoreKind.allCases) func exhaustedGridCompletesTheStudyOnceRunningTrialsEnd(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store, gridCells: 2)
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 3, algorithm: .grid))
        let trials = try await service.suggestTrials(study: "test", client: "a", count: 3)
        #expect(trials.count == 2)
        try await service.completeTrial(study: "test", trial: 1, .measurement(measurement(1)))
        #expect(try await service.suggestTrials(study: "test", client: "b", count: 1).isEmpty)
        #expect(try await service.getStudy("test").state == .active)
        try await service.completeTrial(study: "test", trial: 2, .measurement(measurement(2)))
        #expect(try await service.suggestTrials(study: "test", client: "b", count: 1).isEmpty)
        let study = try await service.getStudy("test")
        #expect(study.state == .completed)
        #expect(study.stateReason == "grid exhausted: all 2 cells tried")
    }

    @Test(arguments: StoreKind.allCases) func reachingTheTargetCompletesTheStudy(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 1, target: 0.1))
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        try await service.completeTrial(study: "test", trial: 1, .measurement(measurement(0.05)))
        let study = try await service.getStudy("test")
        #expect(study.state == .completed)
        #expect(study.stateReason == "target 0.1 reached by trial 1 (loss = 0.05)")
        #expect(try await service.suggestTrials(study: "test", client: "a", count: 1).isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func tooManyFailuresFailTheStudy(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 2, maxFailed: 2))
        _ = try await service.suggestTrials(study: "test", client: "a", count: 2)
        try await service.failTrial(study: "test", trial: 1, reason: "exit status 1")
        #expect(try await service.getStudy("test").state == .active)
        try await service.failTrial(study: "test", trial: 2, reason: "exit status 1")
        let study = try await service.getStudy("test")
        #expect(study.state == .failed)
        #expect(study.stateReason == "2 trials failed (maxFailedTrials is 2)")
    }

    @Test(arguments: StoreKind.allCases) func finalMeasurementFollowsTheObjectiveStrategy(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        var spec = StudySpec.testStudy()
        spec.objective.strategy = .min
        _ = try await service.createStudy(spec)
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        for (step, loss) in [(1, 0.5), (2, 0.2), (3, 0.4)] {
            _ = try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(loss, step: step))
        }
        let trial = try await service.completeTrial(study: "test", trial: 1, .measurement(nil))
        #expect(trial.finalMeasurement == TrialMeasurement(step: 3, metrics: ["loss": 0.2]))
    }

    @Test(arguments: StoreKind.allCases) func completingWithoutTheObjectiveIsRefused(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy())
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        await #expect(throws: ServiceError.self) {
            try await service.completeTrial(study: "test", trial: 1, .measurement(TrialMeasurement(metrics: ["accuracy": 1])))
        }
    }

    @Test(arguments: StoreKind.allCases) func stoppedTrialKeepsItsMeasurementsAsFinal(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy())
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        _ = try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.7, step: 4))
        let trial = try await service.stopTrial(study: "test", trial: 1, reason: "median rule")
        #expect(trial.state == .stopped)
        #expect(trial.finalValue(of: "loss") == 0.7)
        #expect(trial.statusReason == "median rule")
    }

    @Test(arguments: StoreKind.allCases) func releasedTrialsAreHandedOutAgain(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 2, parallel: 2))
        _ = try await service.suggestTrials(study: "test", client: "a", count: 2)
        try await service.releaseTrials(study: "test", client: "a", trials: [1, 2])
        #expect(try await service.trialCounts(study: "test").requested == 2)
        let again = try await service.suggestTrials(study: "test", client: "b", count: 2)
        #expect(again.map(\.id) == [1, 2])
        #expect(try await service.trialCounts(study: "test").total == 2)
    }

    @Test(arguments: StoreKind.allCases) func resumeAcceptsABiggerBudgetAndReopensACompletedStudy(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        #expect(try await service.resumeStudy(.testStudy(maxTrials: 1)).created)
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        try await service.completeTrial(study: "test", trial: 1, .measurement(measurement(3)))
        #expect(try await service.getStudy("test").state == .completed)

        let resumed = try await service.resumeStudy(.testStudy(maxTrials: 2))
        #expect(!resumed.created)
        #expect(resumed.study.state == .active)
        #expect(resumed.study.spec.budget.maxTrials == 2)
        #expect(try await store.study(named: "test")?.spec.budget.maxTrials == 2, "the new budget is stored")
        #expect(try await service.suggestTrials(study: "test", client: "a", count: 1).map(\.id) == [2])
    }

    /// Another process (a second service on the same store) follows a budget changed by a resumed run: its next
    /// suggestion plans with the stored budget, not the one it remembered.
    @Test(arguments: StoreKind.allCases) func otherProcessesFollowABudgetChangedOnResume(kind: StoreKind) async throws {
        let store = try kind.make()
        let first = makeService(store: store)
        let second = makeService(store: store)
        _ = try await first.resumeStudy(.testStudy(maxTrials: 1))
        #expect(try await second.getStudy("test").spec.budget.maxTrials == 1)
        _ = try await second.suggestTrials(study: "test", client: "b", count: 1)
        try await second.completeTrial(study: "test", trial: 1, .measurement(measurement(3)))
        #expect(try await second.suggestTrials(study: "test", client: "b", count: 1).isEmpty)

        _ = try await first.resumeStudy(.testStudy(maxTrials: 3))
        for id in [2, 3] {
            #expect(try await second.suggestTrials(study: "test", client: "b", count: 1).map(\.id) == [id])
            try await second.completeTrial(study: "test", trial: id, .measurement(measurement(Double(id))))
        }
        #expect(try await first.getStudy("test").state == .completed)
    }

    @Test(arguments: StoreKind.allCases) func resumeRefusesAChangedSearchSpace(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.resumeStudy(.testStudy())
        var changed = StudySpec.testStudy()
        changed.searchSpace = SearchSpace([.integer("y", min: 0, max: 3)])
        await #expect(throws: ServiceError.self) { try await service.resumeStudy(changed) }
    }

    @Test(arguments: StoreKind.allCases) func requestedTrialIsHandedOutBeforeNewSuggestions(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = makeService(store: store)
        _ = try await service.createStudy(.testStudy(maxTrials: 3, parallel: 1))
        let requested = try await service.requestTrial(study: "test", parameters: ["x": .integer(500)])
        let handed = try await service.suggestTrials(study: "test", client: "a", count: 1)
        #expect(handed.map(\.id) == [requested.id])
        #expect(handed.first?.parameters == ["x": .integer(500)])
        await #expect(throws: ServiceError.self) {
            try await service.requestTrial(study: "test", parameters: ["x": .integer(5000)])
        }
    }

    @Test(arguments: StoreKind.allCases) func heartbeatIsForTheTrialsOwnerOnly(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        _ = try await service.createStudy(.testStudy())
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        try await service.heartbeat(study: "test", trial: 1, client: "a")
        await #expect(throws: ServiceError.self) { try await service.heartbeat(study: "test", trial: 1, client: "b") }
    }

    @Test(arguments: StoreKind.allCases) func listsAndDeletesStudies(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        _ = try await service.createStudy(.testStudy(name: "one"))
        _ = try await service.createStudy(.testStudy(name: "two"))
        await #expect(throws: ServiceError.self) { try await service.createStudy(.testStudy(name: "one")) }
        #expect(try await service.listStudies().map(\.study.name).sorted() == ["one", "two"])
        try await service.deleteStudy("one")
        #expect(try await service.listStudies().map(\.study.name) == ["two"])
        await #expect(throws: ServiceError.self) { try await service.deleteStudy("one") }
    }

    @Test func aSpecCheckRefusesTheStudyWithItsProblems() async throws {
        let store: any StudyStore = InMemoryStudyStore()
        let service = StudyService(store: store, designers: { _ in CountingDesigner(limit: .max) }, checkSpec: { spec in
            spec.name == "bad" ? [SpecProblem(location: nil, field: "trial.training.fixed.widht", message: "'widht' is unknown.")] : []
        })
        // One sentence per problem, without its period (the style of every ServiceError message).
        let refusal = ServiceError.invalidArgument("trial.training.fixed.widht: 'widht' is unknown")
        await #expect(throws: refusal) { try await service.createStudy(.testStudy(name: "bad")) }
        await #expect(throws: refusal) { try await service.resumeStudy(.testStudy(name: "bad")) }
        #expect(try await store.study(named: "bad") == nil, "nothing stored")
        _ = try await service.createStudy(.testStudy(name: "good"))
    }

    @Test func storeErrorsMapToServiceErrors() {
        #expect(ServiceError(StoreError.studyNotFound("x")) == .notFound(StoreError.studyNotFound("x").description))
        #expect(ServiceError(StoreError.trialNotActive(study: "x", trial: 1, state: .completed))
            == .failedPrecondition(StoreError.trialNotActive(study: "x", trial: 1, state: .completed).description))
        #expect(ServiceError(StoreError.connection("down")) == .unavailable("down"))
        #expect(ServiceError(StoreError.database("boom")) == .internalError("database error: boom"))
        #expect(ServiceError(StoreError.studyExists("x")) == .alreadyExists(StoreError.studyExists("x").description))
        // A database lost under the store is not a wait-and-retry: the caller must stop.
        #expect(ServiceError(StoreError.databaseFileLost(path: "/x/augur.sqlite", what: "was deleted", savedTo: nil)).kind == .dataLoss)
    }

    @Test func serviceErrorsKeepTheirCauseAndSQLState() {
        let error = ServiceError(StoreError.database("duplicate key", sqlState: "23505"))
        #expect(error.kind == .internalError)
        #expect(error.sqlState == "23505")
        #expect(error.storeError == .database("duplicate key", sqlState: "23505"))
        #expect(error.message == "database error: duplicate key (SQLSTATE 23505)")
        let problems = [SpecProblem(location: nil, field: "budget.maxTrials", message: "must be at least 1, got 0")]
        let invalid = ServiceError.invalidSpec(problems)
        #expect(invalid.kind == .invalidArgument && invalid.problems == problems)
        #expect(invalid.message == "budget.maxTrials: must be at least 1, got 0")
    }

    @Test(arguments: StoreKind.allCases) func unknownStudyIsNotFound(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        await #expect(throws: ServiceError.notFound(StoreError.studyNotFound("nope").description)) {
            try await service.suggestTrials(study: "nope", client: "a", count: 1)
        }
    }
}

/// Stops every trial that reached step 2.
private struct StopAtStepTwo: StoppingPolicy {
    var historyScope: StoppingHistoryScope { .progressingTrials }

    func decide(for trial: Trial, among trials: [Trial], objective: Objective) -> StoppingDecision {
        (trial.measurements.last?.step ?? 0) >= 2 ? .stop(because: "step 2 reached") : .keepRunning
    }
}

@Suite struct StudyServiceEarlyStoppingTests {
    @Test(arguments: StoreKind.allCases) func measurementReturnsThePolicyDecisionWhenTheStudyHasEarlyStopping(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = StudyService(store: store, designers: { _ in CountingDesigner() }, stoppingPolicies: { _ in StopAtStepTwo() })
        var spec = StudySpec.testStudy()
        spec.earlyStopping = .median(MedianStoppingSettings())
        _ = try await service.createStudy(spec)
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        let first = try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.9, step: 1))
        #expect(first == .keepRunning)
        let second = try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.8, step: 2))
        #expect(second == .stop(because: "step 2 reached"))
    }

    @Test(arguments: StoreKind.allCases) func studyWithoutEarlyStoppingNeverStopsTrials(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = StudyService(store: store, designers: { _ in CountingDesigner() }, stoppingPolicies: { _ in StopAtStepTwo() })
        _ = try await service.createStudy(.testStudy())
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        #expect(try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.8, step: 5)) == .keepRunning)
    }
}

/// StudyService is the one door for study decisions; these pin down the answers every front end now gets from it.
@Suite struct StudyServiceDecisionTests {
    private func earlyStoppingService(_ store: any StudyStore) -> StudyService {
        StudyService(store: store, designers: { _ in CountingDesigner() }, stoppingPolicies: { _ in StopAtStepTwo() })
    }

    private func earlyStoppingSpec() -> StudySpec {
        var spec = StudySpec.testStudy(maxTrials: 5, parallel: 3)
        spec.earlyStopping = .median(MedianStoppingSettings())
        return spec
    }

    @Test(arguments: StoreKind.allCases) func earlyStoppingFollowsVizierSemanticsForEveryTrialState(kind: StoreKind) async throws {
        let service = earlyStoppingService(try kind.make())
        _ = try await service.createStudy(earlyStoppingSpec())
        _ = try await service.suggestTrials(study: "test", client: "a", count: 3)
        // ACTIVE: the injected policy decides.
        try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.9, step: 1))
        #expect(try await service.earlyStoppingDecision(study: "test", trial: 1) == .keepRunning)
        try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.8, step: 2))
        #expect(try await service.earlyStoppingDecision(study: "test", trial: 1) == .stop(because: "step 2 reached"))
        // STOPPED: its worker should stop, with the reason it was stopped for.
        try await service.stopTrial(study: "test", trial: 2, reason: "stopped by a user")
        #expect(try await service.earlyStoppingDecision(study: "test", trial: 2) == .stop(because: "stopped by a user"))
        // COMPLETED (even past step 2): nothing is running, nothing to stop.
        try await service.addMeasurement(study: "test", trial: 3, measurement: measurement(0.5, step: 3))
        try await service.completeTrial(study: "test", trial: 3, .measurement(nil))
        #expect(try await service.earlyStoppingDecision(study: "test", trial: 3) == .keepRunning)
        await #expect(throws: ServiceError.notFound(StoreError.trialNotFound(study: "test", trial: 9).description)) {
            try await service.earlyStoppingDecision(study: "test", trial: 9)
        }
        await #expect(throws: ServiceError.notFound(StoreError.studyNotFound("nope").description)) {
            try await service.earlyStoppingDecision(study: "nope", trial: 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func creatingATakenNameIsAlreadyExists(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        _ = try await service.createStudy(.testStudy())
        let refusal = await #expect(throws: ServiceError.self) { try await service.createStudy(.testStudy()) }
        #expect(refusal?.kind == .alreadyExists)
        #expect(refusal?.storeError == .studyExists("test"))
    }

    @Test(arguments: StoreKind.allCases) func aDesignerThatCannotBeBuiltRefusesTheSpec(kind: StoreKind) async throws {
        struct Unbuildable: Error, CustomStringConvertible { var description: String { "grid needs a step for 'x'" } }
        let store = try kind.make()
        let service = StudyService(store: store, designers: { _ in throw Unbuildable() })
        let refusal = await #expect(throws: ServiceError.self) { try await service.createStudy(.testStudy()) }
        #expect(refusal == .invalidArgument("algorithm: grid needs a step for 'x'"))
        #expect(try await store.study(named: "test") == nil)
    }

    @Test(arguments: StoreKind.allCases) func theServiceComputesAFinalMeasurementFromARunnersObservations(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        var spec = StudySpec.testStudy(maxTrials: 5)
        spec.objective = Objective(metric: "loss", goal: .minimize, strategy: .min)
        _ = try await service.createStudy(spec)
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.7, step: 1))
        try await service.addMeasurement(study: "test", trial: 1, measurement: measurement(0.4, step: 2))
        let unreported = [TrialMeasurement(step: 2, metrics: ["loss": 0.6, "accuracy": 0.8])]
        let finished = try await service.completeTrial(study: "test", trial: 1, .observed(unreported, elapsedSeconds: 12.5))
        #expect(finished.state == .completed)
        #expect(finished.finalMeasurement == TrialMeasurement(step: 2, elapsedSeconds: 12.5, metrics: ["loss": 0.4, "accuracy": 0.8]))
        #expect(finished.finalValue(of: "loss") == 0.4)

        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        let refusal = await #expect(throws: ServiceError.self) {
            try await service.completeTrial(study: "test", trial: 2, .observed([TrialMeasurement(metrics: ["accuracy": 1])], elapsedSeconds: 1))
        }
        #expect(refusal?.kind == .invalidArgument)
    }

    @Test(arguments: StoreKind.allCases) func aSuggestionCarriesTheStudyAsTheAssignmentSawIt(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        let created = try await service.createStudy(.testStudy(maxTrials: 1))
        let first = try await service.suggest(study: "test", client: "a", count: 1)
        #expect(first.trials.map(\.id) == [1])
        #expect(first.study.spec == created.spec && first.study.state == .active)
        try await service.completeTrial(study: "test", trial: 1, .measurement(measurement(1)))
        let none = try await service.suggest(study: "test", client: "a", count: 1)
        #expect(none.trials.isEmpty)
        #expect(none.study.state == .completed)
        #expect(none.study.version == created.version)

        let resumed = try await service.resumeStudy(.testStudy(maxTrials: 2))
        #expect(resumed.study.version == StudyVersion(uid: created.version.uid, revision: 2))
        let next = try await service.suggest(study: "test", client: "a", count: 1)
        #expect(next.trials.map(\.id) == [2])
        #expect(next.study.version.revision == 2 && next.study.spec.budget.maxTrials == 2)
    }

    /// A caller that names the creation id it expects (a worker bound to one study) is refused a study created again
    /// under the same name, inside the store's transaction: nothing is created or leased there.
    @Test(arguments: StoreKind.allCases) func anExpectedCreationIDRefusesAStudyCreatedAgain(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = StudyService(store: store, leaseDuration: 60)
        let first = try await service.createStudy(.testStudy(maxTrials: 5))
        let held = try await service.suggest(study: "test", client: "a", count: 1, expectedUID: first.version.uid)
        #expect(held.trials.map(\.id) == [1])
        try await service.deleteStudy("test")
        let second = try await service.createStudy(.testStudy(maxTrials: 5))

        let refusal = await #expect(throws: ServiceError.self) {
            try await service.suggest(study: "test", client: "a", count: 2, expectedUID: first.version.uid)
        }
        #expect(refusal?.kind == .failedPrecondition)
        #expect(refusal?.message.contains("has creation id \(second.version.uid), not the expected \(first.version.uid)") == true)
        #expect(try await store.trialCounts(study: "test") == TrialCounts(), "nothing created or leased in the new study")
        // Its own creation id is served as before.
        #expect(try await service.suggest(study: "test", client: "a", count: 1, expectedUID: second.version.uid).trials.map(\.id) == [1])
    }

    /// Another process deletes the study and creates one under the same name with another search space: a service
    /// that remembered the old one plans with the new one (its designer, its space), not with what it remembered.
    @Test(arguments: StoreKind.allCases) func aStudyCreatedAgainUnderItsNameIsPlannedAsTheNewStudy(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = StudyService(store: store, leaseDuration: 60)
        let other = StudyService(store: store, leaseDuration: 60)
        _ = try await service.createStudy(.testStudy(maxTrials: 5))
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        try await other.deleteStudy("test")
        var replacement = StudySpec.testStudy(maxTrials: 5)
        replacement.searchSpace = SearchSpace([.categorical("kind", ["left", "right"])])
        let created = try await other.createStudy(replacement)

        let suggestion = try await service.suggest(study: "test", client: "a", count: 1)
        #expect(suggestion.study.version == created.version)
        #expect(suggestion.trials.map(\.id) == [1])
        let point = try #require(suggestion.trials.first).parameters
        #expect(replacement.searchSpace.isValid(point), "planned in the new study's search space: \(point)")
    }
}

extension StudyServiceTests {
    /// Every front's reasons meet one rule here: a NUL is shown, a reason longer than 4 KiB is cut on a character
    /// boundary, so a trial failed by `augur run` and one failed over gRPC keep the same text.
    @Test(arguments: StoreKind.allCases) func reasonsAreKeptVisibleAndBounded(kind: StoreKind) async throws {
        let service = makeService(store: try kind.make())
        _ = try await service.createStudy(.testStudy(maxTrials: 5, parallel: 3))
        let trials = try await service.suggestTrials(study: "test", client: "a", count: 2)
        let long = String(repeating: "é", count: 3_000) + "end"
        let failed = try await service.failTrial(study: "test", trial: trials[0].id, reason: long)
        let reason = try #require(failed.statusReason)
        #expect(reason.hasSuffix("…") && !reason.contains("end"))
        #expect(reason.utf8.count <= StudyService.maximumReasonLength + "…".utf8.count)
        #expect(reason.dropLast().allSatisfy { $0 == "é" }, "cut between characters, never inside one")
        let stopped = try await service.stopTrial(study: "test", trial: trials[1].id, reason: "user\0stop")
        #expect(stopped.statusReason == "user\u{FFFD}stop")
    }

    @Test func releasingAnIdThatIsNoTrialNumberIsInvalidArgument() async throws {
        let service = makeService(store: InMemoryStudyStore())
        _ = try await service.createStudy(.testStudy(maxTrials: 5, parallel: 3))
        _ = try await service.suggestTrials(study: "test", client: "a", count: 1)
        await #expect(throws: ServiceError.invalidArgument("trial_ids must be positive trial numbers")) {
            try await service.releaseTrials(study: "test", client: "a", trials: [1, 0])
        }
        try await service.releaseTrials(study: "test", client: "a", trials: [1, Int(Int32.max) + 5])
        #expect(try await service.trial(study: "test", id: 1).state == .requested, "held ids go back, others are left alone")
    }
}
