import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// The kept front candidates (docs/storage.md): however completions, prunes (the service's own, and stale ones from
/// a replica that read the candidates earlier) and deletions interleave, the front, its derived reference point and
/// hypervolume, and the ranking of one objective with a constraint are those of every completed trial.
@Suite struct FrontCandidateTests {
    /// `objectives` objectives and a constraint (`memory` at most 0.75), values on a coarse grid so that ties (equal
    /// points, equal worst values) are common.
    private static func spec(objectives: Int) -> StudySpec {
        var spec = StudySpec.testStudy(maxTrials: 1_000, parallel: 1_000)
        spec.objective.additionalMetrics = (1..<objectives).map { MetricSpec(name: "o\($0)", goal: $0 == 1 ? .maximize : .minimize) }
            + [MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 0.75))]
        return spec
    }

    private static func randomMeasurement(objectives: Int, using generator: inout SeededGenerator) -> TrialMeasurement {
        func grid() -> Double { Double(Int.random(in: 0...8, using: &generator)) / 8 }
        var metrics = ["loss": grid(), "memory": Double(Int.random(in: 0...4, using: &generator)) / 4]
        for k in 1..<objectives { metrics["o\(k)"] = grid() }
        return TrialMeasurement(metrics: metrics)
    }

    /// What the front must be, from every completed trial by pairwise dominance, and the reference point from their
    /// extremes.
    private struct BruteForce {
        var frontIDs: [Int]
        var ranked: [Int]
        var reference: [Double]?
        var hypervolume: Double?

        init(store: any StudyStore, objective: Objective) async throws {
            let names = objective.objectives.map(\.name) + objective.constraints.map(\.name)
            let table = try await store.completedFinalValues(study: "test", metrics: names)
            let outcomes = TrialOutcomes(ids: table.ids, metrics: table.metrics, table: table.values, objective: objective)
            let vectors = outcomes.vectors
            let front = vectors.indices.filter { i in !vectors.indices.contains { ParetoFront.dominates(vectors[$0], vectors[i]) } }
            func better(_ a: Int, _ b: Int) -> Bool {
                vectors[a][0] > vectors[b][0] || (vectors[a][0] == vectors[b][0] && outcomes.ids[a] < outcomes.ids[b])
            }
            frontIDs = front.sorted(by: better).map { outcomes.ids[$0] }
            ranked = vectors.indices.sorted(by: better).map { outcomes.ids[$0] }
            let derived = Hypervolume.derivedReference(vectors)
            reference = derived.map(objective.referencePointInMetricUnits)
            hypervolume = derived.map { Hypervolume.of(front.map { vectors[$0] }, reference: $0) }
        }
    }

    @Test(arguments: StoreKind.allCases, [1, 2, 3])
    func theFrontOfTheCandidatesIsTheFrontOfEveryTrial(kind: StoreKind, objectives: Int) async throws {
        for seed in UInt64(0)..<10 {
            var generator = SeededGenerator(seed: 7_000 + seed * 10 + UInt64(objectives))
            let store = try kind.make()
            let service = StudyService(store: store, designers: { _ in CountingDesigner() }, leaseDuration: 600, isWorkerGone: { _ in false })
            let spec = Self.spec(objectives: objectives)
            let objective = spec.objective
            _ = try await service.createStudy(spec)
            let names = objective.objectives.map(\.name) + objective.constraints.map(\.name)
            var running: [Int] = []
            var snapshots: [FrontCandidates] = []
            var completed = 0
            var everPruned = false
            for step in 0..<70 {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<5:
                    // Completions, some of trials suggested earlier (ids out of order), some infeasible.
                    running += try await service.suggestTrials(study: "test", client: "a", count: Int.random(in: 1...4, using: &generator))
                        .map(\.id).filter { !running.contains($0) }
                    for _ in 0..<Int.random(in: 1...max(1, running.count), using: &generator) where !running.isEmpty {
                        let id = running.remove(at: Int.random(in: running.indices, using: &generator))
                        if Int.random(in: 0..<12, using: &generator) == 0 {
                            try await service.completeTrial(study: "test", trial: id, .infeasible(reason: "test"))
                        } else {
                            let measurement = Self.randomMeasurement(objectives: objectives, using: &generator)
                            try await service.completeTrial(study: "test", trial: id, .measurement(measurement))
                            completed += 1
                        }
                    }
                case 5:
                    // A replica reads the candidates now and prunes later.
                    snapshots.append(try await store.frontCandidateValues(study: "test", metrics: names))
                case 6 where !snapshots.isEmpty:
                    let stale = snapshots.remove(at: Int.random(in: snapshots.indices, using: &generator))
                    let outcomes = TrialOutcomes(ids: stale.table.ids, metrics: stale.table.metrics, table: stale.table.values, objective: objective)
                    let prunable = outcomes.prunableIDs(of: stale.table.ids, frontAndReference: objective.isMultiObjective)
                    try await store.pruneTrials(study: "test", ids: prunable, generation: stale.generation)
                case 7 where Int.random(in: 0..<3, using: &generator) == 0:
                    let trials = try await service.trials(study: "test")
                    if let victim = trials.randomElement(using: &generator) {
                        try await service.deleteTrial(study: "test", trial: victim.id)
                        running.removeAll { $0 == victim.id }
                    }
                default:
                    break
                }
                let expected = try await BruteForce(store: store, objective: objective)
                let context = "seed \(seed), step \(step)"
                if objectives > 1 {
                    let front = try await service.paretoFront(study: "test")
                    #expect(front.trials.map(\.id) == expected.frontIDs, "\(context)")
                    #expect(front.referencePoint == expected.reference, "\(context)")
                    if let hypervolume = front.hypervolume, let wanted = expected.hypervolume {
                        #expect(abs(hypervolume - wanted) <= 1e-12 * max(1, abs(wanted)), "\(context)")
                    } else {
                        #expect(front.hypervolume == nil && expected.hypervolume == nil, "\(context)")
                    }
                } else {
                    #expect(try await service.bestTrials(study: "test", count: 1_000).map(\.id) == expected.ranked, "\(context)")
                }
                let candidates = try await store.frontCandidateValues(study: "test", metrics: names).table.ids.count
                let all = try await store.completedFinalValues(study: "test", metrics: names).ids.count
                everPruned = everPruned || candidates < all
            }
            #expect(completed > 20)
            #expect(everPruned, "seed \(seed): the candidates never shrank")
        }
    }

    /// The completion path prunes on its own: a study whose front is never read keeps few candidates.
    @Test(arguments: StoreKind.allCases)
    func completionsPruneWithoutAFrontRead(kind: StoreKind) async throws {
        let store = try kind.make()
        let service = StudyService(store: store, designers: { _ in CountingDesigner() }, leaseDuration: 600, isWorkerGone: { _ in false })
        let spec = Self.spec(objectives: 2)
        _ = try await service.createStudy(spec)
        // Trial i has loss i/100 and o1 = -i/100: each later trial is dominated by the first, none is a worst value
        // but the last (largest loss, smallest o1), and trial 1 is the front.
        let trials = try await service.suggestTrials(study: "test", client: "a", count: 64)
        for trial in trials {
            let value = Double(trial.id) / 100
            try await service.completeTrial(study: "test", trial: trial.id,
                                            .measurement(TrialMeasurement(metrics: ["loss": value, "o1": -value, "memory": 0])))
        }
        let names = ["loss", "o1", "memory"]
        let candidates = try await store.frontCandidateValues(study: "test", metrics: names).table.ids
        #expect(candidates == [1, 64], "pruned at the 16th, 32nd, 48th and 64th completions: \(candidates)")
        #expect(try await service.paretoFront(study: "test").trials.map(\.id) == [1])
    }
}
