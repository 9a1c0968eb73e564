import CLinearAlgebra
import Foundation

/// The Cholesky factorization `A + jitter · I = L · Lᵀ` of a symmetric positive (semi-)definite matrix, by LAPACK's
/// `dpotrf`.
///
/// A covariance matrix that is singular in floating point (duplicate points, tiny noise) is not an error: the
/// factorization retries with an escalating multiple of the mean diagonal added (`1e-10`, `1e-9`, … up to `1e-1`
/// of it) and records the jitter it needed in ``jitter``.
public struct CholeskyFactor: Sendable {
    /// `L` in the lower triangle; the strict upper triangle is not part of the factor and holds leftovers.
    public let factor: Matrix
    /// What was added to the diagonal before the factorization succeeded (`0` when nothing was needed).
    public let jitter: Double

    /// The order of the factored matrix.
    public var order: Int { factor.rows }

    /// Factors the symmetric matrix `matrix` (only its lower triangle is read).
    ///
    /// - Parameter initialJitter: added to the diagonal on the first attempt.
    /// - Throws: ``LinearAlgebraError/nonFiniteEntries`` for NaN or infinite entries,
    ///   ``LinearAlgebraError/notPositiveDefinite(order:jitter:)`` when even the largest jitter does not help.
    public init(_ matrix: Matrix, initialJitter: Double = 0) throws(LinearAlgebraError) {
        precondition(matrix.rows == matrix.columns, "Only a square matrix has a Cholesky factorization")
        let n = matrix.rows
        guard matrix.isFinite else { throw .nonFiniteEntries }
        guard n > 0 else {
            self.factor = matrix
            self.jitter = initialJitter
            return
        }
        let diagonal = matrix.diagonalElements
        let scale = Swift.max(diagonal.reduce(0) { $0 + abs($1) } / Double(n), Double.leastNormalMagnitude)
        var jitters = [initialJitter]
        var relative = 1e-10
        while relative <= 0.1 {
            jitters.append(Swift.max(initialJitter, relative * scale))
            relative *= 10
        }
        for jitter in jitters {
            var candidate = matrix
            if jitter > 0 { candidate.addToDiagonal(jitter) }
            let info = Self.potrf(&candidate)
            if info == 0 {
                self.factor = candidate
                self.jitter = jitter
                return
            }
            if info < 0 { throw .invalidArgument(routine: "dpotrf", info: Int(info)) }
        }
        throw .notPositiveDefinite(order: n, jitter: jitters.last ?? 0)
    }

    private static func potrf(_ matrix: inout Matrix) -> Int32 {
        var n = Int32(matrix.rows)
        var lda = n
        var info: Int32 = 0
        matrix.elements.withUnsafeMutableBufferPointer { a in
            dpotrf_("L", &n, a.baseAddress, &lda, &info)
        }
        return info
    }

    /// `L` with zeros above the diagonal.
    public var lowerTriangular: Matrix {
        var result = factor
        let n = order
        result.elements.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                for i in 0..<j {
                    a[i + j * n] = 0
                }
            }
        }
        return result
    }

    /// `log det(A + jitter · I) = 2 Σ log Lᵢᵢ`.
    public var logDeterminant: Double {
        factor.diagonalElements.reduce(0) { $0 + 2 * Foundation.log($1) }
    }

    /// `(A + jitter · I)⁻¹ · B` through `dpotrs`.
    public func solve(_ rightHandSides: Matrix) -> Matrix {
        precondition(rightHandSides.rows == order, "Right-hand sides must have as many rows as the factored matrix")
        var result = rightHandSides
        guard order > 0, rightHandSides.columns > 0 else { return result }
        var n = Int32(order)
        var nrhs = Int32(rightHandSides.columns)
        var lda = n
        var ldb = n
        var info: Int32 = 0
        factor.elements.withUnsafeBufferPointer { a in
            result.elements.withUnsafeMutableBufferPointer { b in
                dpotrs_("L", &n, &nrhs, a.baseAddress, &lda, b.baseAddress, &ldb, &info)
            }
        }
        return result
    }

    /// `(A + jitter · I)⁻¹ · b`.
    public func solve(_ vector: [Double]) -> [Double] {
        solve(Matrix(rows: vector.count, columns: 1, elements: vector)).elements
    }

    /// `L⁻¹ · B` (or `L⁻ᵀ · B` when `transposed`) through `dtrsm`.
    public func solveTriangular(_ rightHandSides: Matrix, transposed: Bool = false) -> Matrix {
        precondition(rightHandSides.rows == order, "Right-hand sides must have as many rows as the factored matrix")
        var result = rightHandSides
        guard order > 0, rightHandSides.columns > 0 else { return result }
        factor.elements.withUnsafeBufferPointer { a in
            result.elements.withUnsafeMutableBufferPointer { b in
                cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, transposed ? CblasTrans : CblasNoTrans, CblasNonUnit,
                            Int32(order), Int32(rightHandSides.columns), 1, a.baseAddress, Int32(order), b.baseAddress, Int32(order))
            }
        }
        return result
    }

    /// `L⁻¹ · b` (or `L⁻ᵀ · b` when `transposed`) through `dtrtrs`.
    public func solveTriangular(_ vector: [Double], transposed: Bool = false) -> [Double] {
        precondition(vector.count == order, "The right-hand side must have as many entries as the factored matrix has rows")
        var result = vector
        guard order > 0 else { return result }
        var n = Int32(order)
        var nrhs: Int32 = 1
        var lda = n
        var ldb = n
        var info: Int32 = 0
        factor.elements.withUnsafeBufferPointer { a in
            result.withUnsafeMutableBufferPointer { b in
                dtrtrs_("L", transposed ? "T" : "N", "N", &n, &nrhs, a.baseAddress, &lda, b.baseAddress, &ldb, &info)
            }
        }
        return result
    }

    /// `(A + jitter · I)⁻¹`, both triangles filled.
    ///
    /// Computed as `L⁻ᵀ L⁻¹`: `dtrtri` for `L⁻¹`, then `dsyrk`, which runs at `dgemm` speed. OpenBLAS's `dpotri`
    /// (`dtrtri` then `dlauum`) does the second half with level-2 `dtrmv` loops below order ~500 and is several times
    /// slower there; it remains the fallback should `dtrtri` report a zero pivot.
    public func inverse() -> Matrix {
        guard order > 0 else { return factor }
        var inverseFactor = lowerTriangular
        var n = Int32(order)
        var lda = n
        var info: Int32 = 0
        inverseFactor.elements.withUnsafeMutableBufferPointer { a in
            dtrtri_("L", "N", &n, a.baseAddress, &lda, &info)
        }
        if info == 0 { return inverseFactor.innerGram() }
        var result = factor
        info = 0
        result.elements.withUnsafeMutableBufferPointer { a in
            dpotri_("L", &n, a.baseAddress, &lda, &info)
        }
        result.symmetrizeFromLower()
        return result
    }

    /// The factor of the bordered matrix `[[A, b], [bᵀ, c]]` in O(n²), from this factor of `A`: the new row of `L` is
    /// `L⁻¹ b` and the new diagonal entry `√(c + jitter − |L⁻¹ b|²)`. A non-positive pivot (the new point is a linear
    /// combination of the old ones) is raised to `√(1e-10 · c)` rather than failing.
    public func appending(border: [Double], corner: Double) -> CholeskyFactor {
        let n = order
        precondition(border.count == n, "The border must have one entry per row of the factored matrix")
        let row = solveTriangular(border)
        var squaredNorm = 0.0
        for value in row { squaredNorm += value * value }
        let pivot = corner + jitter - squaredNorm
        let diagonal = pivot > 1e-10 * Swift.max(abs(corner), Double.leastNormalMagnitude) ? pivot.squareRoot() : (1e-10 * Swift.max(abs(corner), 1e-300)).squareRoot()
        var elements = [Double](repeating: 0, count: (n + 1) * (n + 1))
        factor.elements.withUnsafeBufferPointer { old in
            elements.withUnsafeMutableBufferPointer { new in
                for j in 0..<n {
                    let source = UnsafeBufferPointer(rebasing: old[(j * n)..<(j * n + n)])
                    let target = UnsafeMutableBufferPointer(rebasing: new[(j * (n + 1))..<(j * (n + 1) + n)])
                    _ = target.initialize(from: source)
                    new[j * (n + 1) + n] = row[j]
                }
                new[n * (n + 1) + n] = diagonal
            }
        }
        return CholeskyFactor(factor: Matrix(rows: n + 1, columns: n + 1, elements: elements), jitter: jitter)
    }

    /// The factor of the bordered matrix `[[A, B], [Bᵀ, C]]` from this factor of `A` in O(n²k) instead of the
    /// O((n+k)³) of a fresh factorization: the new rows of `L` are `Sᵀ` with `S = L⁻¹ B` (`dtrsm`), and the new
    /// diagonal block is the Cholesky factor of the Schur complement `C + jitter · I − SᵀS`. This factor's jitter is
    /// added to `C`'s diagonal too, so the result equals a fresh factorization of the whole matrix with that jitter;
    /// should the Schur complement need more (the new points repeat old ones), only the new block gets it.
    ///
    /// - Parameters:
    ///   - border: `B`, one row per row of the factored matrix and one column per new row.
    ///   - corner: `C`, symmetric (only its lower triangle is read).
    /// - Throws: ``LinearAlgebraError`` when the Schur complement has non-finite entries or cannot be factored.
    public func appending(border: Matrix, corner: Matrix) throws(LinearAlgebraError) -> CholeskyFactor {
        let n = order
        let k = corner.rows
        precondition(corner.columns == k && border.rows == n && border.columns == k,
                     "The border must be n × k and the corner k × k for a factor of order n")
        guard k > 0 else { return self }
        let solved = solveTriangular(border)
        var schur = corner
        if n > 0 { schur.add(solved.innerGram(), scaledBy: -1) }
        if jitter > 0 { schur.addToDiagonal(jitter) }
        let trailing = try CholeskyFactor(schur)
        let size = n + k
        var elements = [Double](repeating: 0, count: size * size)
        factor.elements.withUnsafeBufferPointer { old in
            solved.elements.withUnsafeBufferPointer { s in
                trailing.factor.elements.withUnsafeBufferPointer { t in
                    elements.withUnsafeMutableBufferPointer { new in
                        for j in 0..<n {
                            let source = UnsafeBufferPointer(rebasing: old[(j * n)..<(j * n + n)])
                            let target = UnsafeMutableBufferPointer(rebasing: new[(j * size)..<(j * size + n)])
                            _ = target.initialize(from: source)
                            for r in 0..<k { new[j * size + n + r] = s[j + r * n] }
                        }
                        for c in 0..<k {
                            for r in c..<k { new[(n + c) * size + n + r] = t[c * k + r] }
                        }
                    }
                }
            }
        }
        return CholeskyFactor(factor: Matrix(rows: size, columns: size, elements: elements), jitter: jitter)
    }

    private init(factor: Matrix, jitter: Double) {
        self.factor = factor
        self.jitter = jitter
    }
}
