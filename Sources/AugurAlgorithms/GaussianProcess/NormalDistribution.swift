import Foundation

/// The standard normal distribution's functions the GP needs, written for numerical stability in the tails.
enum NormalDistribution {
    static let inverseSquareRootTwoPi = 1 / (2 * Double.pi).squareRoot()
    static let logSquareRootTwoPi = 0.5 * Foundation.log(2 * Double.pi)
    static let squareRootHalfPi = (Double.pi / 2).squareRoot()

    /// `φ(z)`.
    static func density(_ z: Double) -> Double {
        inverseSquareRootTwoPi * Foundation.exp(-0.5 * z * z)
    }

    /// `Φ(z)`.
    static func cumulative(_ z: Double) -> Double {
        0.5 * Foundation.erfc(-z / 2.0.squareRoot())
    }

    /// `Φ⁻¹(p)` for `p` in (0, 1), by Acklam's rational approximation (relative error below 1.2·10⁻⁹).
    static func quantile(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let p = Swift.min(Swift.max(p, 1e-300), 1 - 1e-16)
        let low = 0.02425
        if p < low {
            let q = (-2 * Foundation.log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * Foundation.log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// For `t ≥ 1`: `q = t·Φ(−t)/φ(t)` and `1 − q`, computed without cancellation. `Φ(−t)/φ(t)` is the Mills ratio,
    /// `√(π/2)·erfcx(t/√2)`; beyond `t ≈ 37` its asymptotic series is used, which also gives `1 − q` directly.
    private static func millsTerms(_ t: Double) -> (millsRatio: Double, oneMinusQ: Double) {
        if t < 37 {
            let x = t / 2.0.squareRoot()
            let mills = squareRootHalfPi * Foundation.exp(x * x) * Foundation.erfc(x)
            return (mills, 1 - t * mills)
        }
        let u = 1 / (t * t)
        let oneMinusQ = u * (1 - u * (3 - u * (15 - u * (105 - u * 945))))
        return ((1 - oneMinusQ) / t, oneMinusQ)
    }

    /// `log h(z)` with `h(z) = φ(z) + z·Φ(z)` (expected improvement at unit scale), and `d log h / dz = Φ(z)/h(z)`;
    /// accurate for every finite `z`, including far below the incumbent where `h` underflows.
    static func logExpectedImprovementFactor(_ z: Double) -> (value: Double, derivative: Double) {
        if z > -1 {
            let cdf = cumulative(z)
            let h = density(z) + z * cdf
            return (Foundation.log(h), cdf / h)
        }
        let t = -z
        let (mills, oneMinusQ) = millsTerms(t)
        let logDensity = -0.5 * z * z - logSquareRootTwoPi
        return (logDensity + Foundation.log(oneMinusQ), mills / oneMinusQ)
    }

    /// `log Φ(z)` and `d log Φ / dz = φ(z)/Φ(z)`, accurate far in the lower tail.
    static func logCumulative(_ z: Double) -> (value: Double, derivative: Double) {
        if z > -1 {
            let cdf = cumulative(z)
            return (Foundation.log(cdf), density(z) / cdf)
        }
        let (mills, _) = millsTerms(-z)
        let logDensity = -0.5 * z * z - logSquareRootTwoPi
        return (logDensity + Foundation.log(mills), 1 / mills)
    }
}
