import CLinearAlgebra
import Foundation
import Synchronization

/// The Cholesky factorization `A + jitter · I = L · Lᵀ` of a symmetric positive (semi-)definite matrix, by LAPACK's
/// `dpotrf`.
///
/// A covariance matrix that is singular in floating point (duplicate points, tiny noise) is not an error: the
/// factorization retries with an escalating multiple of the mean diagonal added (`1e-10`, `1e-9`, … up to `1e-1`
/// of it) and records the jitter it needed in ``jitter``.
///
/// **Growing in place.** `L` lives in a column-major buffer that may have room for more rows than ``order``; the
/// factor reads only its leading `order × order` block. appending writes the new rows into that
/// room when no other factor has grown from this one, so a model extended by one observation per suggestion does
/// not copy its O(n²) factor each time; otherwise (no room, or a sibling took the rows) it copies into a buffer a
/// quarter larger.
public struct CholeskyFactor: Sendable {
    private let storage: FactorStorage
    /// What was added to the diagonal before the factorization succeeded (`0` when nothing was needed).
    public let jitter: Double
    /// The order of the factored matrix.
    public let order: Int

    /// The buffer's leading dimension.
    private var stride: Int { storage.capacity }

    /// `L` in the lower triangle, zeros above (a copy).
    public var factor: Matrix { lowerTriangular }

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
            self.storage = FactorStorage(capacity: 0, order: 0)
            self.jitter = initialJitter
            self.order = 0
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
            let candidate = matrix.elements.withUnsafeBufferPointer { FactorStorage(order: n, copying: $0) }
            if jitter > 0 {
                for i in 0..<n { candidate.elements[i * (n + 1)] += jitter }
            }
            var order = Int32(n)
            var lda = order
            var info: Int32 = 0
            dpotrf_("L", &order, candidate.elements, &lda, &info)
            if info == 0 {
                self.storage = candidate
                self.jitter = jitter
                self.order = n
                return
            }
            if info < 0 { throw .invalidArgument(routine: "dpotrf", info: Int(info)) }
        }
        throw .notPositiveDefinite(order: n, jitter: jitters.last ?? 0)
    }

    private init(storage: FactorStorage, order: Int, jitter: Double) {
        self.storage = storage
        self.order = order
        self.jitter = jitter
    }

    /// `L` with zeros above the diagonal.
    public var lowerTriangular: Matrix {
        let n = order
        var result = Matrix(rows: n, columns: n)
        let source = storage.elements
        let stride = stride
        result.elements.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                for i in j..<n { a[i + j * n] = source[i + j * stride] }
            }
        }
        return result
    }

    /// `log det(A + jitter · I) = 2 Σ log Lᵢᵢ`.
    public var logDeterminant: Double {
        var sum = 0.0
        for i in 0..<order { sum += 2 * Foundation.log(storage.elements[i * (stride + 1)]) }
        return sum
    }

    /// `(A + jitter · I)⁻¹ · B` through `dpotrs` (two `dtrsv` for one column).
    public func solve(_ rightHandSides: Matrix) -> Matrix {
        precondition(rightHandSides.rows == order, "Right-hand sides must have as many rows as the factored matrix")
        if rightHandSides.columns == 1 { return Matrix(rows: order, columns: 1, elements: solve(rightHandSides.elements)) }
        var result = rightHandSides
        guard order > 0, rightHandSides.columns > 0 else { return result }
        var n = Int32(order)
        var nrhs = Int32(rightHandSides.columns)
        var lda = Int32(stride)
        var ldb = n
        var info: Int32 = 0
        result.elements.withUnsafeMutableBufferPointer { b in
            dpotrs_("L", &n, &nrhs, storage.elements, &lda, b.baseAddress, &ldb, &info)
        }
        return result
    }

    /// `(A + jitter · I)⁻¹ · b` by two `dtrsv`: for one right-hand side LAPACK's `dpotrs` goes through `dtrsm`, which
    /// packs the whole triangle into a scratch buffer on every call and costs several times more at large order.
    public func solve(_ vector: [Double]) -> [Double] {
        precondition(vector.count == order, "The right-hand side must have as many entries as the factored matrix has rows")
        var result = vector
        guard order > 0 else { return result }
        result.withUnsafeMutableBufferPointer { b in
            cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(order), storage.elements, Int32(stride), b.baseAddress, 1)
            cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, Int32(order), storage.elements, Int32(stride), b.baseAddress, 1)
        }
        return result
    }

    /// `L⁻¹ · B` (or `L⁻ᵀ · B` when `transposed`) through `dtrsm` (`dtrsv` for one column).
    public func solveTriangular(_ rightHandSides: Matrix, transposed: Bool = false) -> Matrix {
        precondition(rightHandSides.rows == order, "Right-hand sides must have as many rows as the factored matrix")
        if rightHandSides.columns == 1 {
            return Matrix(rows: order, columns: 1, elements: solveTriangular(rightHandSides.elements, transposed: transposed))
        }
        var result = rightHandSides
        guard order > 0, rightHandSides.columns > 0 else { return result }
        result.elements.withUnsafeMutableBufferPointer { b in
            cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, transposed ? CblasTrans : CblasNoTrans, CblasNonUnit,
                        Int32(order), Int32(rightHandSides.columns), 1, storage.elements, Int32(stride), b.baseAddress, Int32(order))
        }
        return result
    }

    /// `L⁻¹ · b` (or `L⁻ᵀ · b` when `transposed`) through `dtrsv` (level 2: no packing of the triangle; see the vector `solve`).
    public func solveTriangular(_ vector: [Double], transposed: Bool = false) -> [Double] {
        precondition(vector.count == order, "The right-hand side must have as many entries as the factored matrix has rows")
        var result = vector
        guard order > 0 else { return result }
        result.withUnsafeMutableBufferPointer { b in
            cblas_dtrsv(CblasColMajor, CblasLower, transposed ? CblasTrans : CblasNoTrans, CblasNonUnit, Int32(order),
                        storage.elements, Int32(stride), b.baseAddress, 1)
        }
        return result
    }

    /// `(A + jitter · I)⁻¹`, both triangles filled.
    ///
    /// Computed as `L⁻ᵀ L⁻¹`: `dtrtri` for `L⁻¹`, then `dsyrk`, which runs at `dgemm` speed. OpenBLAS's `dpotri`
    /// (`dtrtri` then `dlauum`) does the second half with level-2 `dtrmv` loops below order ~500 and is several times
    /// slower there; it remains the fallback should `dtrtri` report a zero pivot.
    public func inverse() -> Matrix {
        guard order > 0 else { return Matrix(rows: 0, columns: 0) }
        var inverseFactor = lowerTriangular
        var n = Int32(order)
        var lda = n
        var info: Int32 = 0
        inverseFactor.elements.withUnsafeMutableBufferPointer { a in
            dtrtri_("L", "N", &n, a.baseAddress, &lda, &info)
        }
        if info == 0 { return inverseFactor.innerGram() }
        var result = lowerTriangular
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
        let target = grown(by: 1)
        let stride = target.capacity
        let new = target.elements
        for j in 0..<n { new[n + j * stride] = row[j] }
        new[n * (stride + 1)] = diagonal
        return CholeskyFactor(storage: target, order: n + 1, jitter: jitter)
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
        let target = grown(by: k)
        let stride = target.capacity
        let new = target.elements
        solved.elements.withUnsafeBufferPointer { s in
            for j in 0..<n {
                for r in 0..<k { new[j * stride + n + r] = s[j + r * n] }
            }
        }
        let t = trailing.storage.elements
        let trailingStride = trailing.stride
        for c in 0..<k {
            for r in c..<k { new[(n + c) * stride + n + r] = t[c * trailingStride + r] }
        }
        return CholeskyFactor(storage: target, order: n + k, jitter: jitter)
    }

    /// A buffer whose leading `order` block is this factor and whose next `k` rows the caller may write: this one when
    /// it has room and no other factor has grown from this one, a zeroed copy a quarter larger otherwise.
    private func grown(by k: Int) -> FactorStorage {
        if storage.claimRows(from: order, count: k) { return storage }
        let n = order
        let size = n + k
        let copy = FactorStorage(capacity: size + Swift.max(size / 4, 16), order: size)
        let oldStride = stride
        let newStride = copy.capacity
        for j in 0..<n {
            (copy.elements + j * newStride + j).update(from: storage.elements + j * oldStride + j, count: n - j)
        }
        return copy
    }
}

/// The column-major buffer under one or more ``CholeskyFactor``s: a factor of order `n` reads its leading `n × n`
/// lower triangle, which is never written again once a factor of that order exists.
///
/// `@unchecked Sendable`: a factor writes only rows it claimed under `grownOrder`'s lock (``claimRows(from:count:)``),
/// which no existing factor reads, before the longer factor that reads them is created; a factor reaches another
/// thread only through something that synchronizes (the GP cache's mutex).
final class FactorStorage: @unchecked Sendable {
    /// The leading dimension: rows and columns of room.
    let capacity: Int
    let elements: UnsafeMutablePointer<Double>
    /// The order of the longest factor built in this buffer.
    private let grownOrder: Mutex<Int>

    /// A zeroed buffer with room for `capacity` rows and columns, holding a factor of order `order`.
    init(capacity: Int, order: Int) {
        self.capacity = capacity
        self.elements = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(capacity * capacity, 1))
        self.elements.initialize(repeating: 0, count: Swift.max(capacity * capacity, 1))
        self.grownOrder = Mutex(order)
    }

    /// A buffer without spare room holding a copy of the `order × order` column-major matrix `source`.
    init(order: Int, copying source: UnsafeBufferPointer<Double>) {
        precondition(source.count == order * order, "The buffer must hold an order × order matrix")
        self.capacity = order
        self.elements = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(order * order, 1))
        if let base = source.baseAddress, order > 0 {
            self.elements.initialize(from: base, count: order * order)
        } else {
            self.elements.initialize(to: 0)
        }
        self.grownOrder = Mutex(order)
    }

    deinit {
        elements.deallocate()
    }

    /// Claims rows `order ..< order + count` for the caller, if the buffer has room for them and no factor has grown
    /// past `order` in it yet.
    func claimRows(from order: Int, count: Int) -> Bool {
        grownOrder.withLock { grown in
            guard grown == order, order + count <= capacity else { return false }
            grown = order + count
            return true
        }
    }
}
