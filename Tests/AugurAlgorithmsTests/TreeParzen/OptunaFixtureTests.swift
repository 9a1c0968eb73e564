import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

/// Univariate TPE fed the same history as Optuna 5.1.0's `TPESampler(multivariate=False)`: the split, each
/// parameter's below and above estimators (weights, centres, bandwidths) and the acquisition `log l − log g` at fixed
/// points must match Optuna's own numbers. The history is 30 completed trials of `(x0 − 0.3)² + ((x1 − 4)/15)² +
/// 0.1·sin(7·x0)` on x0 ∈ [0, 1], x1 ∈ [−5, 10] (points from `numpy.random.RandomState(7)`, rounded); the expected
/// values were printed by `_split_trials` and `TPESampler._build_parzen_estimator` for that study (the mixture's
/// `weights`, `mu`, `sigma` and `log_pdf`). Optuna works in the parameter's own units: its `mu` and `sigma` are
/// Augur's unit coordinates times the range, and its densities differ by the range's logarithm, which cancels in
/// the ratio.
@Suite struct OptunaFixtureTests {
    static let points: [(Double, Double)] = [
        (0.076, 6.7), (0.438, 5.85), (0.978, 3.08), (0.501, -3.92), (0.268, 2.5), (0.679, 7.06), (0.381, -4.01),
        (0.288, 8.64), (0.213, 1.78), (0.931, -4.63), (0.601, 9.25), (0.23, 3.23), (0.909, -3.0), (0.523, 6.26),
        (0.669, 2.02), (0.205, 2.36), (0.372, 2.16), (0.366, 7.57), (0.769, -0.29), (0.573, -0.86), (0.453, 0.29),
        (0.657, 0.56), (0.459, 5.79), (0.413, 8.6), (0.18, 6.12), (0.422, 1.4), (0.634, 2.84), (0.415, -4.98),
        (0.092, 5.64), (0.524, 5.44),
    ]
    static let space = SearchSpace([.double("x0", min: 0, max: 1), .double("x1", min: -5, max: 10)])

    /// Optuna's numbers for one parameter: range, the estimators' `mu` and `sigma` (prior last), and the acquisition
    /// at `at` (in the parameter's units).
    struct Expected: Sendable {
        var parameter: Int
        var low: Double
        var range: Double
        var belowMu: [Double]
        var belowSigma: [Double]
        var aboveSigma: [Double]
        var at: [Double]
        var ratio: [Double]
    }

    static let expected: [Expected] = [
        Expected(parameter: 0, low: 0, range: 1, belowMu: [0.523, 0.634, 0.524, 0.5], belowSigma: [0.2, 0.2, 0.2, 1.0],
                 aboveSigma: [0.034482758620689655, 0.034482758620689655, 0.04699999999999993, 0.07199999999999995,
                              0.038000000000000006, 0.08999999999999997, 0.034482758620689655, 0.07800000000000001,
                              0.034482758620689655, 0.04699999999999993, 0.05600000000000005, 0.038000000000000006, 0.14,
                              0.034482758620689655, 0.034482758620689655, 0.034482758620689655, 0.07800000000000001, 0.14,
                              0.07199999999999995, 0.034482758620689655, 0.05600000000000005, 0.04199999999999998,
                              0.034482758620689655, 0.088, 0.034482758620689655, 0.034482758620689655, 0.088, 1.0],
                 at: [0.05, 0.3, 0.62, 0.97],
                 ratio: [0.0753712838951981, 0.03514930258488547, 0.4323414867143426, -0.7077554678036406]),
        Expected(parameter: 1, low: -5, range: 15, belowMu: [6.26, 2.84, 5.44, 2.5], belowSigma: [3.0, 3.0, 3.0, 15.0],
                 aboveSigma: [0.5800000000000001, 0.5172413793103449, 0.5800000000000001, 0.9199999999999999,
                              0.5800000000000001, 0.5172413793103449, 0.6200000000000001, 0.6099999999999994,
                              0.5172413793103449, 0.6200000000000001, 0.6099999999999994, 2.4099999999999997, 2.14,
                              0.5172413793103449, 0.5172413793103449, 0.5172413793103449, 1.0299999999999994, 0.58, 2.14,
                              0.58, 0.8399999999999999, 0.5172413793103449, 1.0299999999999994, 0.5800000000000001,
                              0.8399999999999999, 0.5172413793103449, 2.4099999999999997, 15.0],
                 at: [-4.5, 0.0, 4.0, 9.5],
                 ratio: [-1.8584233871030138, -0.4572842282536711, 1.5605575533415825, 0.03613046996570457]),
    ]

    static func split() -> (good: [[Double]], bad: [[Double]]) {
        let trials = points.enumerated().map { offset, point in
            let loss = pow(point.0 - 0.3, 2) + pow((point.1 - 4) / 15, 2) + 0.1 * sin(7 * point.0)
            return Trial(id: offset + 1, study: "test", parameters: ["x0": .double(point.0), "x1": .double(point.1)],
                         state: .completed, finalMeasurement: TrialMeasurement(metrics: ["loss": loss]))
        }
        let history = TreeParzenHistory(request: DesignRequest(count: 1, history: trials, trialCount: trials.count),
                                        objective: Objective(metric: "loss", goal: .minimize), space: space,
                                        dimensions: [.numeric, .numeric])
        // Optuna's default gamma: min(⌈0.1 · 30⌉, 25) = 3; its below trials are numbers 13, 26 and 29 (ids 14, 27, 30).
        return history.split(goodCount: 3)
    }

    @Test func theSplitIsOptunas() {
        let (good, bad) = Self.split()
        #expect(good.map { $0[0] } == [0.523, 0.634, 0.524])
        #expect(bad.count == 27)
    }

    @Test(arguments: expected.map(\.parameter))
    func estimatorsAndAcquisitionMatchOptuna(parameter: Int) {
        let expected = Self.expected[parameter]
        let (good, bad) = Self.split()
        let column = { (rows: [[Double]]) in rows.map { [$0[parameter]] } }
        let below = ParzenEstimator(observations: column(good), dimensions: [.numeric], priorWeight: 1)
        let above = ParzenEstimator(observations: column(bad), dimensions: [.numeric], priorWeight: 1)
        let units = { (values: [Double]) in values.map { $0 * expected.range } }
        let close = { (lhs: [Double], rhs: [Double]) in lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { abs($0 - $1) < 1e-9 } }
        #expect(close(below.centres[0].map { expected.low + $0 * expected.range }, expected.belowMu))
        #expect(close(units(below.bandwidths[0]), expected.belowSigma))
        #expect(close(units(above.bandwidths[0]), expected.aboveSigma))
        // Weights: 3 below, each 1/4 with the prior; 27 above, the oldest two ramped (1/27 and 1), then 25 at 1, the
        // prior 1, over 27 + 1/27.
        #expect(close(below.componentWeights, [0.25, 0.25, 0.25, 0.25]))
        #expect(abs(above.componentWeights[0] - 0.00136986301369863) < 1e-12)
        #expect(above.componentWeights.dropFirst().allSatisfy { abs($0 - 0.036986301369863014) < 1e-12 })
        for (value, ratio) in zip(expected.at, expected.ratio) {
            let unit = [(value - expected.low) / expected.range]
            let ours = below.logDensity(at: unit) - above.logDensity(at: unit)
            #expect(abs(ours - ratio) < 1e-9, "at \(value): \(ours) against Optuna's \(ratio)")
        }
    }
}
