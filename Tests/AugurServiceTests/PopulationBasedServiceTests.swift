import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// Population-based training through the service: the designer's generation, member and parent are stored as each
/// trial's metadata and handed out with the trial, also when it is assigned again.
@Suite struct PopulationBasedServiceTests {
    static func spec(population: Int = 3, maxTrials: Int = 9, parallel: Int = 3) -> StudySpec {
        .testStudy(maxTrials: maxTrials, parallel: parallel,
                   algorithm: .populationBased(PopulationBasedTrainingSettings(population: population, truncationThreshold: 0.34)))
    }

    @Test(arguments: StoreKind.allCases) func lineageIsStoredAndHandedOutWithTheTrials(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = StudyService(store: store, leaseDuration: 60, isWorkerGone: { _ in false })
        _ = try await service.createStudy(Self.spec())
        let first = try await service.suggest(study: "test", client: "a", count: 3)
        #expect(first.trials.map(\.id) == [1, 2, 3])
        for trial in first.trials {
            let member = try #require(PopulationMember(metadata: first.metadata[trial.id] ?? []))
            #expect(member == PopulationMember(generation: 0, member: trial.id - 1))
        }
        // Generation 1 waits for generation 0.
        try await service.completeTrial(study: "test", trial: 1, .measurement(TrialMeasurement(metrics: ["loss": 3])))
        #expect(try await service.suggest(study: "test", client: "b", count: 1).trials.isEmpty)
        try await service.completeTrial(study: "test", trial: 2, .measurement(TrialMeasurement(metrics: ["loss": 1])))
        try await service.completeTrial(study: "test", trial: 3, .measurement(TrialMeasurement(metrics: ["loss": 2])))

        let next = try await service.suggest(study: "test", client: "b", count: 1)
        let trial = try #require(next.trials.first)
        #expect(trial.id == 4)
        // Trial 1 was the worst: member 0 of generation 1 copies the best (trial 2) and starts from its checkpoint.
        let member = try #require(PopulationMember(metadata: next.metadata[4] ?? []))
        #expect(member == PopulationMember(generation: 1, member: 0, parent: 2))
        let stored = try await service.metadata(study: "test")
        #expect(PopulationMember(metadata: stored.entries(ofTrial: 4)) == member)
        #expect(PopulationMember(metadata: stored.entries(ofTrial: 1)) == PopulationMember(generation: 0, member: 0))

        // Given back, the trial is handed out again with its parent read from the store.
        try await service.releaseTrials(study: "test", client: "b", trials: [4])
        let again = try await service.suggest(study: "test", client: "c", count: 1)
        #expect(again.trials.map(\.id) == [4])
        #expect(PopulationMember(metadata: again.metadata[4] ?? []) == member)
    }

    @Test func otherDesignersRecordNothing() async throws {
        let service = StudyService(store: InMemoryStudyStore(), leaseDuration: 60, isWorkerGone: { _ in false })
        _ = try await service.createStudy(.testStudy(maxTrials: 3, parallel: 3))
        let suggestion = try await service.suggest(study: "test", client: "a", count: 2)
        #expect(suggestion.trials.count == 2)
        #expect(suggestion.metadata.isEmpty)
        #expect(try await service.metadata(study: "test").trials.isEmpty)
    }
}
