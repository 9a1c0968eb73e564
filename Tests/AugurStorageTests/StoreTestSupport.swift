import AugurCore
import AugurStorage
import Foundation
import Synchronization
import Testing

/// The spec most contract tests use: one parameter of each type, objective `loss` plus `accuracy`.
func testSpec(_ name: String = "study", goal: ObjectiveGoal = .minimize, maxTrials: Int = 10) -> StudySpec {
    StudySpec(
        name: name,
        searchSpace: SearchSpace([
            .double("lr", min: 1e-4, max: 1, scale: .log),
            .integer("layers", min: 1, max: 8),
            .discrete("momentum", [0.5, 0.9, 1]),
            .categorical("optimizer", ["sgd", "adam"]),
        ]),
        objective: Objective(metric: "loss", goal: goal, additionalMetrics: [MetricSpec(name: "accuracy")]),
        budget: Budget(maxTrials: maxTrials, parallelTrials: 3),
        seed: 7)
}

/// The `index`-th test point: distinct for every index below 1000.
func testPoint(_ index: Int) -> ParameterAssignment {
    [
        "lr": .double(0.001 * Double(index + 1)),
        "layers": .integer(1 + index % 8),
        "momentum": .double([0.5, 0.9, 1][index % 3]),
        "optimizer": .string(index.isMultiple(of: 2) ? "sgd" : "adam"),
    ]
}

extension StudyStore {
    /// Creates `count` ACTIVE trials for `worker` through `assignTrials` and returns them.
    @discardableResult
    func createTrials(_ count: Int, in study: String, worker: String = "w1", lease: Date? = nil, firstPoint: Int = 0) async throws -> [Trial] {
        try await assignTrials(study: study, worker: worker, leaseExpiresAt: lease, history: .countsOnly) { _ in
            AssignmentPlan(create: (0..<count).map { testPoint(firstPoint + $0) })
        }
    }

    /// Completes a trial with `loss` (and `accuracy`) as its final metrics.
    @discardableResult
    func complete(_ trial: Int, in study: String, loss: Double?, accuracy: Double? = nil, state: TrialState = .completed) async throws -> Trial {
        var metrics: [String: Double] = [:]
        metrics["loss"] = loss
        metrics["accuracy"] = accuracy
        return try await finishTrial(
            study: study, trial: trial, state: state, finalMeasurement: TrialMeasurement(step: 10, elapsedSeconds: 1.5, metrics: metrics),
            reason: nil)
    }

    /// The snapshot `assignTrials` shows a planner that changes nothing.
    func snapshot(of study: String, history: HistoryScope) async throws -> StudySnapshot? {
        let seen = Mutex<StudySnapshot?>(nil)
        _ = try await assignTrials(study: study, worker: "observer", leaseExpiresAt: nil, history: history) { snapshot in
            seen.withLock { $0 = snapshot }
            return AssignmentPlan()
        }
        return seen.withLock { $0 }
    }
}

/// Whether two instants agree to the precision of unix seconds stored as a Double.
func sameInstant(_ a: Date?, _ b: Date?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (a?, b?): abs(a.timeIntervalSince(b)) < 1e-5
    default: false
    }
}

/// A planner error for rollback tests.
struct PlannerFailure: Error, Equatable {}

/// A study with two objectives and a constraint whose finished trials span every kind of final value (missing
/// metrics, non-finite values, a trial without a final measurement): what the upgrade tests fill a database of the
/// schema before `final_values` with.
func fillSeveralObjectiveStudy(_ store: some StudyStore) async throws {
    var spec = testSpec("front")
    spec.objective = Objective(metric: "loss", goal: .minimize, additionalMetrics: [
        MetricSpec(name: "accuracy", goal: .maximize), MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 2)),
    ])
    _ = try await store.createStudy(spec)
    try await store.createTrials(6, in: "front")
    let finals: [(TrialState, [String: Double]?)] = [
        (.completed, ["loss": 0.25, "accuracy": 0.5, "memory": 1]),
        (.completed, ["loss": 0.125, "accuracy": .infinity]),
        (.failed, nil),
        (.completed, ["loss": -.infinity, "accuracy": 0.75, "memory": 3, "other": 1]),
        (.stopped, ["loss": 0.5, "accuracy": 0.5, "memory": 0]),
        (.completed, [:]),
    ]
    for (offset, (state, metrics)) in finals.enumerated() {
        _ = try await store.finishTrial(study: "front", trial: offset + 1, state: state,
                                        finalMeasurement: metrics.map { TrialMeasurement(step: 3, metrics: $0) }, reason: nil)
    }
}

/// What `completedFinalValues` must answer for the study of `fillSeveralObjectiveStudy`, checked against the
/// measurements themselves (`completedFinalMetrics`).
func expectSeveralObjectiveValues(_ store: some StudyStore) async throws {
    let metrics = ["loss", "accuracy", "memory"]
    let table = try await store.completedFinalValues(study: "front", metrics: metrics)
    let expected = FinalValueTable(metrics: metrics, finalMetrics: try await store.completedFinalMetrics(study: "front", metrics: metrics))
    #expect(table.ids == [1, 2, 4, 6])
    #expect(table.values.map(\.bitPattern) == expected.values.map(\.bitPattern))
    #expect(table.values[0..<3] == [0.25, 0.5, 1])
    #expect(table.values[6] == -.infinity && table.values[5].isNaN && table.values[9...].allSatisfy(\.isNaN))
}
