import Foundation

/// Priors and bounds of the GP hyperparameters, for outputs that were warped and standardized and inputs in the
/// unit cube.
///
/// - Lengthscales: `log ℓ ~ N(√2 + ½ log d, 3)`, the dimension-scaled log-normal prior of Hvarfner et al. (2024)
///   that BoTorch adopted: wider cubes in more dimensions get proportionally longer lengthscales, so the model does
///   not assume more structure than the data can show. Bounded to `[0.01, 100]`.
/// - Signal variance: `log σ² ~ N(0, 1.5²)` (outputs are standardized), bounded to `[0.01, 100]`.
/// - Noise variance: `log σₙ² ~ N(log 10⁻³, 2²)`, bounded to `[10⁻⁷, 1]`: small noise by default, the data may
///   raise it for noisy objectives.
/// - Mean: `N(0, 1)`, bounded to `[−4, 4]`.
/// - Input warping (only for ``warpedFeatures``, none by default): `log a, log b ~ N(0, 0.75²)` per warped feature,
///   centred on the identity warp, bounded to `[0.2, 5]` (``InputWarp``).
public struct HyperparameterPrior: Sendable {
    public var dimensions: Int
    public var lengthscaleLocation: Double
    public var lengthscaleScale: Double
    public var signalLocation = 0.0
    public var signalScale = 1.5
    public var noiseLocation = Foundation.log(1e-3)
    public var noiseScale = 2.0
    public var meanScale = 1.0
    public var logLengthscaleBounds = (lower: Foundation.log(0.01), upper: Foundation.log(100.0))
    public var logSignalBounds = (lower: Foundation.log(0.01), upper: Foundation.log(100.0))
    public var logNoiseBounds = (lower: Foundation.log(1e-7), upper: 0.0)
    public var meanBounds = (lower: -4.0, upper: 4.0)
    /// The features whose inputs are warped (``InputWarp``); each adds `log a, log b` after the mean.
    public var warpedFeatures: [Int] = []
    public var warpScale = 0.75
    public var logWarpBounds = (lower: Foundation.log(0.2), upper: Foundation.log(5.0))
    /// Groups of features that share one lengthscale (each a categorical parameter's one-hot block, when
    /// ``GaussianProcessDesigner/SearchOptions/tiedCategoryLengthscales`` asks for it; none by default): the fit moves
    /// one variable per group, and its prior counts once. The fitted hyperparameters still hold one lengthscale per
    /// feature, equal within a group.
    public var tiedLengthscales: [[Int]] = []

    public init(dimensions: Int) {
        self.dimensions = dimensions
        self.lengthscaleLocation = 2.0.squareRoot() + 0.5 * Foundation.log(Double(Swift.max(dimensions, 1)))
        self.lengthscaleScale = 3.0.squareRoot()
    }

    /// Lower bounds of the optimizer's variables.
    public var lowerBounds: [Double] {
        [Double](repeating: logLengthscaleBounds.lower, count: dimensions) + [logSignalBounds.lower, logNoiseBounds.lower, meanBounds.lower]
            + [Double](repeating: logWarpBounds.lower, count: 2 * warpedFeatures.count)
    }

    /// Upper bounds of the optimizer's variables.
    public var upperBounds: [Double] {
        [Double](repeating: logLengthscaleBounds.upper, count: dimensions) + [logSignalBounds.upper, logNoiseBounds.upper, meanBounds.upper]
            + [Double](repeating: logWarpBounds.upper, count: 2 * warpedFeatures.count)
    }

    /// The starting point the fit always tries: lengthscales of 0.5 per unit of `√d`, unit signal, small noise (10⁻³,
    /// or the noise's lower bound if that is higher), and no input warping (`a = b = 1`).
    public var defaultStart: [Double] {
        let lengthscale = Foundation.log(0.5 * Double(Swift.max(dimensions, 1)).squareRoot())
        return [Double](repeating: lengthscale, count: dimensions) + [0, Swift.max(Foundation.log(1e-3), logNoiseBounds.lower), 0]
            + [Double](repeating: 0, count: 2 * warpedFeatures.count)
    }

    /// The hyperparameters of the optimizer's variables `theta` in this prior's layout.
    public func hyperparameters(_ theta: [Double]) -> GaussianProcessHyperparameters {
        GaussianProcessHyperparameters(vector: theta, warpedFeatures: warpedFeatures)
    }

    /// `hyperparameters` (fitted under this prior or another one) as a start in this prior's layout: the warp of a
    /// feature this prior warps is kept if `hyperparameters` warps it too, else it starts at the identity.
    public func start(from hyperparameters: GaussianProcessHyperparameters) -> [Double] {
        var result = hyperparameters.logLengthscales + [hyperparameters.logSignalVariance, hyperparameters.logNoiseVariance, hyperparameters.mean]
        for feature in warpedFeatures {
            if let warp = hyperparameters.inputWarp, let index = warp.features.firstIndex(of: feature) {
                result += [warp.logA[index], warp.logB[index]]
            } else {
                result += [0, 0]
            }
        }
        return result
    }

    /// `−log p(θ)` up to a constant, adding `∂/∂θ` into `gradient`.
    public func negativeLogDensity(_ theta: [Double], gradient: inout [Double]) -> Double {
        var value = 0.0
        func add(_ index: Int, _ location: Double, _ scale: Double) {
            let z = (theta[index] - location) / scale
            value += 0.5 * z * z
            gradient[index] += z / scale
        }
        for k in 0..<dimensions { add(k, lengthscaleLocation, lengthscaleScale) }
        add(dimensions, signalLocation, signalScale)
        add(dimensions + 1, noiseLocation, noiseScale)
        add(dimensions + 2, 0, meanScale)
        for index in 0..<(2 * warpedFeatures.count) { add(dimensions + 3 + index, 0, warpScale) }
        return value
    }

    /// The optimizer's variables when ``tiedLengthscales`` is not empty: the full vector `theta` with each group's
    /// lengthscales replaced by one (the group's first feature's place), and back.
    struct Tying: Sendable {
        /// For each full variable, the reduced variable it takes its value from.
        let source: [Int]
        /// For each reduced variable, the full variables it stands for.
        let members: [[Int]]

        init(groups: [[Int]], count: Int) {
            var source = [Int](repeating: -1, count: count)
            var members: [[Int]] = []
            for index in 0..<count where source[index] < 0 {
                let group = groups.first { $0.contains(index) } ?? [index]
                for member in group where member < count { source[member] = members.count }
                members.append(group.filter { $0 < count })
            }
            self.source = source
            self.members = members
        }

        /// The full vector of the reduced one.
        func expanded(_ reduced: [Double]) -> [Double] { source.map { reduced[$0] } }

        /// The reduced vector of a full one: each group's mean.
        func reduced(_ full: [Double]) -> [Double] {
            members.map { group in group.reduce(0) { $0 + full[$1] } / Double(group.count) }
        }

        /// The reduced gradient of a full one: each group's sum.
        func reducedGradient(_ full: [Double]) -> [Double] {
            members.map { group in group.reduce(0) { $0 + full[$1] } }
        }
    }

    /// The groups of ``tiedLengthscales`` that have two or more lengthscales, as a ``Tying`` of the optimizer's
    /// variables; `nil` when none.
    var tying: Tying? {
        let groups = tiedLengthscales.filter { $0.count > 1 && $0.allSatisfy { $0 >= 0 && $0 < dimensions } }
        return groups.isEmpty ? nil : Tying(groups: groups, count: lowerBounds.count)
    }

    /// The prior's lengthscale terms counted once per group: what ``negativeLogDensity(_:gradient:)`` adds in excess
    /// for each group's second and later members, removed from `value` and `gradient` (full vectors).
    func removingRepeatedLengthscaleTerms(_ theta: [Double], value: Double, gradient: inout [Double]) -> Double {
        var result = value
        for group in tiedLengthscales where group.count > 1 {
            for k in group.dropFirst() where k >= 0 && k < dimensions {
                let z = (theta[k] - lengthscaleLocation) / lengthscaleScale
                result -= 0.5 * z * z
                gradient[k] -= z / lengthscaleScale
            }
        }
        return result
    }
}
