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
}
