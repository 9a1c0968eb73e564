import AugurCore
import AugurMath
import Foundation

/// Maximizes an acquisition function over the feature box: scores a large candidate set in one batched posterior
/// evaluation (`dgemm` + `dtrsm`), then refines a few with L-BFGS-B on the analytic gradient: the best
/// `refinements` candidates, and `diverseRefinements` more, each the best candidate at least `diversityRadius` away
/// from every start already chosen. The best candidates usually crowd around the incumbent; the diverse starts let
/// the refinement find a better maximum of the acquisition in another basin.
struct AcquisitionOptimizer: Sendable {
    /// A point the optimizer proposes, best first.
    struct Proposal: Sendable {
        var features: [Double]
        var score: Double
    }

    /// How many of the best candidates are refined by gradient.
    var refinements: Int
    /// Iteration limit of each refinement.
    var refinementIterations: Int
    /// How many further refinement starts are chosen for their distance from the others.
    var diverseRefinements: Int = 0
    /// The feature-space distance between diverse starts.
    var diversityRadius: Double = 0.2

    /// The candidates ordered by score, the refined ones (with their refined features) first.
    ///
    /// - Parameters:
    ///   - candidates: one candidate per row, in feature space.
    ///   - lower, upper: the box refinement stays in (a trust region or the unit cube); features outside
    ///     `movable` are held fixed (categorical one-hot blocks).
    func maximize(model: GaussianProcessModel, evaluator: AcquisitionEvaluator, candidates: Matrix, lower: [Double], upper: [Double],
                  movable: [Int]) -> [Proposal] {
        maximize(model: model, evaluator: evaluator, candidates: candidates, scores: scores(model: model, evaluator: evaluator, candidates: candidates),
                 lower: lower, upper: upper, movable: movable)
    }

    /// The acquisition scores of the candidates (one per row), from one batched posterior evaluation; `-infinity`
    /// where the score is not a number.
    func scores(model: GaussianProcessModel, evaluator: AcquisitionEvaluator, candidates: Matrix) -> [Double] {
        let (means, variances) = model.predict(candidates)
        return (0..<candidates.rows).map { j in
            let score = evaluator.score(mean: means[j], variance: variances[j])
            return score.isNaN ? -.infinity : score
        }
    }

    /// As ``maximize(model:evaluator:candidates:lower:upper:movable:)``, with the candidates' `scores` already known;
    /// the rows `alsoRefining` are refined too, beyond the best `refinements`.
    func maximize(model: GaussianProcessModel, evaluator: AcquisitionEvaluator, candidates: Matrix, scores: [Double], lower: [Double],
                  upper: [Double], movable: [Int], alsoRefining: [Int] = []) -> [Proposal] {
        let m = candidates.rows
        let d = candidates.columns
        let order = (0..<m).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var starts = Array(order.prefix(refinements))
        for index in alsoRefining where !starts.contains(index) { starts.append(index) }
        if diverseRefinements > 0 {
            var added = 0
            let radiusSquared = diversityRadius * diversityRadius
            for index in order.dropFirst(refinements) where added < diverseRefinements {
                let row = candidates.row(index)
                let isFar = starts.allSatisfy { start in
                    var distance = 0.0
                    for k in 0..<d { distance += (row[k] - candidates[start, k]) * (row[k] - candidates[start, k]) }
                    return distance >= radiusSquared
                }
                if isFar {
                    starts.append(index)
                    added += 1
                }
            }
        }
        let optimizer = BoundedLBFGS(options: .init(memory: 8, maxIterations: refinementIterations, maxEvaluations: 3 * refinementIterations,
                                                    gradientTolerance: 1e-7, relativeTolerance: 1e-9))
        var refined: [Proposal] = []
        for index in starts {
            let start = candidates.row(index)
            guard !movable.isEmpty else {
                refined.append(Proposal(features: start, score: scores[index]))
                continue
            }
            var boxLower = start
            var boxUpper = start
            for feature in movable {
                boxLower[feature] = Swift.min(lower[feature], start[feature])
                boxUpper[feature] = Swift.max(upper[feature], start[feature])
            }
            let result = optimizer.minimize(from: start, lower: boxLower, upper: boxUpper) { point, gradient in
                let prediction = model.predictWithGradient(at: point)
                let derivatives = evaluator.scoreDerivatives(mean: prediction.mean, variance: prediction.variance)
                guard derivatives.score.isFinite else { return .infinity }
                for k in 0..<d {
                    gradient[k] = -(derivatives.mean * prediction.meanGradient[k] + derivatives.variance * prediction.varianceGradient[k])
                }
                return -derivatives.score
            }
            if result.value.isFinite, -result.value > scores[index] {
                refined.append(Proposal(features: result.point, score: -result.value))
            } else {
                refined.append(Proposal(features: start, score: scores[index]))
            }
        }
        refined.sort { $0.score > $1.score }
        let refinedSet = Set(starts)
        var proposals = refined
        proposals.reserveCapacity(m)
        for index in order where !refinedSet.contains(index) {
            proposals.append(Proposal(features: candidates.row(index), score: scores[index]))
        }
        return proposals
    }
}
