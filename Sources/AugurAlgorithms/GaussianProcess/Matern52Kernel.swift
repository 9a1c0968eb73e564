import AugurMath
import CLinearAlgebra
import Foundation

/// The Matérn-5/2 kernel with one lengthscale per input dimension (automatic relevance determination):
/// `k(x, x') = σ² (1 + √5 r + 5r²/3) exp(−√5 r)` with `r² = Σₖ (xₖ − x'ₖ)² / ℓₖ²`.
///
/// Distances come from one `dsyrk`/`dgemm` of the lengthscale-scaled inputs (`|a|² + |b|² − 2a·b`); the only
/// per-entry work is the kernel's scalar profile.
///
/// With ``Form/additive`` the same hyperparameters define instead the sum of one-dimensional Matérn-5/2 kernels,
/// `k(x, x') = σ²/d Σₖ m(|xₖ − x'ₖ| / ℓₖ)` with `m(r) = (1 + √5 r + 5r²/3) exp(−√5 r)` (Duvenaud et al. 2011's
/// first-order additive kernel with one shared variance): a model of `f(x) = Σₖ gₖ(xₖ)` that learns each `gₖ`
/// from every observation instead of only from those nearby in all coordinates. A feature whose lengthscale grows
/// long contributes a constant, so the fit can still switch a dimension off. Its cost per entry is `d` profiles
/// instead of one.
public struct Matern52Kernel: Sendable, Hashable {
    /// How the per-dimension distances combine.
    public enum Form: String, Sendable, Hashable, CaseIterable {
        /// One Matérn-5/2 profile of the lengthscale-scaled Euclidean distance (ARD).
        case product
        /// The mean of one-dimensional Matérn-5/2 profiles, one per feature, times `σ²`.
        case additive
    }

    /// `ℓₖ`, one per input dimension.
    public var lengthscales: [Double]
    /// `σ²`, the prior variance of the latent function.
    public var signalVariance: Double
    /// The kernel's structure (``Form/product`` unless asked otherwise).
    public var form: Form

    public init(lengthscales: [Double], signalVariance: Double, form: Form = .product) {
        self.lengthscales = lengthscales
        self.signalVariance = signalVariance
        self.form = form
    }

    static let sqrt5 = 5.0.squareRoot()

    /// The inputs divided column by column by the lengthscales.
    public func scaled(_ points: Matrix) -> Matrix {
        precondition(points.columns == lengthscales.count, "Points need one coordinate per lengthscale")
        var result = points
        let rows = points.rows
        guard rows > 0 else { return result }
        result.elements.withUnsafeMutableBufferPointer { buffer in
            for (k, lengthscale) in lengthscales.enumerated() {
                cblas_dscal(Int32(rows), 1 / lengthscale, buffer.baseAddress.map { $0 + k * rows }, 1)
            }
        }
        return result
    }

    /// Squared norms of the rows of `points`.
    static func rowSquaredNorms(_ points: Matrix) -> [Double] {
        var norms = [Double](repeating: 0, count: points.rows)
        points.elements.withUnsafeBufferPointer { buffer in
            for k in 0..<points.columns {
                let column = k * points.rows
                for i in 0..<points.rows {
                    let value = buffer[column + i]
                    norms[i] += value * value
                }
            }
        }
        return norms
    }

    /// Squared scaled distances between the rows of `a` (already scaled) and of `b` (already scaled):
    /// an `a.rows × b.rows` matrix.
    static func crossSquaredDistances(_ a: Matrix, _ b: Matrix) -> Matrix {
        var distances = a.multiplied(by: b, transposingOther: true, alpha: -2)
        let normsA = rowSquaredNorms(a)
        let normsB = rowSquaredNorms(b)
        let rows = a.rows
        distances.elements.withUnsafeMutableBufferPointer { buffer in
            for j in 0..<b.rows {
                let column = j * rows
                let normB = normsB[j]
                for i in 0..<rows {
                    buffer[column + i] = Swift.max(buffer[column + i] + normsA[i] + normB, 0)
                }
            }
        }
        return distances
    }

    /// `k(r)` for a squared scaled distance.
    @inline(__always)
    func value(squaredDistance: Double) -> Double {
        let s = Self.sqrt5 * squaredDistance.squareRoot()
        return signalVariance * (1 + s + s * s / 3) * Foundation.exp(-s)
    }

    /// The cross-covariance `K(a, b)` (`a.rows × b.rows`) of unscaled inputs.
    public func crossCovariance(_ a: Matrix, _ b: Matrix) -> Matrix {
        crossCovariance(scaledA: scaled(a), scaledB: scaled(b))
    }

    func crossCovariance(scaledA: Matrix, scaledB: Matrix) -> Matrix {
        if form == .additive { return additiveCrossCovariance(scaledA: scaledA, scaledB: scaledB) }
        var result = Self.crossSquaredDistances(scaledA, scaledB)
        let variance = signalVariance
        result.elements.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<buffer.count {
                let s = Self.sqrt5 * buffer[index].squareRoot()
                buffer[index] = variance * (1 + s + s * s / 3) * Foundation.exp(-s)
            }
        }
        return result
    }

    /// The covariance matrix `K(x, x)` (both triangles filled) of unscaled inputs.
    public func covariance(_ points: Matrix) -> Matrix {
        if form == .additive { return additiveSymmetricCovariance(scaled: scaled(points)).covariance }
        var result = scaled(points).outerGram(alpha: -2)
        let n = points.rows
        let norms = Self.rowSquaredNorms(scaled(points))
        let variance = signalVariance
        result.elements.withUnsafeMutableBufferPointer { buffer in
            for j in 0..<n {
                for i in j..<n {
                    let r2 = Swift.max(buffer[i + j * n] + norms[i] + norms[j], 0)
                    let s = Self.sqrt5 * r2.squareRoot()
                    let value = i == j ? variance : variance * (1 + s + s * s / 3) * Foundation.exp(-s)
                    buffer[i + j * n] = value
                    buffer[j + i * n] = value
                }
            }
        }
        return result
    }

    /// `m(s/√5)` for `s = √5 |u|`, the one-dimensional profile of the additive form.
    @inline(__always)
    static func profile(_ s: Double) -> Double {
        (1 + s + s * s / 3) * Foundation.exp(-s)
    }

    /// The additive form's `K(a, b)` from scaled inputs: `σ²/d Σₖ m(|aᵢₖ − bⱼₖ|)`, accumulated dimension by dimension
    /// over contiguous columns.
    func additiveCrossCovariance(scaledA: Matrix, scaledB: Matrix) -> Matrix {
        let m = scaledA.rows
        let n = scaledB.rows
        let d = scaledA.columns
        var result = Matrix(rows: m, columns: n)
        guard m > 0, n > 0 else { return result }
        let weight = signalVariance / Double(Swift.max(d, 1))
        scaledA.elements.withUnsafeBufferPointer { a in
            scaledB.elements.withUnsafeBufferPointer { b in
                result.elements.withUnsafeMutableBufferPointer { k in
                    for dimension in 0..<d {
                        let columnA = dimension * m
                        let columnB = dimension * n
                        for j in 0..<n {
                            let bj = b[columnB + j]
                            let column = j * m
                            for i in 0..<m {
                                k[column + i] += Self.profile(Self.sqrt5 * Swift.abs(a[columnA + i] - bj))
                            }
                        }
                    }
                    for index in 0..<k.count { k[index] *= weight }
                }
            }
        }
        return result
    }

    /// The most `e⁻ˢ` values ``additiveSymmetricCovariance(scaled:keepingExponentials:limit:)`` keeps by default (16 MB): `d·n(n−1)/2`
    /// is 180,000 at 200 observations in 10-D and 2 million near 630; past it the gradient computes them again.
    static let exponentialsLimit = 2_000_000

    /// The additive form's `K(x, x)` from scaled inputs, the same entries as `additiveCrossCovariance(scaledA: scaled,
    /// scaledB: scaled)` to the last bit (`|zᵢ − zⱼ|` is exact either way round, and each entry sums the dimensions in
    /// the same order) at half the exponentials: each pair is computed once and mirrored. With `keepingExponentials`,
    /// up to `limit` of them, it also returns every pair's `e⁻ˢ` (`s = √5|zᵢₖ − zⱼₖ|`), dimension by dimension and
    /// within one the pairs `i > j` column by column (`j` outer), for the likelihood's gradient.
    func additiveSymmetricCovariance(scaled: Matrix, keepingExponentials: Bool = false,
                                     limit: Int = Self.exponentialsLimit) -> (covariance: Matrix, exponentials: [Double]?) {
        let n = scaled.rows
        let d = scaled.columns
        var result = Matrix(rows: n, columns: n)
        guard n > 0 else { return (result, nil) }
        let keeps = keepingExponentials && d * n * (n - 1) / 2 <= limit
        var exponentials = [Double](repeating: 0, count: keeps ? d * n * (n - 1) / 2 : 0)
        let weight = signalVariance / Double(Swift.max(d, 1))
        scaled.elements.withUnsafeBufferPointer { z in
            result.elements.withUnsafeMutableBufferPointer { k in
                exponentials.withUnsafeMutableBufferPointer { e in
                    var pair = 0
                    for dimension in 0..<d {
                        let column = dimension * n
                        for j in 0..<n {
                            let zj = z[column + j]
                            k[j + j * n] += Self.profile(0)
                            for i in (j + 1)..<Swift.max(n, j + 1) {
                                let s = Self.sqrt5 * Swift.abs(z[column + i] - zj)
                                let exponential = Foundation.exp(-s)
                                k[i + j * n] += (1 + s + s * s / 3) * exponential
                                if keeps {
                                    e[pair] = exponential
                                    pair += 1
                                }
                            }
                        }
                    }
                }
                for j in 0..<n {
                    for i in j..<n {
                        let value = k[i + j * n] * weight
                        k[i + j * n] = value
                        k[j + i * n] = value
                    }
                }
            }
        }
        return (result, keeps ? exponentials : nil)
    }
}
