import AugurMath
import Testing

@Suite struct MatrixTests {
    @Test func storesColumnMajor() {
        let matrix = Matrix(rowMajor: [[1, 2, 3], [4, 5, 6]])
        #expect(matrix.elements == [1, 4, 2, 5, 3, 6])
        #expect(matrix[1, 2] == 6)
        #expect(matrix.row(0) == [1, 2, 3])
        #expect(matrix.column(1) == [2, 5])
        #expect(matrix.transposed == Matrix(rowMajor: [[1, 4], [2, 5], [3, 6]]))
    }

    @Test func multipliesThroughGemm() {
        let a = Matrix(rowMajor: [[1, 2], [3, 4], [5, 6]])
        let b = Matrix(rowMajor: [[7, 8, 9], [10, 11, 12]])
        #expect(a * b == Matrix(rowMajor: [[27, 30, 33], [61, 68, 75], [95, 106, 117]]))
        #expect(a.multiplied(by: a, transposingSelf: true) == Matrix(rowMajor: [[35, 44], [44, 56]]))
        #expect(a.multiplied(by: b, transposingSelf: true, transposingOther: true, alpha: 2)
            == Matrix(rowMajor: [[2 * 76, 2 * 103], [2 * 100, 2 * 136]]))
    }

    @Test func multipliesVectorsThroughGemv() {
        let a = Matrix(rowMajor: [[1, 2], [3, 4], [5, 6]])
        #expect(a.multiplied(by: [1, -1]) == [-1, -1, -1])
        #expect(a.multiplied(by: [1, 0, 2], transposingSelf: true) == [11, 14])
    }

    @Test func gramMatricesMatchExplicitProducts() {
        let a = Matrix(rowMajor: [[1, 2], [3, 4], [5, 6]])
        #expect(a.outerGram() == a.multiplied(by: a, transposingOther: true))
        #expect(a.innerGram(alpha: 0.5) == a.multiplied(by: a, transposingSelf: true, alpha: 0.5))
    }

    @Test func addsAndShiftsTheDiagonal() {
        var a = Matrix.identity(2)
        a.add(Matrix(rowMajor: [[1, 2], [3, 4]]), scaledBy: 2)
        a.addToDiagonal(1)
        #expect(a == Matrix(rowMajor: [[4, 4], [6, 10]]))
        #expect(Matrix.diagonal([1, 2]).diagonalElements == [1, 2])
    }
}
