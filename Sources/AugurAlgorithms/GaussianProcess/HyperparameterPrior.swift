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

    public init(dimensions: Int) {
        self.dimensions = dimensions
        self.lengthscaleLocation = 2.0.squareRoot() + 0.5 * Foundation.log(Double(Swift.max(dimensions, 1)))
        self.lengthscaleScale = 3.0.squareRoot()
    }

    /// Lower bounds of the optimizer's variables.
    public var lowerBounds: [Double] {
        [Double](repeating: logLengthscaleBounds.lower, count: dimensions) + [logSignalBounds.lower, logNoiseBounds.lower, meanBounds.lower]
    }

    /// Upper bounds of the optimizer's variables.
    public var upperBounds: [Double] {
        [Double](repeating: logLengthscaleBounds.upper, count: dimensions) + [logSignalBounds.upper, logNoiseBounds.upper, meanBounds.upper]
    }

    /// The starting point the fit always tries: lengthscales of 0.5 per unit of `√d`, unit signal, small noise (10⁻³,
    /// or the noise's lower bound if that is higher).
    public var defaultStart: [Double] {
        let lengthscale = Foundation.log(0.5 * Double(Swift.max(dimensions, 1)).squareRoot())
        return [Double](repeating: lengthscale, count: dimensions) + [0, Swift.max(Foundation.log(1e-3), logNoiseBounds.lower), 0]
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
        return value
    }
}
