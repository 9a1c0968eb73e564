import AugurCore
import Foundation

/// How the tree-structured Parzen estimator sees one parameter.
enum ParzenDimension: Sendable, Hashable {
    /// A number, in its unit coordinate (the logarithm's on log scale; a log-scale lattice value's cell centre),
    /// modelled by normal kernels truncated to [0, 1].
    case numeric
    /// A number on a linear-scale lattice of `cells` values (an integer, a double with a step): modelled as `numeric`,
    /// but scored, as Optuna scores a stepped parameter, by each kernel's mass over the value's cell (width
    /// `1 / cells`) instead of its density at the cell's centre.
    case lattice(cells: Int)
    /// One of `count` unordered values (a categorical, or a discrete list as Katib hands it to Optuna), modelled by
    /// categorical kernels over the value's index.
    case categorical(count: Int)
}

/// A mixture of product kernels over some parameters: one component per observation plus the prior, as in
/// Optuna's `_ParzenEstimator` (with its defaults `consider_magic_clip` and no `consider_endpoints`).
///
/// For a numeric (or lattice) dimension an observation at `μ` gets a normal kernel whose bandwidth is the larger distance to its
/// neighbours among the sorted observations and the ends 0 and 1 (the outermost observations use their inner
/// neighbour's distance only), clipped to `[1 / min(100, n + 2), 1]`; the prior is centred at 1/2 with bandwidth 1.
/// For a categorical dimension an observation's kernel puts weight `1 + w/(n + 1)` on its value and `w/(n + 1)` on
/// every value, normalized, where `w` is the prior weight; the prior is uniform. Components are weighted by
/// `observationWeights(n)` (recent ones more, past 25) and the prior by `w`, normalized.
struct ParzenEstimator: Sendable {
    /// Normalized component weights; the last component is the prior.
    let componentWeights: [Double]
    let dimensions: [ParzenDimension]
    /// Per dimension, per component: the kernel's centre (numeric) or unused.
    let centres: [[Double]]
    /// Per dimension, per component: the kernel's bandwidth (numeric) or unused.
    let bandwidths: [[Double]]
    /// Per dimension, per component: the kernel's probabilities over the values (categorical) or empty.
    let probabilities: [[[Double]]]
    /// Per component: the log weight plus, over the `numeric` dimensions, the truncated kernel's log density at its
    /// centre, `−log(σ·√(2π)·mass)`; what the log density owes to a numeric dimension beyond that is `−z²/2`.
    private let logConstants: [Double]
    /// Per numeric (or lattice) dimension, per component: `1/σ`.
    private let inverseBandwidths: [[Double]]
    /// Per numeric (or lattice) dimension, per component: `Φ(−μ/σ)` and `Φ((1 − μ)/σ)`, where the kernel's
    /// cumulative distribution meets the ends of [0, 1] (sampling inverts between them).
    private let lowerCumulatives: [[Double]]
    private let upperCumulatives: [[Double]]
    /// Per categorical dimension, per component: the logarithms of `probabilities`.
    private let logProbabilities: [[[Double]]]
    /// Per lattice dimension, per component: `log(Φ((1 − μ)/σ) − Φ(−μ/σ))`, the kernel's mass inside [0, 1]
    /// (tail-accurate); empty for the other dimensions.
    private let logMasses: [[Double]]

    /// - Parameter observations: one row per observation, in trial order, with one internal coordinate per
    ///   dimension (a unit coordinate, or a value's index for a categorical).
    init(observations: [[Double]], dimensions: [ParzenDimension], priorWeight: Double) {
        self.dimensions = dimensions
        let count = observations.count
        var weights = Self.observationWeights(count)
        weights.append(priorWeight)
        let total = weights.reduce(0, +)
        componentWeights = total > 0 ? weights.map { $0 / total } : [Double](repeating: 1 / Double(weights.count), count: weights.count)
        var logConstants = componentWeights.map { Foundation.log($0) }
        var centres: [[Double]] = []
        var bandwidths: [[Double]] = []
        var probabilities: [[[Double]]] = []
        var inverseBandwidths: [[Double]] = []
        var lowerCumulatives: [[Double]] = []
        var upperCumulatives: [[Double]] = []
        var logMasses: [[Double]] = []
        for (index, dimension) in dimensions.enumerated() {
            let column = observations.map { $0[index] }
            switch dimension {
            case .numeric, .lattice:
                var centre = column
                centre.append(0.5)
                var bandwidth = Self.bandwidths(of: column)
                bandwidth.append(1)
                let inverse = bandwidth.map { 1 / $0 }
                var lower = [Double](repeating: 0, count: centre.count)
                var upper = [Double](repeating: 1, count: centre.count)
                for component in centre.indices {
                    lower[component] = TruncatedUnitNormal.cumulative((0 - centre[component]) / bandwidth[component])
                    upper[component] = TruncatedUnitNormal.cumulative((1 - centre[component]) / bandwidth[component])
                }
                if case .numeric = dimension {
                    for component in centre.indices {
                        logConstants[component] += -NormalDistribution.logSquareRootTwoPi - Foundation.log(bandwidth[component])
                            - Foundation.log(Swift.max(upper[component] - lower[component], .leastNormalMagnitude))
                    }
                    logMasses.append([])
                } else {
                    logMasses.append(centre.indices.map {
                        TruncatedUnitNormal.logMass(from: (0 - centre[$0]) / bandwidth[$0], to: (1 - centre[$0]) / bandwidth[$0])
                    })
                }
                centres.append(centre)
                bandwidths.append(bandwidth)
                inverseBandwidths.append(inverse)
                lowerCumulatives.append(lower)
                upperCumulatives.append(upper)
                probabilities.append([])
            case .categorical(let valueCount):
                let kernels = count + 1
                let base = priorWeight / Double(kernels)
                var rows: [[Double]] = []
                for observed in column + [-1] {
                    var row = [Double](repeating: base, count: valueCount)
                    let value = Int(observed)
                    if row.indices.contains(value) { row[value] += 1 }
                    let sum = row.reduce(0, +)
                    rows.append(sum > 0 ? row.map { $0 / sum } : [Double](repeating: 1 / Double(valueCount), count: valueCount))
                }
                centres.append([])
                bandwidths.append([])
                inverseBandwidths.append([])
                lowerCumulatives.append([])
                upperCumulatives.append([])
                logMasses.append([])
                probabilities.append(rows)
            }
        }
        self.centres = centres
        self.bandwidths = bandwidths
        self.probabilities = probabilities
        self.inverseBandwidths = inverseBandwidths
        self.lowerCumulatives = lowerCumulatives
        self.upperCumulatives = upperCumulatives
        self.logMasses = logMasses
        self.logConstants = logConstants
        logProbabilities = probabilities.map { rows in rows.map { row in row.map { Foundation.log($0) } } }
    }

    /// Optuna's `default_weights`: 1 for each of up to 25 observations; beyond 25, the older ones ramp linearly from
    /// `1/n` up to 1 and the newest 25 weigh 1.
    static func observationWeights(_ count: Int) -> [Double] {
        guard count >= 25 else { return [Double](repeating: 1, count: count) }
        let rampCount = count - 25
        var weights: [Double] = []
        weights.reserveCapacity(count)
        let start = 1 / Double(count)
        for index in 0..<rampCount {
            // numpy's linspace(1/n, 1, num: n − 25), endpoint included.
            let fraction = rampCount == 1 ? 0 : Double(index) / Double(rampCount - 1)
            weights.append(rampCount == 1 ? start : start + fraction * (1 - start))
        }
        weights.append(contentsOf: [Double](repeating: 1, count: 25))
        return weights
    }

    /// The bandwidths of numeric kernels centred at `centres` in [0, 1] (without the prior's).
    static func bandwidths(of centres: [Double]) -> [Double] {
        let count = centres.count
        guard count > 0 else { return [] }
        // Sorted by value, ties in observation order; pairs sort without reaching back into the array.
        var pairs = centres.enumerated().map { (value: $0.element, index: $0.offset) }
        pairs.sort { $0.value < $1.value || ($0.value == $1.value && $0.index < $1.index) }
        let order = pairs.map(\.index)
        var withEnds: [Double] = [0]
        withEnds.reserveCapacity(count + 2)
        withEnds.append(contentsOf: pairs.map(\.value))
        withEnds.append(1)
        var sorted: [Double] = []
        for k in 1...count {
            let left: Double = withEnds[k] - withEnds[k - 1]
            let right: Double = withEnds[k + 1] - withEnds[k]
            sorted.append(Swift.max(left, right))
        }
        if withEnds.count >= 4 {
            sorted[0] = withEnds[2] - withEnds[1]
            sorted[count - 1] = withEnds[count] - withEnds[count - 1]
        }
        let smallest = 1 / Swift.min(100, 1 + Double(count + 1))
        var result = [Double](repeating: 0, count: count)
        for (rank, index) in order.enumerated() {
            result[index] = Swift.min(Swift.max(sorted[rank], smallest), 1)
        }
        return result
    }

    /// `count` points drawn from the mixture: a component by weight, then each dimension from its kernel (a numeric
    /// one by inverting its cumulative distribution between the ends of [0, 1]).
    func sample(count: Int, using generator: inout SeededGenerator) -> [[Double]] {
        (0..<count).map { _ in
            let component = Self.pick(componentWeights, using: &generator)
            return dimensions.indices.map { dimension in
                switch dimensions[dimension] {
                case .numeric, .lattice:
                    let lower = lowerCumulatives[dimension][component], upper = upperCumulatives[dimension][component]
                    let p = lower + generator.nextUnit() * (upper - lower)
                    let x = centres[dimension][component] + bandwidths[dimension][component] * NormalDistribution.quantile(p)
                    return Swift.min(Swift.max(x, 0), 1)
                case .categorical:
                    return Double(Self.pick(probabilities[dimension][component], using: &generator))
                }
            }
        }
    }

    /// The logarithm of the mixture's density at `point`.
    func logDensity(at point: [Double]) -> Double {
        logDensity(at: point) { dimension, x in cellTerms(dimension: dimension, at: x) }
    }

    /// The log densities at `points`, each as `logDensity(at:)` gives it; a lattice dimension's cell masses are
    /// computed once per distinct value among the points (Optuna's `np.unique`), since candidates often share a cell.
    func logDensities(at points: [[Double]]) -> [Double] {
        guard dimensions.contains(where: { if case .lattice = $0 { true } else { false } }) else {
            return points.map { logDensity(at: $0) }
        }
        var cache = [[Double: [Double]]](repeating: [:], count: dimensions.count)
        return points.map { point in
            logDensity(at: point) { dimension, x in
                if let terms = cache[dimension][x] { return terms }
                let terms = cellTerms(dimension: dimension, at: x)
                cache[dimension][x] = terms
                return terms
            }
        }
    }

    /// Per component, what lattice dimension `dimension` adds to the log density at `x`: Optuna's
    /// `_BatchedDiscreteTruncNormDistributions`, the log mass of the value's cell over the log mass of [0, 1] (its
    /// [low − step/2, high + step/2]).
    private func cellTerms(dimension: Int, at x: Double) -> [Double] {
        guard case .lattice(let cells) = dimensions[dimension] else { return [] }
        let half = 0.5 / Double(Swift.max(cells, 1))
        let left = Swift.max(x - half, 0), right = Swift.min(x + half, 1)
        let centres = centres[dimension], inverses = inverseBandwidths[dimension], masses = logMasses[dimension]
        return centres.indices.map { component in
            let centre = centres[component], inverse = inverses[component]
            return TruncatedUnitNormal.logMass(from: (left - centre) * inverse, to: (right - centre) * inverse) - masses[component]
        }
    }

    @inline(__always)
    private func logDensity(at point: [Double], cellTerms: (Int, Double) -> [Double]) -> Double {
        let componentCount = logConstants.count
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: componentCount) { terms in
            _ = terms.initialize(from: logConstants)
            for dimension in dimensions.indices {
                let x = point[dimension]
                switch dimensions[dimension] {
                case .numeric:
                    centres[dimension].withUnsafeBufferPointer { centres in
                        inverseBandwidths[dimension].withUnsafeBufferPointer { inverses in
                            for component in 0..<componentCount {
                                let z = (x - centres[component]) * inverses[component]
                                terms[component] -= 0.5 * z * z
                            }
                        }
                    }
                case .lattice:
                    let cell = cellTerms(dimension, x)
                    for component in 0..<componentCount { terms[component] += cell[component] }
                case .categorical:
                    let index = Int(x)
                    let rows = logProbabilities[dimension]
                    for component in 0..<componentCount {
                        terms[component] += rows[component].indices.contains(index) ? rows[component][index] : -.infinity
                    }
                }
            }
            return logSumExp(UnsafeBufferPointer(terms))
        }
    }

    /// An index drawn with probability proportional to `weights`.
    private static func pick(_ weights: [Double], using generator: inout SeededGenerator) -> Int {
        let total = weights.reduce(0, +)
        var remaining = generator.nextUnit() * total
        for (index, weight) in weights.enumerated() {
            remaining -= weight
            if remaining < 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }
}

/// `log Σ exp(terms)` without overflow; `-inf` for no terms or all `-inf`. Terms more than 50 below the largest
/// (each under `e⁻⁵⁰ ≈ 2·10⁻²²` of it, below a double's resolution even summed over thousands) are skipped, which
/// spares most `exp` calls for a point far from most kernels.
func logSumExp(_ terms: UnsafeBufferPointer<Double>) -> Double {
    guard let largest = terms.max(), largest.isFinite else { return terms.max() ?? -.infinity }
    var sum = 0.0
    for term in terms where term > largest - 50 { sum += Foundation.exp(term - largest) }
    return largest + Foundation.log(sum)
}

/// `log Σ exp(terms)` of an array (see the buffer version).
func logSumExp(_ terms: [Double]) -> Double {
    terms.withUnsafeBufferPointer { logSumExp($0) }
}

/// The normal law truncated to [0, 1].
enum TruncatedUnitNormal {
    /// A draw by inverting the truncated cumulative distribution.
    static func sample(centre: Double, bandwidth: Double, using generator: inout SeededGenerator) -> Double {
        let lower = cumulative((0 - centre) / bandwidth)
        let upper = cumulative((1 - centre) / bandwidth)
        let p = lower + generator.nextUnit() * (upper - lower)
        let x = centre + bandwidth * NormalDistribution.quantile(p)
        return Swift.min(Swift.max(x, 0), 1)
    }

    /// `log` of the truncated density at `x` (in [0, 1]).
    static func logDensity(_ x: Double, centre: Double, bandwidth: Double) -> Double {
        let z = (x - centre) / bandwidth
        return logPeak(centre: centre, bandwidth: bandwidth) - 0.5 * z * z
    }

    /// `log(Φ(b) − Φ(a))` for `a ≤ b`, accurate in both tails (each difference taken on the side where Φ is small);
    /// far out, where both underflow, the density at the nearer end times the width.
    static func logMass(from a: Double, to b: Double) -> Double {
        let mass: Double
        if b <= 0 {
            mass = NormalDistribution.cumulative(b) - NormalDistribution.cumulative(a)
        } else if a >= 0 {
            mass = NormalDistribution.cumulative(-a) - NormalDistribution.cumulative(-b)
        } else {
            mass = 1 - NormalDistribution.cumulative(a) - NormalDistribution.cumulative(-b)
        }
        if mass > 0 { return Foundation.log(mass) }
        let nearer = Swift.min(abs(a), abs(b))
        return -NormalDistribution.logSquareRootTwoPi - 0.5 * nearer * nearer + Foundation.log(Swift.max(b - a, .leastNormalMagnitude))
    }

    /// `Φ(z)`, without `erfc` where the answer is 0 or 1 to a double's resolution: beyond ±8.5 the tail,
    /// under 10⁻¹⁷, is below half an ulp of 1 (exactly 1 above), and taken as 0 below (an absolute error under
    /// 10⁻¹⁷ in a probability that is then only added to or subtracted from others near 1).
    @inline(__always)
    static func cumulative(_ z: Double) -> Double {
        if z > 8.5 { return 1 }
        if z < -8.5 { return 0 }
        return NormalDistribution.cumulative(z)
    }

    /// `log` of the truncated density at its centre: `−log(σ·√(2π)·(Φ((1 − μ)/σ) − Φ(−μ/σ)))`.
    static func logPeak(centre: Double, bandwidth: Double) -> Double {
        let mass = cumulative((1 - centre) / bandwidth) - cumulative((0 - centre) / bandwidth)
        return -NormalDistribution.logSquareRootTwoPi - Foundation.log(bandwidth) - Foundation.log(Swift.max(mass, .leastNormalMagnitude))
    }
}
