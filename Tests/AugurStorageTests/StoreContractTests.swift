import AugurCore
import AugurStorage
import Foundation
import Synchronization
import Testing

/// Every store implementation the contract runs against, the test double included (it must behave like the real
/// stores, or the service and runner tests that use it prove nothing). Each factory opens a fresh, empty store per
/// test; PostgreSQL's test cases are cancelled, and so shown as skipped, when no server is configured.
enum StoreFactories {
    static let all: [StoreFactory] = [.sqliteFile, .sqliteMemory, .inMemory, .postgres]
    /// The stores that keep a log of trial state changes (the others derive a trial's history from its columns).
    static let logged: [StoreFactory] = [.sqliteFile, .sqliteMemory, .postgres]
}

/// The behaviour every `StudyStore` shares, written once and run against each implementation in `StoreFactories`.
@Suite("StudyStore contract")
struct StoreContractTests {
    /// Shows as skipped when no PostgreSQL server is configured, so that a run without one says so (the contract's
    /// PostgreSQL test cases are cancelled then); CI always has one.
    @Test(.enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
    func runsAgainstPostgreSQL() async throws {
        let handle = try #require(try await StoreFactory.postgres.make())
        #expect(try await handle.store.studySummaries().isEmpty)
    }

    // MARK: Studies

    @Test(arguments: StoreFactories.all)
    func createsAndFindsStudies(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        let spec = testSpec("alpha")
        let created = try await store.createStudy(spec)
        #expect(created.spec == spec)
        #expect(created.state == .active)
        #expect(created.stateReason == nil)
        #expect(try await store.study(named: "alpha") == created)
        #expect(try await store.study(named: "missing") == nil)

        _ = try await store.createStudy(testSpec("beta", goal: .maximize))
        let summaries = try await store.studySummaries()
        #expect(summaries.map(\.study.name) == ["alpha", "beta"])
        #expect(summaries.allSatisfy { $0.counts == TrialCounts() && $0.bestValue == nil })
    }

    @Test(arguments: StoreFactories.all)
    func aStudysBudgetCanBeRewritten(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        let created = try await store.createStudy(testSpec(maxTrials: 10))
        let changed = try await store.setStudyBudget("study", to: Budget(maxTrials: 25, parallelTrials: 3, maxFailedTrials: 2))
        var expected = created.spec
        expected.budget = Budget(maxTrials: 25, parallelTrials: 3, maxFailedTrials: 2)
        #expect(changed.spec == expected && changed.state == created.state)
        #expect(try await store.study(named: "study")?.spec == expected)
        #expect(try await store.studySummaries().first?.study.spec == expected)
        #expect(created.version.revision == 1 && !created.version.uid.isEmpty)
        #expect(changed.version == StudyVersion(uid: created.version.uid, revision: 2), "a new spec is a new revision")
        #expect(try await store.study(named: "study")?.version == changed.version)
        let unchanged = try await store.setStudyBudget("study", to: Budget(maxTrials: 25, parallelTrials: 3, maxFailedTrials: 2))
        #expect(unchanged.version == changed.version, "the same budget again changes nothing")
        await #expect(throws: StoreError.studyNotFound("nope")) {
            try await store.setStudyBudget("nope", to: Budget(maxTrials: 1, parallelTrials: 1))
        }
    }

    @Test(arguments: StoreFactories.all)
    func aStudyCreatedAgainUnderItsNameHasAnotherCreationID(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        let first = try await store.createStudy(testSpec(maxTrials: 10))
        try await store.deleteStudy(named: "study")
        let second = try await store.createStudy(testSpec(maxTrials: 10))
        #expect(second.version.revision == 1)
        #expect(second.version.uid != first.version.uid)
        #expect(try await store.study(named: "study")?.version == second.version)
    }

    @Test(arguments: StoreFactories.all)
    func refusesDuplicateStudyNames(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        _ = try await handle.store.createStudy(testSpec("alpha"))
        await #expect(throws: StoreError.studyExists("alpha")) {
            _ = try await handle.store.createStudy(testSpec("alpha", goal: .maximize))
        }
    }

    @Test(arguments: StoreFactories.all)
    func deletesStudiesWithEverythingInThem(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec("alpha"))
        _ = try await store.createStudy(testSpec("beta"))
        try await store.createTrials(3, in: "alpha")
        try await store.createTrials(1, in: "beta")
        try await store.addMeasurement(study: "alpha", trial: 1, measurement: TrialMeasurement(step: 1, metrics: ["loss": 1]), leaseExpiresAt: nil)
        try await store.complete(2, in: "alpha", loss: 0.5)

        try await store.deleteStudy(named: "alpha")
        #expect(try await store.study(named: "alpha") == nil)
        await #expect(throws: StoreError.studyNotFound("alpha")) { _ = try await store.trialCounts(study: "alpha") }
        await #expect(throws: StoreError.studyNotFound("alpha")) { try await store.deleteStudy(named: "alpha") }
        #expect(try await store.trialCounts(study: "beta").total == 1)

        _ = try await store.createStudy(testSpec("alpha"))
        #expect(try await store.trials(study: "alpha", query: TrialQuery()).isEmpty)
        let first = try await store.createTrials(1, in: "alpha")
        #expect(first.map(\.id) == [1])
        #expect(first.first?.measurements == [])
    }

    @Test(arguments: StoreFactories.all)
    func changesStudyState(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec("alpha"))
        try await store.setStudyState("alpha", to: .stopped, reason: "stopped by the user")
        let study = try #require(try await store.study(named: "alpha"))
        #expect(study.state == .stopped)
        #expect(study.stateReason == "stopped by the user")
        try await store.setStudyState("alpha", to: .active, reason: nil)
        #expect(try await store.study(named: "alpha")?.stateReason == nil)
        await #expect(throws: StoreError.studyNotFound("nope")) { try await store.setStudyState("nope", to: .stopped, reason: nil) }
    }

    // MARK: Assignment

    @Test(arguments: StoreFactories.all)
    func snapshotWithCountsOnly(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        let lease = Date(timeIntervalSince1970: 2_000_000_000)
        try await store.createTrials(3, in: "study", worker: "w1", lease: lease)
        _ = try await store.requestTrial(study: "study", parameters: testPoint(10))
        _ = try await store.requestTrial(study: "study", parameters: testPoint(11))
        try await store.complete(2, in: "study", loss: 0.25)

        let snapshot = try #require(try await store.snapshot(of: "study", history: .countsOnly))
        #expect(snapshot.study.name == "study")
        #expect(snapshot.counts.active == 2)
        #expect(snapshot.counts.requested == 2)
        #expect(snapshot.counts.completed == 1)
        #expect(snapshot.counts.total == 5)
        #expect(snapshot.activeTrials.map(\.id) == [1, 3])
        #expect(snapshot.activeTrials.allSatisfy { $0.worker == "w1" && sameInstant($0.leaseExpiresAt, lease) })
        #expect(snapshot.requestedTrials.map(\.id) == [4, 5])
        #expect(snapshot.requestedTrials.map(\.parameters) == [testPoint(10), testPoint(11)])
        #expect(snapshot.history.isEmpty)
    }

    @Test(arguments: StoreFactories.all)
    func snapshotWithParameterHistory(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(3, in: "study")
        try await store.addMeasurement(study: "study", trial: 1, measurement: TrialMeasurement(step: 1, metrics: ["loss": 2]), leaseExpiresAt: nil)
        try await store.complete(1, in: "study", loss: 0.5)

        let snapshot = try #require(try await store.snapshot(of: "study", history: .parameters))
        #expect(snapshot.history.map(\.id) == [1, 2, 3])
        #expect(snapshot.history.map(\.parameters) == [testPoint(0), testPoint(1), testPoint(2)])
        #expect(snapshot.history.map(\.state) == [.completed, .active, .active])
        #expect(snapshot.history.allSatisfy { $0.measurements.isEmpty && $0.finalMeasurement == nil })
    }

    @Test(arguments: StoreFactories.all)
    func snapshotWithFinalMeasurements(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(2, in: "study")
        try await store.addMeasurement(study: "study", trial: 1, measurement: TrialMeasurement(step: 1, metrics: ["loss": 2]), leaseExpiresAt: nil)
        try await store.complete(1, in: "study", loss: 0.5, accuracy: 0.8)

        let snapshot = try #require(try await store.snapshot(of: "study", history: .finalMeasurements))
        #expect(snapshot.history.map(\.id) == [1, 2])
        #expect(snapshot.history[0].finalMeasurement == TrialMeasurement(step: 10, elapsedSeconds: 1.5, metrics: ["loss": 0.5, "accuracy": 0.8]))
        #expect(snapshot.history[1].finalMeasurement == nil)
        #expect(snapshot.history.allSatisfy { $0.measurements.isEmpty })
    }

    @Test(arguments: StoreFactories.all)
    func appliesPlansInOrderAndReturnsAssignedTrials(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(3, in: "study", worker: "w1", lease: Date(timeIntervalSince1970: 1_000))
        _ = try await store.requestTrial(study: "study", parameters: testPoint(20))
        _ = try await store.requestTrial(study: "study", parameters: testPoint(21))
        try await store.addMeasurement(study: "study", trial: 1, measurement: TrialMeasurement(step: 1, metrics: ["loss": 3]), leaseExpiresAt: nil)

        let lease = Date(timeIntervalSince1970: 2_000_000_000)
        let assigned = try await store.assignTrials(study: "study", worker: "w2", leaseExpiresAt: lease, history: .countsOnly) { _ in
            AssignmentPlan(requeue: [1], fail: [2: "worker w1 vanished 3 times"], assignRequested: [5, 1], create: [testPoint(30), testPoint(31)])
        }
        #expect(assigned.map(\.id) == [5, 1, 6, 7])
        #expect(assigned.allSatisfy { $0.state == .active && $0.worker == "w2" && sameInstant($0.leaseExpiresAt, lease) && $0.startedAt != nil })
        #expect(assigned.map(\.parameters) == [testPoint(21), testPoint(0), testPoint(30), testPoint(31)])

        let requeued = try #require(try await store.trial(study: "study", id: 1))
        #expect(requeued.retryCount == 1)
        #expect(requeued.measurements.isEmpty)
        #expect(requeued.statusReason?.contains("retry 1") == true)

        let failed = try #require(try await store.trial(study: "study", id: 2))
        #expect(failed.state == .failed)
        #expect(failed.statusReason == "worker w1 vanished 3 times")
        #expect(failed.endedAt != nil)
        #expect(failed.leaseExpiresAt == nil)

        #expect(try await store.trial(study: "study", id: 3)?.worker == "w1")
        #expect(try await store.trial(study: "study", id: 4)?.state == .requested)
        let counts = try await store.trialCounts(study: "study")
        #expect(counts.active == 5)
        #expect(counts.requested == 1)
        #expect(counts.failed == 1)
    }

    @Test(arguments: StoreFactories.all)
    func requeuesRaiseTheRetryCount(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(2, in: "study", worker: "w1", lease: Date(timeIntervalSince1970: 1_000))
        for round in 1...2 {
            let assigned = try await store.assignTrials(study: "study", worker: "w9", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                // Take back every ACTIVE trial, the way a planner does when leases have lapsed.
                AssignmentPlan(requeue: snapshot.activeTrials.map(\.id))
            }
            #expect(assigned.isEmpty)
            let trials = try await store.trials(study: "study", query: TrialQuery())
            #expect(trials.allSatisfy { $0.state == .requested && $0.retryCount == round && $0.worker == nil && $0.leaseExpiresAt == nil })
            let snapshot = try #require(try await store.snapshot(of: "study", history: .countsOnly))
            #expect(snapshot.requestedTrials.map(\.id) == [1, 2])
            _ = try await store.assignTrials(study: "study", worker: "w\(round)", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                AssignmentPlan(assignRequested: snapshot.requestedTrials.map(\.id))
            }
        }
        #expect(try await store.trial(study: "study", id: 2)?.worker == "w2")
        #expect(try await store.trial(study: "study", id: 2)?.retryCount == 2)
    }

    @Test(arguments: StoreFactories.all)
    func plansChangeTheStudyState(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        let assigned = try await store.assignTrials(study: "study", worker: "w1", leaseExpiresAt: nil, history: .parameters) { _ in
            AssignmentPlan(studyState: (.completed, "the grid is exhausted"))
        }
        #expect(assigned.isEmpty)
        let study = try #require(try await store.study(named: "study"))
        #expect(study.state == .completed)
        #expect(study.stateReason == "the grid is exhausted")
    }

    @Test(arguments: StoreFactories.all)
    func failedPlansChangeNothing(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(1, in: "study")
        await #expect(throws: PlannerFailure()) {
            _ = try await store.assignTrials(study: "study", worker: "w1", leaseExpiresAt: nil, history: .countsOnly) { _ in
                throw PlannerFailure()
            }
        }
        // The creation and the state change come before the bad id is found; both must be rolled back.
        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 99)) {
            _ = try await store.assignTrials(study: "study", worker: "w1", leaseExpiresAt: nil, history: .countsOnly) { _ in
                AssignmentPlan(fail: [1: "gone"], assignRequested: [99], create: [testPoint(5)], studyState: (.failed, "no"))
            }
        }
        await #expect(throws: StoreError.trialNotActive(study: "study", trial: 1, state: .active)) {
            _ = try await store.assignTrials(study: "study", worker: "w1", leaseExpiresAt: nil, history: .countsOnly) { _ in
                AssignmentPlan(assignRequested: [1])
            }
        }
        await #expect(throws: StoreError.studyNotFound("nope")) {
            _ = try await store.createTrials(1, in: "nope")
        }
        let counts = try await store.trialCounts(study: "study")
        #expect(counts.total == 1)
        #expect(counts.active == 1)
        #expect(try await store.study(named: "study")?.state == .active)
    }

    @Test(arguments: StoreFactories.all)
    func concurrentAssignmentsRespectThePlannersBudget(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        let budget = 25
        let assigned = try await withThrowingTaskGroup(of: [Trial].self) { group in
            for task in 0..<40 {
                group.addTask {
                    try await store.assignTrials(study: "study", worker: "w\(task)", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                        snapshot.counts.total < budget ? AssignmentPlan(create: [testPoint(snapshot.counts.total)]) : AssignmentPlan()
                    }
                }
            }
            var all: [Trial] = []
            for try await trials in group { all += trials }
            return all
        }
        #expect(assigned.count == budget)
        #expect(Set(assigned.map(\.id)) == Set(1...budget))
        #expect(try await store.trialCounts(study: "study").total == budget)
    }

    // MARK: Trials

    @Test(arguments: StoreFactories.all)
    func requestedTrialsWaitForAWorker(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(2, in: "study")
        let requested = try await store.requestTrial(study: "study", parameters: testPoint(7))
        #expect(requested.id == 3)
        #expect(requested.state == .requested)
        #expect(requested.parameters == testPoint(7))
        #expect(requested.worker == nil && requested.startedAt == nil)
        #expect(try await store.trial(study: "study", id: 3) == requested)
        await #expect(throws: StoreError.studyNotFound("nope")) { _ = try await store.requestTrial(study: "nope", parameters: testPoint(1)) }

        let assigned = try await store.assignTrials(study: "study", worker: "w5", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
            AssignmentPlan(assignRequested: snapshot.requestedTrials.map(\.id))
        }
        #expect(assigned.map(\.id) == [3])
        #expect(assigned.first?.worker == "w5")
    }

    @Test(arguments: StoreFactories.all)
    func measurementsKeepTheirOrderAndRenewTheLease(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        let lease = Date(timeIntervalSince1970: 1_900_000_000)
        try await store.createTrials(2, in: "study", lease: lease)
        let reported = (1...4).map { TrialMeasurement(step: $0 * 10, elapsedSeconds: Double($0), metrics: ["loss": 1 / Double($0), "accuracy": 0.1 * Double($0)]) }
        for measurement in reported {
            try await store.addMeasurement(study: "study", trial: 1, measurement: measurement, leaseExpiresAt: nil)
        }
        try await store.addMeasurement(study: "study", trial: 2, measurement: TrialMeasurement(metrics: ["loss": 9]), leaseExpiresAt: nil)
        var trial = try #require(try await store.trial(study: "study", id: 1))
        #expect(trial.measurements == reported)
        #expect(sameInstant(trial.leaseExpiresAt, lease))

        let renewed = Date(timeIntervalSince1970: 1_950_000_000)
        let extra = TrialMeasurement(step: 50, metrics: ["loss": 0.1])
        try await store.addMeasurement(study: "study", trial: 1, measurement: extra, leaseExpiresAt: renewed)
        trial = try #require(try await store.trial(study: "study", id: 1))
        #expect(trial.measurements == reported + [extra])
        #expect(sameInstant(trial.leaseExpiresAt, renewed))

        // A retry of the last report (its reply was lost) is recorded once, and still renews the lease; the same
        // metrics at another step, or other metrics at the same step, are new measurements.
        let later = Date(timeIntervalSince1970: 1_960_000_000)
        try await store.addMeasurement(study: "study", trial: 1, measurement: extra, leaseExpiresAt: later)
        trial = try #require(try await store.trial(study: "study", id: 1))
        #expect(trial.measurements == reported + [extra], "a repeated report is not stored twice")
        #expect(sameInstant(trial.leaseExpiresAt, later))
        let sameValuesLaterStep = TrialMeasurement(step: 60, metrics: ["loss": 0.1])
        let otherValuesSameStep = TrialMeasurement(step: 60, metrics: ["loss": 0.05])
        try await store.addMeasurement(study: "study", trial: 1, measurement: sameValuesLaterStep, leaseExpiresAt: nil)
        try await store.addMeasurement(study: "study", trial: 1, measurement: otherValuesSameStep, leaseExpiresAt: nil)
        trial = try #require(try await store.trial(study: "study", id: 1))
        #expect(trial.measurements == reported + [extra, sameValuesLaterStep, otherValuesSameStep])
        #expect(try await store.trial(study: "study", id: 2)?.measurements == [TrialMeasurement(metrics: ["loss": 9])])

        try await store.complete(1, in: "study", loss: 0.1)
        await #expect(throws: StoreError.trialNotActive(study: "study", trial: 1, state: .completed)) {
            try await store.addMeasurement(study: "study", trial: 1, measurement: extra, leaseExpiresAt: nil)
        }
        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 42)) {
            try await store.addMeasurement(study: "study", trial: 42, measurement: extra, leaseExpiresAt: nil)
        }
        await #expect(throws: StoreError.studyNotFound("nope")) {
            try await store.addMeasurement(study: "nope", trial: 1, measurement: extra, leaseExpiresAt: nil)
        }
    }

    @Test(arguments: StoreFactories.all)
    func onlyTheOwnerRenewsALease(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(1, in: "study", worker: "w1", lease: Date(timeIntervalSince1970: 1_000))
        let until = Date(timeIntervalSince1970: 1_999_999_999)
        try await store.renewLease(study: "study", trial: 1, worker: "w1", until: until)
        #expect(sameInstant(try await store.trial(study: "study", id: 1)?.leaseExpiresAt, until))
        await #expect(throws: StoreError.notOwner(study: "study", trial: 1, owner: "w1")) {
            try await store.renewLease(study: "study", trial: 1, worker: "w2", until: until)
        }
        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 2)) {
            try await store.renewLease(study: "study", trial: 2, worker: "w1", until: until)
        }
        try await store.complete(1, in: "study", loss: 1)
        await #expect(throws: StoreError.trialNotActive(study: "study", trial: 1, state: .completed)) {
            try await store.renewLease(study: "study", trial: 1, worker: "w1", until: until)
        }
    }

    @Test(arguments: StoreFactories.all)
    func finishingIsIdempotentForTheSameOutcome(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(2, in: "study", lease: Date(timeIntervalSince1970: 1_900_000_000))
        let final = TrialMeasurement(step: 3, elapsedSeconds: 12.5, metrics: ["loss": 0.125, "accuracy": 0.9])
        let finished = try await store.finishTrial(study: "study", trial: 1, state: .completed, finalMeasurement: final, reason: nil)
        #expect(finished.state == .completed)
        #expect(finished.finalMeasurement == final)
        #expect(finished.finalValue(of: "loss") == 0.125)
        #expect(finished.endedAt != nil)
        #expect(finished.leaseExpiresAt == nil)
        #expect(finished.worker == "w1")
        #expect(try await store.trial(study: "study", id: 1) == finished)

        let again = try await store.finishTrial(study: "study", trial: 1, state: .completed, finalMeasurement: final, reason: nil)
        #expect(again == finished)
        await #expect(throws: StoreError.trialNotActive(study: "study", trial: 1, state: .completed)) {
            _ = try await store.finishTrial(study: "study", trial: 1, state: .failed, finalMeasurement: nil, reason: "late failure")
        }
        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 9)) {
            _ = try await store.finishTrial(study: "study", trial: 9, state: .completed, finalMeasurement: nil, reason: nil)
        }
        await #expect(throws: StoreError.self) {
            _ = try await store.finishTrial(study: "study", trial: 2, state: .active, finalMeasurement: nil, reason: nil)
        }

        let failed = try await store.finishTrial(study: "study", trial: 2, state: .failed, finalMeasurement: nil, reason: "exit status 3")
        #expect(failed.state == .failed)
        #expect(failed.statusReason == "exit status 3")
        #expect(failed.finalMeasurement == nil)

        let requested = try await store.requestTrial(study: "study", parameters: testPoint(3))
        let infeasible = try await store.finishTrial(study: "study", trial: requested.id, state: .infeasible, finalMeasurement: nil, reason: "diverges")
        #expect(infeasible.state == .infeasible)
        let counts = try await store.trialCounts(study: "study")
        #expect(counts.completed == 1 && counts.failed == 1 && counts.infeasible == 1 && counts.ended == 3)
    }

    @Test(arguments: StoreFactories.all)
    func ranksByObjectiveWhenMinimizing(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec(goal: .minimize))
        try await store.createTrials(6, in: "study")
        try await store.complete(1, in: "study", loss: 0.5, accuracy: 0.7)
        try await store.complete(2, in: "study", loss: 0.1, accuracy: 0.6)
        try await store.complete(3, in: "study", loss: nil, accuracy: 0.9)  // no objective value
        try await store.complete(4, in: "study", loss: 0.3, accuracy: 0.8)
        try await store.complete(5, in: "study", loss: 0.05, state: .stopped)  // best, but not COMPLETED

        let ranked = try await store.trials(study: "study", query: TrialQuery(order: .objective))
        #expect(ranked.map(\.id) == [5, 2, 4, 1, 3, 6])
        let completed = try await store.trials(study: "study", query: TrialQuery(states: [.completed], order: .objective))
        #expect(completed.map(\.id) == [2, 4, 1, 3])
        let best = try await store.trials(study: "study", query: TrialQuery(states: [.completed], order: .objective, limit: 1))
        #expect(best.map(\.id) == [2])
        let byAccuracy = try await store.trials(study: "study", query: TrialQuery(order: .metric("accuracy", .maximize)))
        #expect(byAccuracy.map(\.id) == [3, 4, 1, 2, 5, 6])
        let byLossAscending = try await store.trials(study: "study", query: TrialQuery(order: .metric("loss", .minimize), limit: 2))
        #expect(byLossAscending.map(\.id) == [5, 2])
        // Metric names are data, not syntax: dots, quotes and backslashes are just characters.
        let odd = #"val.loss "best" \ 2"#
        _ = try await store.finishTrial(
            study: "study", trial: 6, state: .completed, finalMeasurement: TrialMeasurement(metrics: [odd: 1]), reason: nil)
        let byOddName = try await store.trials(study: "study", query: TrialQuery(order: .metric(odd, .maximize), limit: 2))
        #expect(byOddName.map(\.id) == [6, 1])

        let summary = try #require(try await store.studySummaries().first)
        #expect(summary.bestValue == 0.1)
        #expect(summary.counts.completed == 5)
        #expect(summary.counts.stopped == 1)
        #expect(summary.counts.active == 0)
    }

    /// Katib allows metric names with spaces (its xgboostjob-lightgbm example optimizes `valid_1 auc`): stored,
    /// ranked by and queried like any other name.
    @Test(arguments: StoreFactories.all)
    func metricNamesWithSpacesAreStoredAndQueried(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        var spec = testSpec(goal: .maximize)
        spec.objective = Objective(metric: "valid_1 auc", goal: .maximize, additionalMetrics: [MetricSpec(name: "training auc")])
        #expect(spec.problems().isEmpty)
        let created = try await store.createStudy(spec)
        #expect(created.spec.objective.metric == "valid_1 auc")
        try await store.createTrials(3, in: "study")
        try await store.addMeasurement(
            study: "study", trial: 1, measurement: TrialMeasurement(step: 1, elapsedSeconds: 1, metrics: ["valid_1 auc": 0.6]),
            leaseExpiresAt: nil)
        for (trial, valid, training) in [(1, 0.7, 0.9), (2, 0.8, 0.5), (3, 0.75, 0.95)] {
            _ = try await store.finishTrial(
                study: "study", trial: trial, state: .completed,
                finalMeasurement: TrialMeasurement(step: 2, elapsedSeconds: 2, metrics: ["valid_1 auc": valid, "training auc": training]),
                reason: nil)
        }
        let ranked = try await store.trials(study: "study", query: TrialQuery(order: .objective))
        #expect(ranked.map(\.id) == [2, 3, 1])
        let byTraining = try await store.trials(study: "study", query: TrialQuery(order: .metric("training auc", .maximize)))
        #expect(byTraining.map(\.id) == [3, 1, 2])
        #expect(ranked.last?.finalMeasurement?.metrics["training auc"] == 0.9)
        let withMeasurements = try await store.trials(study: "study", query: TrialQuery(order: .id, includeMeasurements: true))
        #expect(withMeasurements.first?.measurements.first?.metrics == ["valid_1 auc": 0.6])
        let summary = try #require(try await store.studySummaries().first)
        #expect(summary.bestValue == 0.8)
        #expect(try await store.study(named: "study")?.spec.objective == spec.objective)
    }

    /// A study with several objectives and a constraint keeps them in its stored spec, and the compact query of
    /// completed trials' final values returns exactly the metrics asked for, in id order, non-finite values included.
    @Test(arguments: StoreFactories.all)
    func completedFinalMetricsAreCompactAndExact(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        var spec = testSpec()
        spec.objective = Objective(metric: "loss", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "latency", goal: .minimize), MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 2)),
        ], referencePoint: [1, 100])
        _ = try await store.createStudy(spec)
        #expect(try await store.study(named: "study")?.spec.objective == spec.objective)
        try await store.createTrials(5, in: "study")
        let finals: [(Int, TrialState, [String: Double])] = [
            (1, .completed, ["loss": 0.1, "latency": 0.30000000000000004, "memory": 1, "other": 5]),
            (2, .failed, [:]),
            (3, .completed, ["loss": -.infinity, "latency": 2]),
            (4, .stopped, ["loss": 0.5, "latency": 1, "memory": 1]),
            (5, .completed, ["loss": 1e-300, "latency": .infinity, "memory": 3]),
        ]
        for (trial, state, metrics) in finals {
            _ = try await store.finishTrial(study: "study", trial: trial, state: state,
                                            finalMeasurement: metrics.isEmpty ? nil : TrialMeasurement(step: 1, metrics: metrics), reason: nil)
        }
        let values = try await store.completedFinalMetrics(study: "study", metrics: ["loss", "latency", "memory"])
        #expect(values.map(\.id) == [1, 3, 5])
        #expect(values.map(\.metrics) == [["loss": 0.1, "latency": 0.30000000000000004, "memory": 1], ["loss": -.infinity, "latency": 2],
                                          ["loss": 1e-300, "latency": .infinity, "memory": 3]])
        await #expect(throws: StoreError.studyNotFound("missing")) {
            _ = try await store.completedFinalMetrics(study: "missing", metrics: ["loss"])
        }

        // The table of the same values, read from the final-values column: any order of the spec's metrics, NaN
        // for a missing one, and names outside the spec ("other") through the measurements.
        for metrics in [["loss", "latency", "memory"], ["memory", "loss"], ["latency", "other"], []] {
            let table = try await store.completedFinalValues(study: "study", metrics: metrics)
            let expected = FinalValueTable(
                metrics: metrics, finalMetrics: try await store.completedFinalMetrics(study: "study", metrics: metrics))
            #expect(table.ids == [1, 3, 5])
            #expect(table.metrics == metrics)
            #expect(table.values.map(\.bitPattern) == expected.values.map(\.bitPattern), "\(metrics)")
        }
        await #expect(throws: StoreError.studyNotFound("missing")) {
            _ = try await store.completedFinalValues(study: "missing", metrics: ["loss"])
        }
    }

    /// Front candidates: at first every completed trial; `pruneTrials` marks completed trials only (other states and
    /// unknown ids are ignored) and only while the generation it was given is current; a trial completed later is a
    /// candidate; deleting a candidate makes every completed trial a candidate again and raises the generation, so a
    /// prune decided before the deletion writes nothing, while deleting any other trial changes neither.
    @Test(arguments: StoreFactories.all)
    func pruningKeepsFrontCandidatesAndADeletionRestoresThem(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        try await fillSeveralObjectiveStudy(store)
        let metrics = ["loss", "accuracy", "memory"]
        let first = try await store.frontCandidateValues(study: "front", metrics: metrics)
        let all = try await store.completedFinalValues(study: "front", metrics: metrics)
        #expect(first.table.ids == [1, 2, 4, 6])
        #expect(first.table.values.map(\.bitPattern) == all.values.map(\.bitPattern))

        try await store.pruneTrials(study: "front", ids: [2, 3, 5, 6, 99], generation: first.generation)
        var candidates = try await store.frontCandidateValues(study: "front", metrics: metrics)
        #expect(candidates.table.ids == [1, 4], "FAILED 3, STOPPED 5 and unknown 99 are no candidates to prune")
        #expect(candidates.generation == first.generation)
        #expect(candidates.table.values.map(\.bitPattern) == Array(all.values[0..<3] + all.values[6..<9]).map(\.bitPattern))
        let unchanged = try await store.completedFinalValues(study: "front", metrics: metrics)
        #expect(unchanged.ids == all.ids && unchanged.values.map(\.bitPattern) == all.values.map(\.bitPattern), "the full read is unchanged")

        try await store.pruneTrials(study: "front", ids: [1], generation: first.generation + 1)
        #expect(try await store.frontCandidateValues(study: "front", metrics: metrics).table.ids == [1, 4], "a wrong generation prunes nothing")

        let created = try await store.createTrials(2, in: "front")
        try await store.complete(created[0].id, in: "front", loss: 0.5, accuracy: 0.5)
        #expect(try await store.frontCandidateValues(study: "front", metrics: metrics).table.ids == [1, 4, 7])

        // Deleting a trial no prune can have depended on (not completed, or pruned) changes nothing.
        try await store.deleteTrial(study: "front", trial: created[1].id)
        try await store.deleteTrial(study: "front", trial: 2)
        candidates = try await store.frontCandidateValues(study: "front", metrics: metrics)
        #expect(candidates.table.ids == [1, 4, 7] && candidates.generation == first.generation)
        // Deleting a candidate un-prunes the study.
        try await store.deleteTrial(study: "front", trial: 4)
        candidates = try await store.frontCandidateValues(study: "front", metrics: metrics)
        #expect(candidates.table.ids == [1, 6, 7], "a deletion of a candidate un-prunes the study")
        #expect(candidates.generation != first.generation)
        try await store.pruneTrials(study: "front", ids: [1, 6], generation: first.generation)
        #expect(try await store.frontCandidateValues(study: "front", metrics: metrics).table.ids == [1, 6, 7],
                "a prune read before the deletion is dropped")
        try await store.pruneTrials(study: "front", ids: [1, 6], generation: candidates.generation)
        #expect(try await store.frontCandidateValues(study: "front", metrics: metrics).table.ids == [7])

        // Another study's trials and generation are its own.
        var other = testSpec("other")
        other.objective = Objective(metric: "loss", goal: .minimize, additionalMetrics: [MetricSpec(name: "accuracy", goal: .maximize)])
        _ = try await store.createStudy(other)
        let otherTrials = try await store.createTrials(2, in: "other")
        for trial in otherTrials { try await store.complete(trial.id, in: "other", loss: 1, accuracy: 1) }
        try await store.deleteTrial(study: "other", trial: otherTrials[1].id)
        #expect(try await store.frontCandidateValues(study: "front", metrics: metrics).table.ids == [7])
        #expect(try await store.frontCandidateValues(study: "other", metrics: ["loss", "accuracy"]).table.ids == [1])

        await #expect(throws: StoreError.studyNotFound("missing")) {
            try await store.pruneTrials(study: "missing", ids: [1], generation: 0)
        }
        await #expect(throws: StoreError.studyNotFound("missing")) {
            _ = try await store.frontCandidateValues(study: "missing", metrics: ["loss"])
        }
    }

    /// Trials by a list of ids (a Pareto front's): in id order, without intermediate measurements, unknown ids
    /// and duplicates dropped, the same trials `trial(study:id:)` returns.
    @Test(arguments: StoreFactories.all)
    func trialsByIDsAreThoseOfTheSingleReads(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(4, in: "study")
        try await store.addMeasurement(study: "study", trial: 3, measurement: TrialMeasurement(step: 1, metrics: ["loss": 2]), leaseExpiresAt: nil)
        try await store.complete(3, in: "study", loss: 0.5, accuracy: 0.25)
        try await store.complete(1, in: "study", loss: 0.75)
        let found = try await store.trials(study: "study", ids: [3, 99, 1, 3])
        #expect(found.map(\.id) == [1, 3])
        for trial in found {
            var single = try #require(try await store.trial(study: "study", id: trial.id))
            single.measurements = []
            #expect(trial == single)
        }
        #expect(try await store.trials(study: "study", ids: []).isEmpty)
        await #expect(throws: StoreError.studyNotFound("missing")) {
            _ = try await store.trials(study: "missing", ids: [1])
        }
    }

    @Test(arguments: StoreFactories.all)
    func ranksByObjectiveWhenMaximizing(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec(goal: .maximize))
        try await store.createTrials(4, in: "study")
        try await store.complete(1, in: "study", loss: 0.5)
        try await store.complete(2, in: "study", loss: 0.1)
        try await store.complete(3, in: "study", loss: 0.9)
        let ranked = try await store.trials(study: "study", query: TrialQuery(order: .objective))
        #expect(ranked.map(\.id) == [3, 1, 2, 4])
        #expect(try await store.studySummaries().first?.bestValue == 0.9)
    }

    @Test(arguments: StoreFactories.all)
    func queriesFilterAndPage(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(10, in: "study")
        for id in [2, 4, 6, 8] {
            try await store.complete(id, in: "study", loss: Double(10 - id))  // 8 best, then 6, 4, 2
        }
        _ = try await store.finishTrial(study: "study", trial: 9, state: .failed, finalMeasurement: nil, reason: "crash")
        try await store.addMeasurement(study: "study", trial: 1, measurement: TrialMeasurement(step: 1, metrics: ["loss": 4]), leaseExpiresAt: nil)

        func ids(_ query: TrialQuery) async throws -> [Int] {
            try await store.trials(study: "study", query: query).map(\.id)
        }
        #expect(try await ids(TrialQuery()) == Array(1...10))
        #expect(try await ids(TrialQuery(states: [.completed])) == [2, 4, 6, 8])
        #expect(try await ids(TrialQuery(states: [.completed, .failed])) == [2, 4, 6, 8, 9])
        #expect(try await ids(TrialQuery(states: [])) == [])
        #expect(try await ids(TrialQuery(states: [.active], limit: 2, offset: 1)) == [3, 5])
        #expect(try await ids(TrialQuery(limit: 3, offset: 8)) == [9, 10])
        #expect(try await ids(TrialQuery(limit: 0)) == [])
        #expect(try await ids(TrialQuery(offset: 20)) == [])
        // Pages of the objective order cross from ranked trials into those without a value.
        #expect(try await ids(TrialQuery(order: .objective, limit: 3)) == [8, 6, 4])
        #expect(try await ids(TrialQuery(order: .objective, limit: 3, offset: 3)) == [2, 1, 3])
        #expect(try await ids(TrialQuery(order: .objective, limit: 3, offset: 6)) == [5, 7, 9])
        #expect(try await ids(TrialQuery(order: .objective, offset: 9)) == [10])
        #expect(try await ids(TrialQuery(states: [.completed], order: .objective, offset: 1)) == [6, 4, 2])

        let withMeasurements = try await store.trials(study: "study", query: TrialQuery(limit: 1))
        #expect(withMeasurements.first?.measurements.count == 1)
        let without = try await store.trials(study: "study", query: TrialQuery(limit: 1, includeMeasurements: false))
        #expect(without.first?.measurements == [])
        #expect(try await store.trials(study: "study", query: TrialQuery(states: [.completed])).allSatisfy { $0.finalMeasurement != nil })
        await #expect(throws: StoreError.studyNotFound("nope")) { _ = try await store.trials(study: "nope", query: TrialQuery()) }
        #expect(try await store.trial(study: "study", id: 11) == nil)
    }

    @Test(arguments: StoreFactories.all)
    func countsEveryState(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(6, in: "study")
        _ = try await store.requestTrial(study: "study", parameters: testPoint(9))
        try await store.complete(1, in: "study", loss: 1)
        try await store.complete(2, in: "study", loss: 1, state: .stopped)
        try await store.complete(3, in: "study", loss: nil, state: .failed)
        try await store.complete(4, in: "study", loss: nil, state: .infeasible)
        var expected = TrialCounts()
        expected.requested = 1
        expected.active = 2
        expected.completed = 1
        expected.stopped = 1
        expected.failed = 1
        expected.infeasible = 1
        #expect(try await store.trialCounts(study: "study") == expected)
        #expect(try await store.studySummaries().first?.counts == expected)
    }

    @Test(arguments: StoreFactories.all)
    func parametersKeepTheirTypes(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        let points: [ParameterAssignment] = [
            ["lr": .double(1.0), "layers": .integer(8), "momentum": .double(1), "optimizer": .string("adam")],
            ["lr": .double(0.000123456789), "layers": .integer(1), "momentum": .double(0.9), "optimizer": .string("sgd")],
        ]
        let created = try await store.assignTrials(study: "study", worker: "w1", leaseExpiresAt: nil, history: .countsOnly) { _ in
            AssignmentPlan(create: points)
        }
        #expect(created.map(\.parameters) == points)
        let requested = try await store.requestTrial(study: "study", parameters: points[0])
        #expect(requested.parameters == points[0])
        #expect(try await store.trial(study: "study", id: 1)?.parameters["lr"] == .double(1.0))
        #expect(try await store.trial(study: "study", id: 1)?.parameters["layers"] == .integer(8))
        #expect(try await store.trials(study: "study", query: TrialQuery()).map(\.parameters) == points + [points[0]])
        let history = try #require(try await store.snapshot(of: "study", history: .finalMeasurements)).history
        #expect(history.map(\.parameters) == points + [points[0]])
    }
}

extension StoreContractTests {
    // MARK: Digests

    @Test(arguments: StoreFactories.all)
    func digestsAreEveryTrialsIdStateAndValueWithoutDecodingTrials(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec(maxTrials: 20))
        try await store.createTrials(6, in: "study")
        try await store.complete(1, in: "study", loss: 0.75)
        try await store.complete(3, in: "study", loss: -2, accuracy: 0.5)
        try await store.complete(4, in: "study", loss: nil, accuracy: 0.9)
        try await store.complete(5, in: "study", loss: 0.25, state: .stopped)
        _ = try await store.finishTrial(study: "study", trial: 6, state: .failed, finalMeasurement: nil, reason: "exit status 1")

        // Each digest agrees with the whole trial it stands for.
        let trials = try await store.trials(study: "study", query: TrialQuery(includeMeasurements: false))
        let expected = trials.map { TrialDigest(id: $0.id, state: $0.state, objectiveValue: $0.finalValue(of: "loss")) }
        #expect(try await store.trialDigests(study: "study", states: nil) == expected)
        #expect(expected.map(\.objectiveValue) == [0.75, nil, -2, nil, 0.25, nil])

        #expect(try await store.trialDigests(study: "study", states: [.completed]).map(\.id) == [1, 3, 4])
        #expect(try await store.trialDigests(study: "study", states: [.stopped, .failed, .active]).map(\.id) == [2, 5, 6])
        #expect(try await store.trialDigests(study: "study", states: []).isEmpty)
        await #expect(throws: StoreError.studyNotFound("nope")) { _ = try await store.trialDigests(study: "nope", states: nil) }

        let parameters = try await store.trialParameters(study: "study", ids: [3, 1, 3, 99])
        #expect(parameters == [1: trials[0].parameters, 3: trials[2].parameters], "repeated and unknown ids are harmless")
        #expect(parameters[1] == testPoint(0))
        #expect(try await store.trialParameters(study: "study", ids: []).isEmpty)
        await #expect(throws: StoreError.studyNotFound("nope")) { _ = try await store.trialParameters(study: "nope", ids: [1]) }
    }

    // MARK: State history

    /// Every change of a trial's state, worker or retry count is logged, in order, whichever path made it: creation
    /// by assignment or by request, a lease, a requeue after a lost lease, a failure by the planner, an end.
    @Test(arguments: StoreFactories.logged)
    func everyStateChangeOfATrialIsLoggedInOrder(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(2, in: "study", worker: "w1")
        _ = try await store.requestTrial(study: "study", parameters: testPoint(20))
        _ = try await store.assignTrials(study: "study", worker: "w2", leaseExpiresAt: nil, history: .countsOnly) { _ in
            AssignmentPlan(requeue: [1], fail: [2: "worker w1 vanished 3 times"], assignRequested: [3])
        }
        _ = try await store.assignTrials(study: "study", worker: "w3", leaseExpiresAt: nil, history: .countsOnly) { _ in
            AssignmentPlan(assignRequested: [1])
        }
        let completed = try await store.complete(1, in: "study", loss: 0.5)
        _ = try await store.finishTrial(study: "study", trial: 3, state: .stopped, finalMeasurement: nil, reason: "median rule")

        let first = try await store.trialEvents(study: "study", trial: 1)
        #expect(first.map(\.state) == [.active, .requested, .active, .completed])
        #expect(first.map(\.worker) == ["w1", nil, "w3", "w3"])
        #expect(first.map(\.retryCount) == [0, 1, 1, 1])
        #expect(first[1].reason?.contains("retry 1") == true, "a requeue keeps its reason")
        #expect(sameInstant(first[3].at, completed.endedAt), "an end is logged at the trial's end time")
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.at <= $1.at.addingTimeInterval(1) }, "oldest first")

        let failed = try await store.trialEvents(study: "study", trial: 2)
        #expect(failed.map(\.state) == [.active, .failed])
        #expect(failed.last?.reason == "worker w1 vanished 3 times")

        let requested = try await store.trialEvents(study: "study", trial: 3)
        #expect(requested.map(\.state) == [.requested, .active, .stopped])
        #expect(requested.map(\.worker) == [nil, "w2", "w2"])
        #expect(requested.last?.reason == "median rule")

        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 99)) { _ = try await store.trialEvents(study: "study", trial: 99) }
        await #expect(throws: StoreError.studyNotFound("nope")) { _ = try await store.trialEvents(study: "nope", trial: 1) }

        // Deleting a trial deletes its history with it; a trial that takes its id later starts a history of its own.
        try await store.deleteTrial(study: "study", trial: 3)
        let reused = try await store.requestTrial(study: "study", parameters: testPoint(21))
        #expect(reused.id == 3)
        #expect(try await store.trialEvents(study: "study", trial: 3).map(\.state) == [.requested])
    }

    /// The digests of what changed since a cursor: every trial at first, then only those created, leased, requeued or
    /// ended since; a store without a log reads every trial each time.
    @Test(arguments: StoreFactories.all)
    func digestChangesAreTheTrialsThatChangedSinceTheCursor(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        _ = try await store.createStudy(testSpec("other"))
        try await store.createTrials(3, in: "study")
        let whole = try await store.trialDigestChanges(study: "study", since: nil)
        #expect(whole.complete)
        #expect(whole.digests == (try await store.trialDigests(study: "study", states: nil)))
        guard let cursor = whole.cursor else {
            #expect(factory.name == StoreFactory.inMemory.name, "only the store without a log has no cursor")
            return
        }
        #expect(try await store.trialDigestChanges(study: "study", since: cursor).digests.isEmpty, "nothing changed")

        try await store.complete(2, in: "study", loss: 0.5)
        _ = try await store.requestTrial(study: "study", parameters: testPoint(9))
        try await store.createTrials(2, in: "other")
        let changes = try await store.trialDigestChanges(study: "study", since: cursor)
        #expect(!changes.complete)
        #expect(changes.digests == [TrialDigest(id: 2, state: .completed, objectiveValue: 0.5), TrialDigest(id: 4, state: .requested, objectiveValue: nil)],
                "the other study's changes are not this study's")
        let next = try #require(changes.cursor)
        #expect(next > cursor)
        #expect(try await store.trialDigestChanges(study: "study", since: next).digests.isEmpty)
        await #expect(throws: StoreError.studyNotFound("nope")) { _ = try await store.trialDigestChanges(study: "nope", since: cursor) }
    }

    /// A store without a log tells the history a trial's own columns hold.
    @Test func aStoreWithoutALogDerivesTheHistoryFromTheTrial() async throws {
        let store = InMemoryStudyStore()
        _ = try await store.createStudy(testSpec())
        _ = try await store.requestTrial(study: "study", parameters: testPoint(20))
        #expect(try await store.trialEvents(study: "study", trial: 1).map(\.state) == [.requested])
        _ = try await store.assignTrials(study: "study", worker: "w2", leaseExpiresAt: nil, history: .countsOnly) { _ in
            AssignmentPlan(assignRequested: [1])
        }
        try await store.complete(1, in: "study", loss: 0.5)
        // Whether it waited as REQUESTED before its lease shows only when the clock moved between the two.
        let events = try await store.trialEvents(study: "study", trial: 1).suffix(2)
        #expect(events.map(\.state) == [.active, .completed])
        #expect(events.map(\.worker) == ["w2", "w2"])
        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 9)) { _ = try await store.trialEvents(study: "study", trial: 9) }
    }

    // MARK: Finishing a stopped trial

    /// A client told to stop may still report its final measurement: STOPPED → COMPLETED (Vizier's STOPPING →
    /// SUCCEEDED), counted once; a STOPPED trial cannot fail or become infeasible, and COMPLETED is final.
    @Test(arguments: StoreFactories.all)
    func aStoppedTrialMayStillBeCompleted(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        _ = try await store.createTrials(2, in: "study")
        _ = try await store.complete(1, in: "study", loss: 0.5, state: .stopped)
        await #expect(throws: StoreError.trialNotActive(study: "study", trial: 1, state: .stopped)) {
            try await store.finishTrial(study: "study", trial: 1, state: .failed, finalMeasurement: nil, reason: "late failure")
        }
        let (completed, counts) = try await store.finishTrialCounting(
            study: "study", trial: 1, state: .completed, finalMeasurement: TrialMeasurement(metrics: ["loss": 0.25]), reason: nil)
        #expect(completed.state == .completed)
        #expect(completed.finalMeasurement?.metrics["loss"] == 0.25)
        #expect(counts.completed == 1 && counts.stopped == 0 && counts.active == 1 && counts.total == 2)
        #expect(try await store.trialCounts(study: "study") == counts)
        #expect(try await store.studySummaries().first?.bestValue == 0.25)
        await #expect(throws: StoreError.trialNotActive(study: "study", trial: 1, state: .completed)) {
            try await store.finishTrial(study: "study", trial: 1, state: .stopped, finalMeasurement: nil, reason: nil)
        }
    }

    // MARK: Metadata

    @Test(arguments: StoreFactories.all)
    func metadataIsKeptPerStudyAndTrialAndReplacedBySlot(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec())
        _ = try await store.createStudy(testSpec("other"))
        _ = try await store.createTrials(2, in: "study")
        #expect(try await store.metadata(study: "study") == StudyMetadata())

        let message = MetadataValue.message(typeURL: "type.googleapis.com/vizier.Trial", bytes: Data([0, 1, 2, 255]))
        try await store.updateMetadata(study: "study", updates: [
            MetadataUpdate(entry: MetadataEntry(key: "owner", value: .text("first"))),
            MetadataUpdate(entry: MetadataEntry(namespace: ":a", key: "owner", value: .text("namespaced"))),
            MetadataUpdate(trial: 2, entry: MetadataEntry(namespace: ":x", key: "checkpoint", value: message)),
            MetadataUpdate(entry: MetadataEntry(key: "owner", value: .text("second"))),
        ])
        try await store.updateMetadata(study: "other", updates: [MetadataUpdate(entry: MetadataEntry(key: "k", value: .text("v")))])
        let metadata = try await store.metadata(study: "study")
        #expect(metadata.study == [
            MetadataEntry(key: "owner", value: .text("second")),
            MetadataEntry(namespace: ":a", key: "owner", value: .text("namespaced")),
        ])
        #expect(metadata.trials == [2: [MetadataEntry(namespace: ":x", key: "checkpoint", value: message)]])

        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 9)) {
            try await store.updateMetadata(study: "study", updates: [
                MetadataUpdate(entry: MetadataEntry(key: "owner", value: .text("lost"))),
                MetadataUpdate(trial: 9, entry: MetadataEntry(key: "k", value: .text("v"))),
            ])
        }
        #expect(try await store.metadata(study: "study") == metadata, "a refused update writes nothing")
        await #expect(throws: StoreError.studyNotFound("nope")) { try await store.metadata(study: "nope") }
        await #expect(throws: StoreError.studyNotFound("nope")) { try await store.updateMetadata(study: "nope", updates: []) }

        try await store.deleteStudy(named: "study")
        _ = try await store.createStudy(testSpec())
        #expect(try await store.metadata(study: "study") == StudyMetadata(), "a study created again starts without metadata")
        #expect(try await store.metadata(study: "other").study.count == 1)
    }
}

extension StoreContractTests {
    // MARK: Deleting a trial

    /// A deleted trial leaves with its measurements and metadata, and the counts (which the PostgreSQL store takes
    /// from the highest id) stay exact through holes, a deleted newest trial and new trials after both.
    @Test(arguments: StoreFactories.all)
    func aDeletedTrialLeavesTheStudyAndItsCounts(factory: StoreFactory) async throws {
        guard let handle = try await factory.make() else { return }
        let store = handle.store
        _ = try await store.createStudy(testSpec(maxTrials: 100))
        _ = try await store.createTrials(4, in: "study")
        try await store.addMeasurement(study: "study", trial: 2, measurement: TrialMeasurement(step: 1, metrics: ["loss": 1]), leaseExpiresAt: nil)
        _ = try await store.complete(1, in: "study", loss: 0.5)
        _ = try await store.complete(2, in: "study", loss: 0.1)
        try await store.updateMetadata(study: "study", updates: [MetadataUpdate(trial: 2, entry: MetadataEntry(key: "k", value: .text("v")))])

        try await store.deleteTrial(study: "study", trial: 2)
        #expect(try await store.trial(study: "study", id: 2) == nil)
        #expect(try await store.metadata(study: "study").trials[2] == nil)
        var counts = try await store.trialCounts(study: "study")
        #expect(counts.total == 3 && counts.completed == 1 && counts.active == 2)
        #expect(try await store.trials(study: "study", query: TrialQuery()).map(\.id) == [1, 3, 4])
        #expect(try await store.studySummaries().first?.bestValue == 0.5, "the deleted best no longer counts")

        try await store.deleteTrial(study: "study", trial: 4)  // the newest
        let next = try await store.createTrials(1, in: "study", firstPoint: 7)
        #expect(next.map(\.id) == [4], "a new trial takes the highest id plus one")
        let (_, afterFinish) = try await store.finishTrialCounting(
            study: "study", trial: 3, state: .completed, finalMeasurement: TrialMeasurement(metrics: ["loss": 0.3]), reason: nil)
        counts = try await store.trialCounts(study: "study")
        #expect(afterFinish == counts)
        #expect(counts.total == 3 && counts.completed == 2 && counts.active == 1)
        let snapshot = try #require(try await store.snapshot(of: "study", history: .countsOnly))
        #expect(snapshot.counts == counts)

        await #expect(throws: StoreError.trialNotFound(study: "study", trial: 2)) { try await store.deleteTrial(study: "study", trial: 2) }
        await #expect(throws: StoreError.studyNotFound("nope")) { try await store.deleteTrial(study: "nope", trial: 1) }
    }
}
