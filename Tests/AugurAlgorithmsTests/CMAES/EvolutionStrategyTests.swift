import Testing
import AugurCore
@testable import AugurAlgorithms

/// One CMA-ES step, checked against the `cmaes` package (0.13.1, which Optuna's CmaEsSampler runs): the numbers
/// below are what `CMA(mean=[0.5, 0.5], sigma=1/6, bounds=[[0, 1], [0, 1]]).tell(...)` leaves in `_mean`, `_sigma`,
/// `_C`, `_p_sigma` and `_pc`.
@Suite struct EvolutionStrategyTests {
    static let firstGeneration: [(point: [Double], loss: Double)] = [
        ([0.6, 0.4], 1), ([0.3, 0.7], 5), ([0.55, 0.45], 0.5), ([0.8, 0.2], 3), ([0.4, 0.5], 2), ([0.5, 0.9], 4),
    ]
    static let secondGeneration: [(point: [Double], loss: Double)] = [
        ([0.62, 0.41], 0.3), ([0.5, 0.5], 2), ([0.58, 0.35], 0.4), ([0.7, 0.3], 0.9), ([0.45, 0.55], 3), ([0.66, 0.38], 0.2),
    ]

    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func defaultPopulationIsFourPlusThreeLogN() {
        #expect(EvolutionStrategy.defaultPopulationSize(dimension: 2) == 6)
        #expect(EvolutionStrategy.defaultPopulationSize(dimension: 6) == 9)
        #expect(EvolutionStrategy.defaultPopulationSize(dimension: 1) == 4)
        let strategy = EvolutionStrategy(mean: [0.5, 0.5], sigma: 1.0 / 6)
        #expect(strategy.parentCount == 3)
        // Positive weights sum to 1; the active (negative) ones are scaled by min α.
        #expect(abs(strategy.weights.prefix(3).reduce(0, +) - 1) < 1e-12)
        #expect(strategy.weights.dropFirst(3).allSatisfy { $0 < 0 })
    }

    @Test func oneGenerationMatchesTheReference() {
        var strategy = EvolutionStrategy(mean: [0.5, 0.5], sigma: 1.0 / 6)
        strategy.tell(Self.firstGeneration)
        #expect(strategy.generation == 1)
        #expect(Self.close(strategy.mean, [0.5524704371737892, 0.43969084569413586]))
        #expect(abs(strategy.sigma - 0.14080610437012905) < 1e-12)
        #expect(Self.close(strategy.covariance[0], [0.8692025424028496, 0.04347470335112996]))
        #expect(Self.close(strategy.covariance[1], [0.04347470335112996, 0.7876365189624641]))
        #expect(Self.close(strategy.sigmaPath, [0.3733614224733141, -0.4291390133690011]))
        #expect(Self.close(strategy.covariancePath, [0.41559684558199367, -0.47768411393673993]))
    }

    @Test func secondGenerationUsesTheAdaptedCovariance() {
        var strategy = EvolutionStrategy(mean: [0.5, 0.5], sigma: 1.0 / 6)
        strategy.tell(Self.firstGeneration)
        strategy.tell(Self.secondGeneration)
        #expect(Self.close(strategy.mean, [0.6423462159968186, 0.3861854925835185], 1e-11))
        #expect(abs(strategy.sigma - 0.14193671750188677) < 1e-11)
        #expect(Self.close(strategy.covariance[0], [0.8834445040939161, 0.01950396325075202], 1e-11))
        #expect(Self.close(strategy.covariance[1], [0.019503963250752, 0.6941491079009975], 1e-11))
    }

    @Test func samplesStayInTheBox() {
        let strategy = EvolutionStrategy(mean: [0.95, 0.02, 0.5], sigma: 0.5)
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<500 {
            #expect(strategy.sample(using: &generator).allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test func aFlatObjectiveStopsTheRun() {
        // Equal values in every generation: the best-to-worst range of the recent history is 0, so the run stops
        // once that history (10 + ⌈30 · 2 / 6⌉ = 20 generations) is full.
        var strategy = EvolutionStrategy(mean: [0.5, 0.5], sigma: 1.0 / 6)
        var generator = SeededGenerator(seed: 8)
        var stoppedAt: Int?
        for generation in 1...40 where stoppedAt == nil {
            strategy.tell((0..<6).map { _ in (strategy.sample(using: &generator), 1.0) })
            if strategy.shouldStop { stoppedAt = generation }
        }
        #expect(stoppedAt == 21)
    }

    @Test func eigendecompositionRebuildsTheMatrix() {
        let matrix = [[4.0, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]]
        let eigen = SymmetricEigen(matrix)
        for i in 0..<3 {
            for j in 0..<3 {
                let rebuilt = (0..<3).reduce(0.0) { $0 + eigen.vectors[i][$1] * eigen.values[$1] * eigen.vectors[j][$1] }
                #expect(abs(rebuilt - matrix[i][j]) < 1e-12)
            }
        }
    }
}
