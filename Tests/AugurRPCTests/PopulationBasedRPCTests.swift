import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import Testing

/// Population-based training over Augur's gRPC API: the study is created with its settings, and a worker's client
/// gets each trial's place in the population (its parent above all) with the suggestion.
@Suite struct PopulationBasedRPCTests {
    @Test func aWorkerGetsEachTrialsParentWithTheSuggestion() async throws {
        try await withTestServer(store: try SQLiteStudyStore(path: ":memory:")) { address, _ in
            try await withClient(address) { client in
                var spec = StudySpec.rpcStudy(name: "pbt", maxTrials: 6, parallel: 3)
                spec.algorithm = .populationBased(PopulationBasedTrainingSettings(population: 3, truncationThreshold: 0.34,
                                                                                  checkpointPath: "/ckpt"))
                #expect(try await client.createStudy(spec).spec == spec)
                let first = try await client.suggest(study: "pbt", client: "w", count: 3)
                #expect(first.trials.map(\.id) == [1, 2, 3])
                for trial in first.trials {
                    #expect(PopulationMember(metadata: first.metadata[trial.id] ?? []) == PopulationMember(generation: 0, member: trial.id - 1))
                    try await client.completeTrial(study: "pbt", trial: trial.id,
                                                   .measurement(TrialMeasurement(metrics: ["loss": Double(4 - trial.id)])))
                }
                // Trial 3 had the lowest loss, trial 1 the highest: member 0 of generation 1 starts from trial 3.
                let next = try await client.suggest(study: "pbt", client: "w", count: 3)
                #expect(next.trials.map(\.id) == [4, 5, 6])
                let parents = next.trials.map { PopulationMember(metadata: next.metadata[$0.id] ?? [])?.parent }
                #expect(parents == [3, 2, 3])
            }
        }
    }
}
