import Foundation

/// The eigendecomposition `A = B · diag(values) · Bᵀ` of a small symmetric matrix, by cyclic Jacobi rotations.
///
/// CMA-ES decomposes its covariance once per generation, at the dimension of the search space (tens at most), where
/// Jacobi's few sweeps are cheaper than setting up LAPACK and give the same result on every machine.
struct SymmetricEigen: Sendable {
    /// Eigenvalues, in no particular order.
    var values: [Double]
    /// Eigenvectors as columns, row-major: `vectors[i][k]` is component `i` of eigenvector `k`.
    var vectors: [[Double]]

    init(_ matrix: [[Double]]) {
        let n = matrix.count
        var a = matrix
        var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var offDiagonal = 0.0
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { offDiagonal += a[i][j] * a[i][j] } }
            var diagonal = 0.0
            for i in 0..<n { diagonal += a[i][i] * a[i][i] }
            if offDiagonal <= 1e-30 * Swift.max(diagonal, .leastNormalMagnitude) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (Swift.abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        values = (0..<n).map { a[$0][$0] }
        vectors = v
    }
}
