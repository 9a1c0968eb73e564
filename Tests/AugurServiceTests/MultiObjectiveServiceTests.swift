import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// Two objectives (loss down, accuracy up) and a constraint (memory at most 2), over the counting designer.
private func severalObjectives(target: Double? = nil) -> StudySpec {
    var spec = StudySpec.testStudy(maxTrials: 20, parallel: 20, target: target)
    spec.objective.additionalMetrics = [
        MetricSpec(name: "accuracy", goal: .maximize), MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 2)),
    ]
    return spec
}

private func makeService(_ store: any StudyStore) -> StudyService {
    StudyService(store: store, designers: { _ in CountingDesigner() }, leaseDuration: 60, retryLimit: 2, isWorkerGone: { _ in false })
}

private func complete(_ service: StudyService, _ results: [(loss: Double, accuracy: Double, memory: Double)]) async throws {
    let trials = try await service.suggestTrials(study: "test", client: "a", count: results.count)
    for (trial, result) in zip(trials, results) {
        try await service.completeTrial(study: "test", trial: trial.id, .measurement(TrialMeasurement(
            metrics: ["loss": result.loss, "accuracy": result.accuracy, "memory": result.memory])))
    }
}

@Suite struct MultiObjectiveServiceTests {
    @Test(arguments: StoreKind.allCases)
    func bestTrialsAreTheFeasibleParetoFrontWithItsHypervolume(kind: StoreKind) async throws {
        let service = makeService(try kind.make())
        _ = try await service.createStudy(severalObjectives())
        try await complete(service, [(0.1, 0.5, 1), (0.3, 0.9, 2), (0.05, 0.95, 3), (0.2, 0.4, 1), (0.3, 0.9, 0.5)])
        // Trial 3 beats all but breaks the memory limit; 4 is dominated by 1; 2 and 5 are equal and both kept.
        let front = try await service.paretoFront(study: "test")
        #expect(front.trials.map(\.id) == [1, 2, 5])
        #expect(try await service.bestTrials(study: "test", count: 2).map(\.id) == [1, 2])
        // Derived reference: worst feasible loss 0.3 and accuracy 0.4, less a tenth of the ranges (0.2, 0.5).
        let reference = try #require(front.referencePoint)
        #expect(front.referencePointDerived)
        #expect(abs(reference[0] - 0.32) < 1e-12 && abs(reference[1] - 0.35) < 1e-12)
        // Boxes above (−0.32, 0.35) in maximization form: (−0.1, 0.5) and (−0.3, 0.9).
        let expected = (0.32 - 0.1) * (0.5 - 0.35) + (0.32 - 0.3) * (0.9 - 0.5)
        #expect(abs((front.hypervolume ?? 0) - expected) < 1e-12)
    }

    @Test(arguments: StoreKind.allCases)
    func theSpecsReferencePointIsUsedAsGiven(kind: StoreKind) async throws {
        let service = makeService(try kind.make())
        var spec = severalObjectives()
        spec.objective.referencePoint = [1, 0]
        _ = try await service.createStudy(spec)
        try await complete(service, [(0.5, 0.5, 1)])
        let front = try await service.paretoFront(study: "test")
        #expect(front.referencePoint == [1, 0] && !front.referencePointDerived)
        #expect(front.hypervolume == 0.25)
    }

    @Test(arguments: StoreKind.allCases)
    func oneObjectiveWithAConstraintRanksOnlySafeTrials(kind: StoreKind) async throws {
        let service = makeService(try kind.make())
        var spec = StudySpec.testStudy(maxTrials: 10, parallel: 10)
        spec.objective.additionalMetrics = [MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 2))]
        _ = try await service.createStudy(spec)
        try await complete(service, [(0.1, 0, 3), (0.3, 0, 2), (0.2, 0, 1), (0.05, 0, 9)])
        #expect(try await service.bestTrials(study: "test", count: 3).map(\.id) == [3, 2])
        #expect(try await service.listStudies().first?.bestValue == 0.2, "the summary's best value counts safe trials only")
    }

    @Test(arguments: StoreKind.allCases)
    func aTrialCompletesOnlyWithEveryObjectiveAndTheTargetNeedsASafeTrial(kind: StoreKind) async throws {
        let service = makeService(try kind.make())
        _ = try await service.createStudy(severalObjectives(target: 0.1))
        let trials = try await service.suggestTrials(study: "test", client: "a", count: 2)
        await #expect(throws: ServiceError.self) {
            try await service.completeTrial(study: "test", trial: trials[0].id, .measurement(TrialMeasurement(metrics: ["loss": 0.01])))
        }
        try await service.completeTrial(study: "test", trial: trials[0].id,
                                        .measurement(TrialMeasurement(metrics: ["loss": 0.01, "accuracy": 1, "memory": 5])))
        #expect(try await service.getStudy("test").state == .active, "an unsafe trial does not reach the target")
        try await service.completeTrial(study: "test", trial: trials[1].id,
                                        .measurement(TrialMeasurement(metrics: ["loss": 0.05, "accuracy": 1, "memory": 1])))
        #expect(try await service.getStudy("test").state == .completed)
    }
}
