import Foundation

/// The eigendecomposition `A = B · diag(values) · Bᵀ` of a small symmetric matrix, by cyclic Jacobi rotations.
///
/// CMA-ES decomposes its covariance once per generation, at the dimension of the search space (tens at most). Jacobi
/// in plain Swift gives bit-identical results on every machine, which the CMA-ES designer relies on: it recognises a
/// trial's generation by drawing the trial's point again, and an eigenvector whose sign flipped under another
/// LAPACK build would draw a different point.
struct SymmetricEigen: Sendable {
    /// Eigenvalues, in no particular order.
    var values: [Double]
    /// Eigenvectors as columns, row-major: `vectors[i][k]` is component `i` of eigenvector `k`.
    var vectors: [[Double]]

    init(_ matrix: [[Double]]) {
        let n = matrix.count
        var a = matrix.flatMap { $0 }
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        a.withUnsafeMutableBufferPointer { a in
            v.withUnsafeMutableBufferPointer { v in
                Self.rotate(a, v, n)
            }
        }
        values = (0..<n).map { a[$0 * n + $0] }
        vectors = (0..<n).map { i in Array(v[(i * n)..<(i * n + n)]) }
    }

    private static func rotate(_ a: UnsafeMutableBufferPointer<Double>, _ v: UnsafeMutableBufferPointer<Double>, _ n: Int) {
        guard n > 1 else { return }
        for _ in 0..<100 {
            var offDiagonal = 0.0
            var diagonal = 0.0
            for i in 0..<n {
                diagonal += a[i * n + i] * a[i * n + i]
                for j in (i + 1)..<n { offDiagonal += a[i * n + j] * a[i * n + j] }
            }
            if offDiagonal <= 1e-30 * Swift.max(diagonal, .leastNormalMagnitude) { return }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
    }
}
