import AugurMath
import Foundation

/// Input warping (Snoek et al. 2014; BoTorch's `Warp`): each warped feature goes through the Kumaraswamy CDF
/// `w(x) = 1 − (1 − xᵃ)ᵇ` before the kernel sees it, with `a, b > 0` fitted with the other hyperparameters. `w` maps
/// [0, 1] onto [0, 1] and is increasing; `a < 1` stretches the low end of the range, `b < 1` the high end, so a
/// function that varies fast near one end of a parameter's range gets the resolution it needs there and the
/// stationary kernel fits it in the warped space. `a = b = 1` is the identity (exactly: that case is not computed).
///
/// `w(0) = 0` and `w(1) = 1` exactly. The slope `w'` is taken at `x` clamped to `[ε, 1 − ε]` (``margin``), as BoTorch
/// bounds its inputs: at 0 (for `a < 1`) and 1 (for `b < 1`) it is infinite, and a search at a bound still sees a
/// finite slope. The partial derivatives by `log a` and `log b` are 0 where `w` does not depend on them (at 0 and 1).
public struct InputWarp: Sendable, Hashable, Codable {
    /// The warped feature indices (the others pass through unchanged).
    public var features: [Int]
    /// `log a`, one per warped feature.
    public var logA: [Double]
    /// `log b`, one per warped feature.
    public var logB: [Double]

    public init(features: [Int], logA: [Double], logB: [Double]) {
        precondition(features.count == logA.count && features.count == logB.count, "One a and one b per warped feature")
        self.features = features
        self.logA = logA
        self.logB = logB
    }

    /// How far from 0 and 1 a coordinate is clamped for the slope `w'`.
    public static let margin = 1e-6

    /// `w(x)` for concentrations `a` and `b`.
    public static func value(_ x: Double, a: Double, b: Double) -> Double {
        if a == 1 && b == 1 { return x }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        return 1 - Foundation.pow(1 - Foundation.pow(x, a), b)
    }

    /// `w'(x) = a b xᵃ⁻¹ (1 − xᵃ)ᵇ⁻¹` at the clamped `x`.
    public static func derivative(_ x: Double, a: Double, b: Double) -> Double {
        if a == 1 && b == 1 { return 1 }
        let c = Swift.min(Swift.max(x, margin), 1 - margin)
        let power = Foundation.pow(c, a)
        return a * b * power / c * Foundation.pow(1 - power, b - 1)
    }

    /// `w(x)` with its partial derivatives with respect to `log a` and `log b`.
    static func valueAndLogConcentrationPartials(_ x: Double, a: Double, b: Double) -> (value: Double, byLogA: Double, byLogB: Double) {
        let value = Self.value(x, a: a, b: b)
        let power = Foundation.pow(x, a)
        let complement = 1 - power
        guard x > 0, complement > 0 else { return (value, 0, 0) }
        let outer = Foundation.pow(complement, b)
        // ∂w/∂a = b (1 − xᵃ)ᵇ⁻¹ xᵃ log x, ∂w/∂b = −(1 − xᵃ)ᵇ log(1 − xᵃ); times a and b for the log parameters.
        let byLogA = a * b * outer / complement * power * Foundation.log(x)
        let byLogB = -b * outer * Foundation.log(complement)
        return (value, byLogA, byLogB)
    }

    /// The concentrations `(a, b)` of the `index`-th warped feature.
    func concentrations(_ index: Int) -> (a: Double, b: Double) {
        (Foundation.exp(logA[index]), Foundation.exp(logB[index]))
    }

    /// The rows of `points` with the warped features' columns warped.
    public func warped(_ points: Matrix) -> Matrix {
        var result = points
        let rows = points.rows
        for (index, feature) in features.enumerated() {
            let (a, b) = concentrations(index)
            if a == 1 && b == 1 { continue }
            for i in 0..<rows {
                result.elements[i + feature * rows] = Self.value(points.elements[i + feature * rows], a: a, b: b)
            }
        }
        return result
    }

    /// One point with the warped features warped.
    public func warped(_ point: [Double]) -> [Double] {
        var result = point
        for (index, feature) in features.enumerated() {
            let (a, b) = concentrations(index)
            result[feature] = Self.value(point[feature], a: a, b: b)
        }
        return result
    }

    /// `∂wₖ/∂xₖ` at one point for every feature (1 for those not warped).
    public func derivatives(at point: [Double]) -> [Double] {
        var result = [Double](repeating: 1, count: point.count)
        for (index, feature) in features.enumerated() {
            let (a, b) = concentrations(index)
            result[feature] = Self.derivative(point[feature], a: a, b: b)
        }
        return result
    }
}
