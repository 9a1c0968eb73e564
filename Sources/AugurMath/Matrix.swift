import CLinearAlgebra

/// A dense matrix of doubles stored column-major in one contiguous buffer, the layout BLAS and LAPACK expect.
///
/// Products go through BLAS (`dgemm`, `dgemv`, `dsyrk`); only O(n) glue is written in Swift. Dimension mismatches
/// are programming errors and trap; nothing a user types reaches them unchecked.
public struct Matrix: Sendable, Hashable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, column after column: entry `(i, j)` is `elements[i + j * rows]`.
    public var elements: [Double]

    /// A `rows × columns` matrix with every entry `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        self.elements = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix over column-major `elements` (`elements.count == rows * columns`).
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(rows >= 0 && columns >= 0 && elements.count == rows * columns, "Matrix needs rows * columns elements")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from its rows, written the way it reads on paper (`[[1, 2], [3, 4]]`).
    public init(rowMajor rowsOfValues: [[Double]]) {
        let rowCount = rowsOfValues.count
        let columnCount = rowsOfValues.first?.count ?? 0
        precondition(rowsOfValues.allSatisfy { $0.count == columnCount }, "Every row must have the same length")
        var elements = [Double](repeating: 0, count: rowCount * columnCount)
        for (i, row) in rowsOfValues.enumerated() {
            for (j, value) in row.enumerated() {
                elements[i + j * rowCount] = value
            }
        }
        self.init(rows: rowCount, columns: columnCount, elements: elements)
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var matrix = Matrix(rows: n, columns: n)
        for i in 0..<n {
            matrix.elements[i * (n + 1)] = 1
        }
        return matrix
    }

    /// A square matrix with `diagonal` on its diagonal and zeros elsewhere.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        let n = diagonal.count
        var matrix = Matrix(rows: n, columns: n)
        for i in 0..<n {
            matrix.elements[i * (n + 1)] = diagonal[i]
        }
        return matrix
    }

    /// Entry `(row, column)`.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        Array(elements[(j * rows)..<((j + 1) * rows)])
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        (0..<columns).map { elements[i + $0 * rows] }
    }

    /// The diagonal entries.
    public var diagonalElements: [Double] {
        (0..<Swift.min(rows, columns)).map { elements[$0 * (rows + 1)] }
    }

    /// The transpose (a copy).
    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        elements.withUnsafeBufferPointer { source in
            result.elements.withUnsafeMutableBufferPointer { target in
                for j in 0..<columns {
                    for i in 0..<rows {
                        target[j + i * columns] = source[i + j * rows]
                    }
                }
            }
        }
        return result
    }

    /// `alpha · op(self) · op(other)` through `dgemm`, where `op` transposes when asked.
    public func multiplied(by other: Matrix, transposingSelf: Bool = false, transposingOther: Bool = false, alpha: Double = 1) -> Matrix {
        let m = transposingSelf ? columns : rows
        let k = transposingSelf ? rows : columns
        let otherK = transposingOther ? other.columns : other.rows
        let n = transposingOther ? other.rows : other.columns
        precondition(k == otherK, "Inner dimensions of a matrix product must agree (\(k) vs \(otherK))")
        var result = Matrix(rows: m, columns: n)
        guard m > 0, n > 0 else { return result }
        if k == 0 { return result }
        elements.withUnsafeBufferPointer { a in
            other.elements.withUnsafeBufferPointer { b in
                result.elements.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(
                        CblasColMajor, transposingSelf ? CblasTrans : CblasNoTrans, transposingOther ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a.baseAddress, Int32(Swift.max(rows, 1)),
                        b.baseAddress, Int32(Swift.max(other.rows, 1)), 0, c.baseAddress, Int32(Swift.max(m, 1)))
                }
            }
        }
        return result
    }

    /// The matrix product `lhs · rhs`.
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        lhs.multiplied(by: rhs)
    }

    /// `op(self) · vector` through `dgemv`.
    public func multiplied(by vector: [Double], transposingSelf: Bool = false) -> [Double] {
        let inputCount = transposingSelf ? rows : columns
        let outputCount = transposingSelf ? columns : rows
        precondition(vector.count == inputCount, "Vector length \(vector.count) does not match the matrix (\(inputCount))")
        var result = [Double](repeating: 0, count: outputCount)
        guard rows > 0, columns > 0 else { return result }
        elements.withUnsafeBufferPointer { a in
            vector.withUnsafeBufferPointer { x in
                result.withUnsafeMutableBufferPointer { y in
                    cblas_dgemv(CblasColMajor, transposingSelf ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), 1,
                                a.baseAddress, Int32(rows), x.baseAddress, 1, 0, y.baseAddress, 1)
                }
            }
        }
        return result
    }

    /// `alpha · self · selfᵀ` (`rows × rows`) through `dsyrk`, with both triangles filled.
    public func outerGram(alpha: Double = 1) -> Matrix {
        var result = Matrix(rows: rows, columns: rows)
        guard rows > 0, columns > 0 else { return result }
        elements.withUnsafeBufferPointer { a in
            result.elements.withUnsafeMutableBufferPointer { c in
                cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, Int32(rows), Int32(columns), alpha, a.baseAddress,
                            Int32(rows), 0, c.baseAddress, Int32(rows))
            }
        }
        result.symmetrizeFromLower()
        return result
    }

    /// `alpha · selfᵀ · self` (`columns × columns`) through `dsyrk`, with both triangles filled.
    public func innerGram(alpha: Double = 1) -> Matrix {
        var result = Matrix(rows: columns, columns: columns)
        guard rows > 0, columns > 0 else { return result }
        elements.withUnsafeBufferPointer { a in
            result.elements.withUnsafeMutableBufferPointer { c in
                cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, Int32(columns), Int32(rows), alpha, a.baseAddress,
                            Int32(rows), 0, c.baseAddress, Int32(columns))
            }
        }
        result.symmetrizeFromLower()
        return result
    }

    /// Copies the strict lower triangle onto the upper one (square matrices).
    public mutating func symmetrizeFromLower() {
        precondition(rows == columns, "Only a square matrix can be symmetrized")
        let n = rows
        elements.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                for i in (j + 1)..<Swift.max(n, j + 1) {
                    a[j + i * n] = a[i + j * n]
                }
            }
        }
    }

    /// Adds `value` to every diagonal entry.
    public mutating func addToDiagonal(_ value: Double) {
        let stride = rows + 1
        elements.withUnsafeMutableBufferPointer { a in
            for i in 0..<Swift.min(rows, columns) {
                a[i * stride] += value
            }
        }
    }

    /// `self += alpha · other` through `daxpy`.
    public mutating func add(_ other: Matrix, scaledBy alpha: Double = 1) {
        precondition(rows == other.rows && columns == other.columns, "Matrix sums need equal shapes")
        let count = elements.count
        guard count > 0 else { return }
        other.elements.withUnsafeBufferPointer { x in
            elements.withUnsafeMutableBufferPointer { y in
                cblas_daxpy(Int32(count), alpha, x.baseAddress, 1, y.baseAddress, 1)
            }
        }
    }

    /// Whether every entry is finite.
    public var isFinite: Bool {
        elements.allSatisfy(\.isFinite)
    }

    public var description: String {
        (0..<rows).map { i in row(i).map { String($0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}
