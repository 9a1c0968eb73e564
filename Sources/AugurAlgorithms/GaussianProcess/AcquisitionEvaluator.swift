import AugurCore
import Foundation

/// Scores points from the posterior for one `AcquisitionFunction`; larger scores are better.
///
/// Expected improvement is always maximized in log space: `log EI = log σ + log h(z)`, `z = (μ − y*)/σ`, with the
/// stable `log h` of ``NormalDistribution``. EI and log EI have the same maximizer, but plain EI underflows to zero
/// a few standard deviations below the incumbent and leaves the optimizer on a flat plateau; that is why both
/// `.expectedImprovement` and `.logExpectedImprovement` are scored this way. Probability of improvement is likewise
/// scored as `log Φ(z)`, with `z` measured from `y* + 0.01` (standardized units): without that margin PI is largest
/// right next to the incumbent and a batch collapses onto it. UCB is `μ + β σ`.
struct AcquisitionEvaluator: Sendable {
    let function: AcquisitionFunction
    let beta: Double
    /// The best (largest) warped value observed, `y*`.
    let incumbent: Double

    /// The improvement probability of improvement asks for beyond the incumbent.
    static let improvementMargin = 0.01

    /// The score from a posterior mean and variance.
    func score(mean: Double, variance: Double) -> Double {
        let deviation = Swift.max(variance, 1e-300).squareRoot()
        switch function {
        case .upperConfidenceBound:
            return mean + beta * deviation
        case .expectedImprovement, .logExpectedImprovement:
            let z = (mean - incumbent) / deviation
            return Foundation.log(deviation) + NormalDistribution.logExpectedImprovementFactor(z).value
        case .probabilityOfImprovement:
            return NormalDistribution.logCumulative((mean - incumbent - Self.improvementMargin) / deviation).value
        }
    }

    /// The score's partial derivatives with respect to the posterior mean and variance.
    func scoreDerivatives(mean: Double, variance: Double) -> (score: Double, mean: Double, variance: Double) {
        let deviation = Swift.max(variance, 1e-300).squareRoot()
        let z = (mean - incumbent) / deviation
        let score: Double
        let byMean: Double
        let byDeviation: Double
        switch function {
        case .upperConfidenceBound:
            score = mean + beta * deviation
            byMean = 1
            byDeviation = beta
        case .expectedImprovement, .logExpectedImprovement:
            let (logFactor, ratio) = NormalDistribution.logExpectedImprovementFactor(z)
            score = Foundation.log(deviation) + logFactor
            byMean = ratio / deviation
            byDeviation = (1 - z * ratio) / deviation
        case .probabilityOfImprovement:
            let margin = (mean - incumbent - Self.improvementMargin) / deviation
            let (value, ratio) = NormalDistribution.logCumulative(margin)
            score = value
            byMean = ratio / deviation
            byDeviation = -margin * ratio / deviation
        }
        return (score, byMean, byDeviation / (2 * deviation))
    }
}
