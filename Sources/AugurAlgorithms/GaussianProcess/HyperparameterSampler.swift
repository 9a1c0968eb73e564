import AugurCore
import AugurMath
import Foundation

/// Draws hyperparameter vectors (``HyperparameterPrior`` layout) from their posterior `p(θ | y) ∝ p(y | X, θ) p(θ)` by
/// univariate slice sampling with stepping out (Neal 2003), one coordinate after the other, inside the prior's box.
///
/// A MAP fit keeps one explanation of the data; with few observations several are about as likely (a coordinate that
/// looks irrelevant with 15 points may have a short lengthscale that no point has resolved yet). Averaging the
/// acquisition over posterior draws (Snoek et al. 2012, Spearmint's "integrated" acquisition) gives those explanations
/// their say. The chain starts at the MAP point, so its burn-in can be short.
struct HyperparameterSampler: Sendable {
    let likelihood: MarginalLikelihood
    let lower: [Double]
    let upper: [Double]
    /// The initial width of each coordinate's slice (log units for the variances and lengthscales).
    var width = 1.0
    /// The most times a slice is stepped out on each side.
    var maxSteps = 8
    /// The most points tried while shrinking a slice before the coordinate is left where it was.
    var maxShrinks = 40

    init(points: Matrix, values: [Double], prior: HyperparameterPrior) {
        self.likelihood = MarginalLikelihood(points: points, values: values, prior: prior)
        self.lower = prior.lowerBounds
        self.upper = prior.upperBounds
    }

    /// The log posterior at `theta` (up to a constant); `-infinity` outside the box or where the covariance cannot
    /// be factored.
    func logDensity(_ theta: [Double]) -> Double {
        for k in theta.indices where theta[k] < lower[k] || theta[k] > upper[k] { return -.infinity }
        var gradient = [Double](repeating: 0, count: theta.count)
        let value = -likelihood.negativeLogPosterior(theta, gradient: &gradient)
        return value.isNaN ? -.infinity : value
    }

    /// `count` draws, one every `thinning` sweeps after `burnIn` sweeps from `start`.
    func samples(from start: [Double], count: Int, burnIn: Int, thinning: Int, generator: inout SeededGenerator) -> [[Double]] {
        var theta = start.indices.map { Swift.min(Swift.max(start[$0], lower[$0]), upper[$0]) }
        var current = logDensity(theta)
        guard current.isFinite, count > 0 else { return [] }
        var draws: [[Double]] = []
        let sweeps = burnIn + count * Swift.max(thinning, 1)
        for sweep in 1...sweeps {
            for k in theta.indices {
                sweepCoordinate(k, theta: &theta, current: &current, generator: &generator)
            }
            if sweep > burnIn, (sweep - burnIn) % Swift.max(thinning, 1) == 0 { draws.append(theta) }
        }
        return draws
    }

    private func sweepCoordinate(_ k: Int, theta: inout [Double], current: inout Double, generator: inout SeededGenerator) {
        // The slice's height: log u + log p(θ), u uniform on (0, 1].
        let height = current + Foundation.log(Swift.max(1 - generator.nextUnit(), Double.leastNormalMagnitude))
        var probe = theta
        func density(at value: Double) -> Double {
            probe[k] = value
            return logDensity(probe)
        }
        let origin = theta[k]
        var left = origin - width * generator.nextUnit()
        var right = left + width
        var steps = 0
        while steps < maxSteps, left > lower[k], density(at: left) > height {
            left -= width
            steps += 1
        }
        steps = 0
        while steps < maxSteps, right < upper[k], density(at: right) > height {
            right += width
            steps += 1
        }
        left = Swift.max(left, lower[k])
        right = Swift.min(right, upper[k])
        for _ in 0..<maxShrinks {
            let value = left + (right - left) * generator.nextUnit()
            let density = density(at: value)
            if density > height {
                theta[k] = value
                current = density
                return
            }
            if value < origin { left = value } else { right = value }
        }
    }
}

/// An acquisition function averaged over several models of the same data (posterior draws of the hyperparameters):
/// `log((1/M) Σᵢ exp(sᵢ(x)))` with `sᵢ` the log EI (or log PI) of model `i`, i.e. the log of the integrated EI.
struct IntegratedAcquisition: Sendable {
    let models: [GaussianProcessModel]
    let evaluator: AcquisitionEvaluator

    /// The scores of the candidates (one per row); `-infinity` where no model gives a number.
    func scores(_ candidates: Matrix) -> [Double] {
        var perModel: [[Double]] = []
        for model in models {
            let (means, variances) = model.predict(candidates)
            perModel.append((0..<candidates.rows).map { evaluator.score(mean: means[$0], variance: variances[$0]) })
        }
        return (0..<candidates.rows).map { j in Self.logMeanExp(perModel.map { $0[j] }) }
    }

    /// The score at `point` and its gradient by the features.
    func scoreWithGradient(at point: [Double]) -> (score: Double, gradient: [Double]) {
        let d = point.count
        var scores: [Double] = []
        var gradients: [[Double]] = []
        for model in models {
            let prediction = model.predictWithGradient(at: point)
            let derivatives = evaluator.scoreDerivatives(mean: prediction.mean, variance: prediction.variance)
            scores.append(derivatives.score.isNaN ? -.infinity : derivatives.score)
            gradients.append((0..<d).map { derivatives.mean * prediction.meanGradient[$0] + derivatives.variance * prediction.varianceGradient[$0] })
        }
        let score = Self.logMeanExp(scores)
        var gradient = [Double](repeating: 0, count: d)
        guard score.isFinite else { return (score, gradient) }
        let total = score + Foundation.log(Double(models.count))
        for (i, value) in scores.enumerated() where value.isFinite {
            let weight = Foundation.exp(value - total)
            for k in 0..<d { gradient[k] += weight * gradients[i][k] }
        }
        return (score, gradient)
    }

    static func logMeanExp(_ values: [Double]) -> Double {
        guard let largest = values.filter({ !$0.isNaN }).max(), largest.isFinite else { return -.infinity }
        var sum = 0.0
        for value in values where value.isFinite { sum += Foundation.exp(value - largest) }
        return largest + Foundation.log(sum / Double(values.count))
    }
}
