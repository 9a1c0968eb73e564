import AugurCore
@testable import AugurStorage
import Foundation
import Testing

/// Several callers' assignments planned in one transaction (`PostgresStoreSession.assignTrials(study:requests:)`),
/// driven directly so that the batch is known.
@Suite("PostgreSQL batched assignment", .enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresBatchedAssignmentTests {
    typealias Request = PostgresStoreSession.AssignmentRequest

    struct PlannerFailure: Error, Equatable {}

    static func point(_ number: Int) -> ParameterAssignment {
        ["lr": .double(Double(number) / 100), "layers": .integer(1 + number % 8), "opt": .string("adam")]
    }

    /// Creates one trial while the parallel limit allows it.
    static func oneMore(_ snapshot: StudySnapshot) -> AssignmentPlan {
        guard snapshot.counts.active < snapshot.study.spec.budget.parallelTrials else { return AssignmentPlan() }
        return AssignmentPlan(create: [point(snapshot.counts.total)])
    }

    static func run(_ requests: [Request], study: String, url: String) async throws -> [Result<[Trial], any Error>] {
        let pool = PostgresConnectionPool(settings: try PostgresConnectionSettings(url), size: 1)
        let specs = PostgresSpecCache()
        return try await pool.perform(.transaction) { connection in
            try PostgresStoreSession(connection: connection, specs: specs).assignTrials(study: study, requests: requests)
        }
    }

    @Test func eachRequestSeesTheTrialsHandedToThoseBeforeIt() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("batch")
        let store = try PostgresStudyStore(url: url)
        _ = try await store.createStudy(PostgresStudyStoreTests.spec("batch", maxTrials: 10, parallel: 3))
        // Leases differ per request (one without any): the one INSERT of the batch keeps each request's own.
        let leases: [Date?] = [Date(timeIntervalSince1970: 1_900_000_000.25), nil, Date(timeIntervalSince1970: 1_900_000_060.5), nil, nil]
        let requests = (0..<5).map { Request(worker: "w\($0)", leaseExpiresAt: leases[$0], scope: .countsOnly, planner: Self.oneMore) }
        let results = try await Self.run(requests, study: "batch", url: url)
        let handed = try results.map { try $0.get() }
        #expect(handed.map { $0.map(\.id) } == [[1], [2], [3], [], []], "the parallel limit of 3 holds across the batch")
        #expect(handed.prefix(3).map { $0.first?.worker } == ["w0", "w1", "w2"])
        let stored = try await store.trials(study: "batch", query: TrialQuery(includeMeasurements: false))
        #expect(stored.map(\.id) == [1, 2, 3] && stored.map(\.worker) == ["w0", "w1", "w2"])
        #expect(stored.map(\.parameters) == [Self.point(0), Self.point(1), Self.point(2)])
        #expect(stored.map(\.leaseExpiresAt) == Array(leases.prefix(3)))
        #expect(stored.allSatisfy { $0.state == .active && $0.startedAt != nil && $0.startedAt == $0.createdAt })
        // What the callers were handed is what the rows say.
        #expect(handed.flatMap { $0 } == stored)
    }

    @Test func aThrowingPlannerFailsOnlyItsOwnRequest() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("batchthrow")
        let store = try PostgresStudyStore(url: url)
        _ = try await store.createStudy(PostgresStudyStoreTests.spec("throw", maxTrials: 10, parallel: 5))
        let requests = [
            Request(worker: "a", leaseExpiresAt: nil, scope: .countsOnly, planner: Self.oneMore),
            Request(worker: "b", leaseExpiresAt: nil, scope: .countsOnly) { _ in throw PlannerFailure() },
            Request(worker: "c", leaseExpiresAt: nil, scope: .countsOnly, planner: Self.oneMore),
        ]
        let results = try await Self.run(requests, study: "throw", url: url)
        #expect(try results[0].get().map(\.id) == [1])
        #expect(throws: PlannerFailure()) { try results[1].get() }
        #expect(try results[2].get().map(\.id) == [2])
        #expect(try await store.trialCounts(study: "throw").active == 2)
    }

    /// A plan that changes existing trials goes out at once, and the requests after it plan on a fresh snapshot.
    @Test func aPlanChangingExistingTrialsIsFollowedByAFreshSnapshot() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("batchmixed")
        let store = try PostgresStudyStore(url: url)
        _ = try await store.createStudy(PostgresStudyStoreTests.spec("mixed", maxTrials: 10, parallel: 5))
        _ = try await store.requestTrial(study: "mixed", parameters: Self.point(42))
        let requests = [
            Request(worker: "a", leaseExpiresAt: nil, scope: .parameters, planner: Self.oneMore),
            Request(worker: "b", leaseExpiresAt: nil, scope: .parameters) { snapshot in
                AssignmentPlan(assignRequested: snapshot.requestedTrials.map(\.id))
            },
            Request(worker: "c", leaseExpiresAt: nil, scope: .parameters) { snapshot in
                #expect(snapshot.requestedTrials.isEmpty && snapshot.activeTrials.map(\.worker) == ["b", "a"])
                #expect(snapshot.history.map(\.id) == [1, 2])
                return AssignmentPlan(create: [Self.point(snapshot.counts.total)], studyState: (.completed, "enough"))
            },
            Request(worker: "d", leaseExpiresAt: nil, scope: .countsOnly) { snapshot in
                #expect(snapshot.study.state == .completed && snapshot.counts.active == 3 && snapshot.history.isEmpty)
                return AssignmentPlan()
            },
        ]
        let results = try await Self.run(requests, study: "mixed", url: url)
        #expect(try results.map { try $0.get().map(\.id) } == [[2], [1], [3], []])
        let stored = try await store.trials(study: "mixed", query: TrialQuery(includeMeasurements: false))
        #expect(stored.map(\.worker) == ["b", "a", "c"] && stored.allSatisfy { $0.state == .active })
        #expect(try await store.study(named: "mixed")?.state == .completed)
    }

    /// Many tasks sharing one store: their requests are batched, and every trial goes to the caller that got it.
    @Test func concurrentCallersOfOneStoreGetTheirOwnTrials() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("batchmany")
        let store = try PostgresStudyStore(url: url, poolSize: 2)
        _ = try await store.createStudy(PostgresStudyStoreTests.spec("many", maxTrials: 200, parallel: 8))
        let handed = try await withThrowingTaskGroup(of: [(worker: String, trial: Trial)].self) { group in
            for client in 0..<16 {
                group.addTask {
                    var mine: [(worker: String, trial: Trial)] = []
                    let worker = "client-\(client)"
                    while true {
                        let trials = try await store.assignTrials(study: "many", worker: worker, leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                            guard snapshot.counts.total < 200 else { return AssignmentPlan() }
                            return Self.oneMore(snapshot)
                        }
                        if trials.isEmpty {
                            if try await store.trialCounts(study: "many").total >= 200 { return mine }
                            await Task.yield()
                            continue
                        }
                        for trial in trials {
                            mine.append((worker, trial))
                            _ = try await store.finishTrial(study: "many", trial: trial.id, state: .completed,
                                                            finalMeasurement: TrialMeasurement(metrics: ["loss": 1]), reason: nil)
                        }
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(handed.count == 200 && Set(handed.map(\.trial.id)) == Set(1...200))
        #expect(handed.allSatisfy { $0.trial.worker == $0.worker })
        let stored = try await store.trials(study: "many", query: TrialQuery(includeMeasurements: false))
        let owners = Dictionary(uniqueKeysWithValues: handed.map { ($0.trial.id, $0.worker) })
        #expect(stored.count == 200 && stored.allSatisfy { $0.worker == owners[$0.id] && $0.state == .completed })
        #expect(PostgresConcurrencyTests.maximumOverlap(stored) <= 8)
    }

    /// Several finishes in one round trip: each gets its trial and the counts; a repeat is answered like a retry,
    /// an unknown trial fails alone.
    @Test func finishesGoOutTogether() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("batchfinish")
        let store = try PostgresStudyStore(url: url)
        _ = try await store.createStudy(PostgresStudyStoreTests.spec("fin", maxTrials: 10, parallel: 5))
        _ = try await store.assignTrials(study: "fin", worker: "w", leaseExpiresAt: nil, history: .countsOnly,
                                         planner: PostgresStudyStoreTests.create([Self.point(1), Self.point(2), Self.point(3)]))
        let final = StoreCoding.encodeMeasurement(TrialMeasurement(metrics: ["loss": 0.5]))
        let requests = [
            PostgresStoreSession.FinishRequest(study: "fin", trial: 2, state: .failed, finalText: nil, reason: "exit status 1"),
            PostgresStoreSession.FinishRequest(study: "fin", trial: 1, state: .completed, finalText: final, reason: nil),
            PostgresStoreSession.FinishRequest(study: "fin", trial: 1, state: .completed, finalText: final, reason: nil),
            PostgresStoreSession.FinishRequest(study: "fin", trial: 99, state: .completed, finalText: final, reason: nil),
        ]
        let pool = PostgresConnectionPool(settings: try PostgresConnectionSettings(url), size: 1)
        let specs = PostgresSpecCache()
        let results = try await pool.perform(.idempotent) { connection in
            try PostgresStoreSession(connection: connection, specs: specs).finishTrialsCounting(requests)
        }
        let failed = try results[0].get()
        #expect(failed.trial.state == .failed && failed.trial.statusReason == "exit status 1")
        let completed = try results[1].get()
        #expect(completed.trial.state == .completed && completed.trial.finalMeasurement?.metrics["loss"] == 0.5)
        // Counts are as of each UPDATE, which go in trial order: trial 1 before trial 2.
        #expect(completed.counts.completed == 1 && completed.counts.failed == 0 && completed.counts.active == 2)
        #expect(failed.counts.completed == 1 && failed.counts.failed == 1 && failed.counts.active == 1)
        #expect(try results[2].get().trial.state == .completed, "a repeat is answered with the finished trial")
        #expect(throws: StoreError.trialNotFound(study: "fin", trial: 99)) { try results[3].get() }
        let counts = try await store.trialCounts(study: "fin")
        #expect(counts.completed == 1 && counts.failed == 1 && counts.active == 1)
    }
}
