import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// A GP study served past `GaussianProcessDesigner.backgroundRefitThreshold` observations: from there the service
/// serves suggestions from the last fit and refits on its refit pool; the study still runs to its budget with valid,
/// distinct, model-based suggestions.
@Suite struct GaussianProcessRefitServiceTests {
    @Test(arguments: StoreKind.allCases) func aStudyPastTheBackgroundThresholdRunsToItsBudget(kind: StoreKind) async throws {
        let service = StudyService(store: try kind.make(), leaseDuration: 60, retryLimit: 2, isWorkerGone: { _ in false })
        let budget = GaussianProcessDesigner.backgroundRefitThreshold + 6
        let spec = StudySpec(name: "refits", searchSpace: SearchSpace([.double("x", min: 0, max: 1), .double("y", min: 0, max: 1)]),
                             objective: Objective(metric: "loss", goal: .minimize),
                             algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 5)),
                             budget: Budget(maxTrials: budget, parallelTrials: 1), seed: 4)
        _ = try await service.createStudy(spec)
        var seen = Set<ParameterAssignment>()
        for _ in 0..<budget {
            let trial = try #require(try await service.suggestTrials(study: "refits", client: "a", count: 1).first)
            let x = try #require(trial.parameters["x"]?.doubleValue)
            let y = try #require(trial.parameters["y"]?.doubleValue)
            #expect((0...1).contains(x) && (0...1).contains(y))
            #expect(seen.insert(trial.parameters).inserted)
            try await service.completeTrial(study: "refits", trial: trial.id,
                                            .measurement(TrialMeasurement(metrics: ["loss": (x - 0.3) * (x - 0.3) + sin(7 * y)])))
        }
        #expect(try await service.suggestTrials(study: "refits", client: "a", count: 1).isEmpty)
        let metadata = try await service.metadata(study: "refits")
        for id in (budget - 5)...budget {
            let source = metadata.entries(ofTrial: id).first { $0.namespace == "augur.gp" && $0.key == "source" }
            #expect(source?.value == .text("model"))
        }
    }
}
