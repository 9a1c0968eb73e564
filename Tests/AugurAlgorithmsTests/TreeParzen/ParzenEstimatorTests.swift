import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

/// The estimator's kernels, checked by hand against Optuna's rules (magic clip, no endpoints, prior last).
@Suite struct ParzenEstimatorTests {
    @Test func bandwidthIsTheWiderGapToANeighbourExceptAtTheEnds() {
        // Sorted with the ends: 0, 0.2, 0.5, 0.9, 1. Gaps: 0.2 | 0.3 | 0.4 | 0.1.
        // 0.5 takes max(0.3, 0.4) = 0.4; the outermost take their inner gap only: 0.2 → 0.3, 0.9 → 0.4.
        // The magic clip's floor is 1 / min(100, 3 + 2) = 0.2, below all three.
        let bandwidths = ParzenEstimator.bandwidths(of: [0.9, 0.2, 0.5])
        #expect(zip(bandwidths, [0.4, 0.3, 0.4]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func closeObservationsAreClippedToTheFloor() {
        // Gaps 0.02 each; the floor is 1 / min(100, 2 + 2) = 0.25.
        #expect(ParzenEstimator.bandwidths(of: [0.5, 0.52]) == [0.25, 0.25])
        // One observation: the wider gap to an end, 0.8 (the ends count when there is no neighbour).
        #expect(ParzenEstimator.bandwidths(of: [0.2]) == [0.8])
    }

    @Test func observationWeightsRampBeyondTwentyFive() {
        #expect(ParzenEstimator.observationWeights(3) == [1, 1, 1])
        let weights = ParzenEstimator.observationWeights(27)
        // linspace(1/27, 1, 2) then 25 ones.
        #expect(weights.count == 27)
        #expect(abs(weights[0] - 1.0 / 27) < 1e-15)
        #expect(weights[1] == 1)
        #expect(weights.dropFirst().allSatisfy { $0 == 1 })
        #expect(ParzenEstimator.observationWeights(0).isEmpty)
    }

    @Test func componentWeightsGiveThePriorItsWeight() {
        let estimator = ParzenEstimator(observations: [[0.1], [0.4], [0.7]], dimensions: [.numeric], priorWeight: 2)
        #expect(estimator.componentWeights == [0.2, 0.2, 0.2, 0.4])
        // The prior is the last kernel: centred at 1/2 with bandwidth 1.
        #expect(estimator.centres[0].last == 0.5)
        #expect(estimator.bandwidths[0].last == 1)
    }

    @Test func categoricalKernelsMixEachObservationWithThePrior() throws {
        // Two observations (values 0 and 2 of 3), prior weight 1: every cell starts at 1/3 (= w / (n + 1)), the
        // observed one gets +1, rows normalized: [4/3, 1/3, 1/3] / 2.
        let estimator = ParzenEstimator(observations: [[0], [2]], dimensions: [.categorical(count: 3)], priorWeight: 1)
        let rows = estimator.probabilities[0]
        #expect(rows.count == 3)
        #expect(zip(rows[0], [2.0 / 3, 1.0 / 6, 1.0 / 6]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(rows[1], [1.0 / 6, 1.0 / 6, 2.0 / 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(rows[2], [1.0 / 3, 1.0 / 3, 1.0 / 3]).allSatisfy { abs($0 - $1) < 1e-12 })
        // log p(value 2) = log(1/3 · (1/6 + 2/3 + 1/3)) = log(7/18).
        #expect(abs(estimator.logDensity(at: [2]) - log(7.0 / 18)) < 1e-12)
    }

    @Test func densityIsTheWeightedMixtureOfTruncatedNormals() {
        // The prior alone: N(1/2, 1) truncated to [0, 1], at 1/2: φ(0) / (Φ(1/2) − Φ(−1/2)).
        let prior = ParzenEstimator(observations: [], dimensions: [.numeric], priorWeight: 1)
        #expect(abs(prior.logDensity(at: [0.5]) - 0.04097780049094946) < 1e-9)
        // One observation at 0.2 (bandwidth 0.8) and the prior, half each, at 0.3 (computed with Python's erfc).
        let one = ParzenEstimator(observations: [[0.2]], dimensions: [.numeric], priorWeight: 1)
        #expect(abs(one.logDensity(at: [0.3]) - 0.07027566600812075) < 1e-9)
    }

    /// An integer (or stepped double) on linear scale is scored by each kernel's mass over the value's cell, as
    /// Optuna's `_BatchedDiscreteTruncNormDistributions` scores it; the expected values are Optuna 5.1's
    /// `_ParzenEstimator.log_pdf` for `IntDistribution(1, 4)` and `IntDistribution(1, 20)` with the same observations.
    @Test(arguments: [
        (cells: 4, observed: [1, 3], values: [1, 2, 3, 4], optuna: [-1.3512024211656277, -1.2825184134065801, -1.360010162071093, -1.5746736014432536]),
        (cells: 20, observed: [2, 3, 7, 8, 20], values: [1, 8, 20], optuna: [-2.5779635135354395, -2.8755368943060544, -3.6684430767807994]),
    ] as [(cells: Int, observed: [Int], values: [Int], optuna: [Double])])
    func aLatticeValueIsScoredByTheMassOfItsCell(cells: Int, observed: [Int], values: [Int], optuna: [Double]) {
        // Value v of 1…cells sits at the centre of its cell, (v − 1/2) / cells.
        let unit = { (value: Int) in (Double(value) - 0.5) / Double(cells) }
        let estimator = ParzenEstimator(observations: observed.map { [unit($0)] }, dimensions: [.lattice(cells: cells)], priorWeight: 1)
        for (value, expected) in zip(values, optuna) {
            #expect(abs(estimator.logDensity(at: [unit(value)]) - expected) < 1e-9, "value \(value)")
        }
        // The masses of all cells add up to 1.
        let total = (1...cells).map { exp(estimator.logDensity(at: [unit($0)])) }.reduce(0, +)
        #expect(abs(total - 1) < 1e-9)
    }

    @Test func farOutACellsMassStaysFinite() {
        // Both ends 40 bandwidths out: Φ underflows, the mass is taken from the density at the nearer end.
        let logMass = TruncatedUnitNormal.logMass(from: 40, to: 41)
        #expect(logMass.isFinite && logMass < -700)
        #expect(abs(TruncatedUnitNormal.logMass(from: -1, to: 1) - log(0.6826894921370859)) < 1e-12)
    }

    @Test func samplesStayInTheUnitIntervalAndFollowTheKernels() {
        let estimator = ParzenEstimator(observations: [[0.05], [0.1]], dimensions: [.numeric], priorWeight: 0)
        var generator = SeededGenerator(seed: 3)
        let draws = estimator.sample(count: 2000, using: &generator).map { $0[0] }
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Without a prior all mass is near 0.05–0.1 (bandwidths 0.25 after the clip, truncated at 0).
        let mean = draws.reduce(0, +) / Double(draws.count)
        #expect(mean < 0.3)
    }
}
