import AugurMath
import Foundation
import Testing

@Suite struct CholeskyFactorTests {
    // A textbook example: [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
    let matrix = Matrix(rowMajor: [[4, 12, -16], [12, 37, -43], [-16, -43, 98]])

    @Test func factorsAKnownMatrix() throws {
        let cholesky = try CholeskyFactor(matrix)
        #expect(cholesky.jitter == 0)
        #expect(cholesky.lowerTriangular == Matrix(rowMajor: [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]))
        #expect(abs(cholesky.logDeterminant - log(36.0)) < 1e-12)
    }

    @Test func solvesLinearSystems() throws {
        let cholesky = try CholeskyFactor(matrix)
        let x = [1.0, -2, 0.5]
        let b = matrix.multiplied(by: x)
        for (solved, expected) in zip(cholesky.solve(b), x) {
            #expect(abs(solved - expected) < 1e-9)
        }
        let twoColumns = Matrix(rows: 3, columns: 2, elements: b + b.map { 2 * $0 })
        let solved = cholesky.solve(twoColumns)
        #expect(abs(solved[2, 1] - 1.0) < 1e-9)
    }

    @Test func solvesTriangularSystems() throws {
        let cholesky = try CholeskyFactor(matrix)
        let lower = cholesky.lowerTriangular
        let y = [3.0, 1, -1]
        let forward = cholesky.solveTriangular(lower.multiplied(by: y))
        let backward = cholesky.solveTriangular(lower.multiplied(by: y, transposingSelf: true), transposed: true)
        let matrixForm = cholesky.solveTriangular(Matrix(rows: 3, columns: 1, elements: lower.multiplied(by: y)))
        for i in 0..<3 {
            #expect(abs(forward[i] - y[i]) < 1e-12)
            #expect(abs(backward[i] - y[i]) < 1e-12)
            #expect(abs(matrixForm.elements[i] - y[i]) < 1e-12)
        }
    }

    @Test func invertsThroughPotri() throws {
        let inverse = try CholeskyFactor(matrix).inverse()
        let product = matrix * inverse
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(abs(product[i, j] - (i == j ? 1 : 0)) < 1e-9)
            }
        }
    }

    @Test func addsJitterToASingularMatrix() throws {
        // Two identical points under a kernel give a rank-one matrix.
        let singular = Matrix(rowMajor: [[1, 1], [1, 1]])
        let cholesky = try CholeskyFactor(singular)
        #expect(cholesky.jitter > 0)
        #expect(cholesky.jitter <= 1e-1)
    }

    @Test func rejectsNonFiniteAndIndefiniteMatrices() {
        #expect(throws: LinearAlgebraError.nonFiniteEntries) {
            try CholeskyFactor(Matrix(rowMajor: [[1, .nan], [.nan, 1]]))
        }
        #expect(throws: LinearAlgebraError.self) {
            try CholeskyFactor(Matrix(rowMajor: [[1, 0], [0, -5]]))
        }
    }

    @Test func appendsARowAndColumn() throws {
        let leading = Matrix(rowMajor: [[4, 12], [12, 37]])
        let extended = try CholeskyFactor(leading).appending(border: [-16, -43], corner: 98)
        #expect(extended.lowerTriangular == Matrix(rowMajor: [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]))
    }

    /// SplitMix64: a seeded source of test matrices.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A random symmetric positive definite matrix `GᵀG + 0.1 I` of order `n`.
    static func randomPositiveDefinite(_ n: Int, _ generator: inout SplitMix) -> Matrix {
        let g = Matrix(rows: n + 2, columns: n, elements: (0..<((n + 2) * n)).map { _ in Double.random(in: -1...1, using: &generator) })
        var a = g.innerGram()
        a.addToDiagonal(0.1)
        return a
    }

    /// The leading `rows × columns` block starting at (`top`, `left`).
    static func block(_ a: Matrix, top: Int, left: Int, rows: Int, columns: Int) -> Matrix {
        var result = Matrix(rows: rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { result[i, j] = a[top + i, left + j] }
        }
        return result
    }

    /// The law: appending k rows to the factor of the leading block equals factoring the whole matrix, for any split.
    @Test(arguments: [(1, 1), (1, 7), (5, 1), (12, 3), (30, 10), (64, 64), (0, 5)])
    func appendingRowsEqualsAFreshFactorization(leading n: Int, appended k: Int) throws {
        var generator = SplitMix(state: UInt64(n * 1_000 + k))
        for _ in 0..<5 {
            let a = Self.randomPositiveDefinite(n + k, &generator)
            let fresh = try CholeskyFactor(a)
            let leading = try CholeskyFactor(Self.block(a, top: 0, left: 0, rows: n, columns: n))
            let extended = try leading.appending(border: Self.block(a, top: 0, left: n, rows: n, columns: k),
                                                 corner: Self.block(a, top: n, left: n, rows: k, columns: k))
            #expect(extended.order == n + k)
            let expected = fresh.lowerTriangular
            let actual = extended.lowerTriangular
            var largest = 0.0
            for index in 0..<expected.elements.count { largest = max(largest, abs(expected.elements[index] - actual.elements[index])) }
            #expect(largest < 1e-9)
        }
    }

    /// The law: one right-hand side (level-2 `dtrsv`) solves exactly what the blocked `dtrsm` path solves, at orders
    /// below and above OpenBLAS's block sizes.
    @Test(arguments: [1, 7, 65, 300])
    func oneRightHandSideSolvesAsTheBlockedPathDoes(order n: Int) throws {
        var generator = SplitMix(state: UInt64(n))
        let cholesky = try CholeskyFactor(Self.randomPositiveDefinite(n, &generator))
        let b = (0..<n).map { _ in Double.random(in: -1...1, using: &generator) }
        // Two columns force the dtrsm path; the second column is the same vector.
        let twice = Matrix(rows: n, columns: 2, elements: b + b)
        let pairs = [
            (cholesky.solve(b), cholesky.solve(twice).column(1)),
            (cholesky.solveTriangular(b), cholesky.solveTriangular(twice).column(1)),
            (cholesky.solveTriangular(b, transposed: true), cholesky.solveTriangular(twice, transposed: true).column(1)),
            (cholesky.solveTriangular(Matrix(rows: n, columns: 1, elements: b)).elements, cholesky.solveTriangular(twice).column(0)),
        ]
        for (single, blocked) in pairs {
            let scale = blocked.reduce(1) { max($0, abs($1)) }
            var largest = 0.0
            for i in 0..<n { largest = max(largest, abs(single[i] - blocked[i])) }
            #expect(largest <= 1e-10 * scale)
        }
    }

    /// Extending grows the factor in place while it can: a chain of one-row extensions, and two siblings grown from
    /// the same factor (the second gets a copy), each equal a fresh factorization, solve as one does, and leave the
    /// factors they grew from unchanged.
    @Test func extensionsInPlaceAndSiblingsEqualFreshFactorizations() throws {
        var generator = SplitMix(state: 42)
        let size = 40
        let a = Self.randomPositiveDefinite(size, &generator)
        func leading(_ n: Int) throws -> CholeskyFactor { try CholeskyFactor(Self.block(a, top: 0, left: 0, rows: n, columns: n)) }
        func expectClose(_ actual: CholeskyFactor, _ expected: CholeskyFactor) {
            #expect(actual.order == expected.order)
            let x = actual.lowerTriangular.elements
            let y = expected.lowerTriangular.elements
            #expect(zip(x, y).allSatisfy { abs($0 - $1) < 1e-9 })
            let b = (0..<expected.order).map { Double($0 % 7) - 3 }
            #expect(zip(actual.solve(b), expected.solve(b)).allSatisfy { abs($0 - $1) < 1e-8 })
            let twice = Matrix(rows: expected.order, columns: 2, elements: b + b)
            #expect(zip(actual.solveTriangular(twice).elements, expected.solveTriangular(twice).elements).allSatisfy { abs($0 - $1) < 1e-8 })
        }
        var chain = [try leading(10)]
        for n in 10..<30 {
            let border = (0..<n).map { a[$0, n] }
            chain.append(chain[chain.count - 1].appending(border: border, corner: a[n, n]))
        }
        for (offset, factor) in chain.enumerated() { expectClose(factor, try leading(10 + offset)) }
        // Siblings: rows 30..<33 as a block, and rows 30..<33 of a permuted matrix (one row at a time), both from chain's last.
        let base = chain[chain.count - 1]
        let block = try base.appending(border: Self.block(a, top: 0, left: 30, rows: 30, columns: 3), corner: Self.block(a, top: 30, left: 30, rows: 3, columns: 3))
        expectClose(block, try leading(33))
        let sibling = base.appending(border: (0..<30).map { a[$0, 35] }, corner: a[35, 35])
        var permuted = Self.block(a, top: 0, left: 0, rows: 31, columns: 31)
        for i in 0..<30 {
            permuted[i, 30] = a[i, 35]
            permuted[30, i] = a[35, i]
        }
        permuted[30, 30] = a[35, 35]
        expectClose(sibling, try CholeskyFactor(permuted))
        expectClose(block, try leading(33))
        expectClose(base, try leading(30))
    }

    @Test func appendingKeepsTheJitterOfTheLeadingFactor() throws {
        let singular = Matrix(rowMajor: [[1, 1], [1, 1]])
        let leading = try CholeskyFactor(singular)
        let extended = try leading.appending(border: Matrix(rowMajor: [[0.5], [0.5]]), corner: Matrix(rowMajor: [[1]]))
        #expect(extended.jitter == leading.jitter)
        var whole = Matrix(rowMajor: [[1, 1, 0.5], [1, 1, 0.5], [0.5, 0.5, 1]])
        whole.addToDiagonal(leading.jitter)
        let fresh = try CholeskyFactor(whole)
        for index in 0..<9 { #expect(abs(fresh.lowerTriangular.elements[index] - extended.lowerTriangular.elements[index]) < 1e-9) }
    }

    @Test func appendingRejectsANonFiniteCorner() throws {
        let leading = try CholeskyFactor(matrix)
        #expect(throws: LinearAlgebraError.nonFiniteEntries) {
            try leading.appending(border: Matrix(rows: 3, columns: 1), corner: Matrix(rowMajor: [[.nan]]))
        }
    }
}
