import AugurCore
import AugurMath
import Foundation

/// An evolutionary search of the acquisition function: a firefly algorithm, after the "eagle strategy" that Vizier's
/// default designer maximizes its acquisition with (Yang 2009, "Firefly algorithms for multimodal optimization").
///
/// A pool of points is seeded from the best-scored candidates that lie apart from each other, so that several basins
/// of the acquisition start with a point. Each generation every point proposes a move: a step toward the points that
/// score higher, each weighted by `exp(−visibility · r²)` (`r²` the mean squared distance per movable feature, in
/// widths of the box), so a point follows its near betters and the pool keeps one cluster per basin instead of all
/// collapsing onto the first; plus a Gaussian perturbation of the point's own size. The whole pool's moves are scored
/// in one batched posterior evaluation. A point keeps its move only if the score improved; otherwise its
/// perturbation shrinks by ``shrink``, and once below ``minimumPerturbation`` the point is archived and restarts at a
/// uniform random point of the box. The cost is `poolSize · generations` posterior evaluations in `generations`
/// batches, fixed in advance.
///
/// Only the `movable` features move (categorical one-hot blocks stay as their seed has them), inside `lower`…`upper`.
struct EvolutionaryAcquisitionSearch: Sendable {
    /// How many points move together.
    var poolSize: Int
    /// How many batched moves the pool makes.
    var generations: Int
    /// The fraction of the (visibility-weighted) way to the better points a move goes.
    var attraction: Double = 0.5
    /// How fast the pull of a better point fades with distance (`r²` in squared box widths per feature).
    var visibility: Double = 10
    /// A point's starting perturbation, in box widths.
    var initialPerturbation: Double = 0.1
    /// The factor a point's perturbation shrinks by after a move that did not improve its score.
    var shrink: Double = 0.7
    /// The perturbation below which a point restarts at a random point.
    var minimumPerturbation: Double = 1e-3
    /// The least root-mean-square distance per movable feature (in box widths) between seeds of the pool.
    var seedSpacing: Double = 0.1

    /// The pool size for `features` movable features: Vizier's rule `10 + d/2 + d^1.2`, at most 100.
    static func poolSize(features: Int) -> Int {
        Swift.min(10 + features / 2 + Int(Foundation.pow(Double(Swift.max(features, 0)), 1.2)), 100)
    }

    /// The points the search ends with and those it archived, with their scores (unordered); empty when nothing can
    /// move.
    ///
    /// - Parameters:
    ///   - candidates: scored candidates (one per row, in feature space) to seed the pool from.
    ///   - scores: their acquisition scores (larger is better; `-infinity` for none).
    func search(model: GaussianProcessModel, evaluator: AcquisitionEvaluator, candidates: Matrix, scores: [Double], lower: [Double],
                upper: [Double], movable: [Int], generator: inout SeededGenerator) -> (points: [[Double]], scores: [Double]) {
        let d = candidates.columns
        guard poolSize > 0, generations > 0, !movable.isEmpty, candidates.rows > 0 else { return ([], []) }
        let widths = movable.map { Swift.max(upper[$0] - lower[$0], 1e-12) }
        let movableCount = Double(movable.count)
        func distanceSquared(_ a: [Double], _ b: [Double]) -> Double {
            var sum = 0.0
            for (slot, k) in movable.enumerated() {
                let delta = (a[k] - b[k]) / widths[slot]
                sum += delta * delta
            }
            return sum / movableCount
        }

        // Seeds: the best candidates at least `seedSpacing` apart, then the best of the rest until the pool is full.
        let order = (0..<candidates.rows).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var pool: [[Double]] = []
        var poolScores: [Double] = []
        var seeded = Set<Int>()
        let spacingSquared = seedSpacing * seedSpacing
        for index in order where pool.count < poolSize {
            let row = candidates.row(index)
            if pool.allSatisfy({ distanceSquared($0, row) >= spacingSquared }) {
                pool.append(row)
                poolScores.append(scores[index])
                seeded.insert(index)
            }
        }
        for index in order where pool.count < poolSize && !seeded.contains(index) {
            pool.append(candidates.row(index))
            poolScores.append(scores[index])
        }
        let size = pool.count
        var perturbations = [Double](repeating: initialPerturbation, count: size)
        var archive: [[Double]] = []
        var archiveScores: [Double] = []

        for _ in 0..<generations {
            var moves = pool
            for i in 0..<size {
                if perturbations[i] < minimumPerturbation {
                    // Spent: keep what it found, start again anywhere in the box.
                    archive.append(pool[i])
                    archiveScores.append(poolScores[i])
                    poolScores[i] = -.infinity
                    perturbations[i] = initialPerturbation
                    for (slot, k) in movable.enumerated() { moves[i][k] = lower[k] + generator.nextUnit() * widths[slot] }
                    continue
                }
                var pull = [Double](repeating: 0, count: d)
                var betters = 0
                for j in 0..<size where poolScores[j] > poolScores[i] {
                    let weight = Foundation.exp(-visibility * distanceSquared(pool[i], pool[j]))
                    for k in movable { pull[k] += weight * (pool[j][k] - pool[i][k]) }
                    betters += 1
                }
                for (slot, k) in movable.enumerated() {
                    let step = (betters > 0 ? attraction * pull[k] / Double(betters) : 0)
                        + perturbations[i] * widths[slot] * generator.nextGaussian()
                    moves[i][k] = Swift.min(Swift.max(pool[i][k] + step, lower[k]), upper[k])
                }
            }
            var elements = [Double](repeating: 0, count: size * d)
            for (row, point) in moves.enumerated() {
                for k in 0..<d { elements[row + k * size] = point[k] }
            }
            let (means, variances) = model.predict(Matrix(rows: size, columns: d, elements: elements))
            for i in 0..<size {
                let score = evaluator.score(mean: means[i], variance: variances[i])
                if score.isFinite, score > poolScores[i] {
                    pool[i] = moves[i]
                    poolScores[i] = score
                } else {
                    perturbations[i] *= shrink
                }
            }
        }
        return (pool + archive, poolScores + archiveScores)
    }
}
