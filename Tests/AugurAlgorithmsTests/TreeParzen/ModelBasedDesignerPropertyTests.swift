import Testing
import AugurCore
@testable import AugurAlgorithms

/// Every suggestion of TPE and CMA-ES is a legal point of the space, for every parameter kind, in batches with
/// pending trials, from the first trial on.
@Suite struct ModelBasedDesignerPropertyTests {
    static let algorithms: [AlgorithmSpec] = [
        .treeParzen(TreeParzenSettings(startupTrials: 5)), .treeParzen(TreeParzenSettings(startupTrials: 5, multivariate: true)),
        .cmaes(CMAESSettings()), .cmaes(CMAESSettings(sigma: 0.5, restartStrategy: .ipop)),
    ]

    @Test(arguments: DesignerPropertyTests.spaces, algorithms)
    func everySuggestionIsValid(space: SearchSpace, algorithm: AlgorithmSpec) throws {
        let designer = try DesignerFactory.make(for: Fixtures.spec(space, algorithm: algorithm, seed: 17))
        var trials: [Trial] = []
        var generator = SeededGenerator(seed: 5)
        while trials.count < 60 {
            let pending = trials.filter { $0.state == .active }.map(\.parameters)
            let batch = try designer.suggest(DesignRequest(count: 4, history: trials, trialCount: trials.count, pending: pending))
            #expect(batch.count == 4)
            for assignment in batch {
                #expect(space.isValid(assignment), "\(algorithm.name): \(assignment)")
                trials.append(Trial(id: trials.count + 1, study: "test", parameters: assignment, state: .active))
            }
            // Finish all but the newest two, with a value that depends on the point.
            for index in trials.indices.dropLast(2) where trials[index].state == .active {
                let value = space.unitPoint(of: trials[index].parameters)?.enumerated()
                    .reduce(0.0) { $0 + Double($1.offset + 1) * $1.element * $1.element } ?? 0
                trials[index].state = generator.nextUnit() < 0.1 ? .failed : .completed
                trials[index].finalMeasurement = TrialMeasurement(metrics: ["loss": value])
            }
        }
    }
}
