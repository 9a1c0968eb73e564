/// A dense two-dimensional Float32 tensor stored contiguously in **row-major** order.
///
/// Element `(row, column)` lives at `storage[row * columns + column]`; a row is one sample (or one output unit of a
/// weight matrix's input), so a minibatch is a contiguous run of rows. The same layout is used on every backend:
/// the CPU backend calls `cblas_sgemm` with `CblasRowMajor`, and the CUDA backend maps row-major products onto
/// column-major cuBLAS by swapping operands.
public struct Tensor: Sendable, Hashable {
    /// Number of rows (samples, or input units for a weight matrix).
    public let rows: Int
    /// Number of columns (features, or output units for a weight matrix).
    public let columns: Int
    /// The elements, row after row; `storage.count == rows * columns`.
    public private(set) var storage: [Float]

    /// A tensor with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.rows = max(rows, 0)
        self.columns = max(columns, 0)
        self.storage = [Float](repeating: value, count: self.rows * self.columns)
    }

    /// A tensor over existing row-major values; `nil` when `values.count != rows * columns`.
    public init?(rows: Int, columns: Int, values: [Float]) {
        guard rows >= 0, columns >= 0, values.count == rows * columns else { return nil }
        self.rows = rows
        self.columns = columns
        self.storage = values
    }

    /// The number of elements.
    public var count: Int { storage.count }

    /// Element access; indices must be in range.
    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// The values of one row.
    public func row(_ index: Int) -> ArraySlice<Float> {
        storage[(index * columns)..<((index + 1) * columns)]
    }

    /// A tensor made of the given rows, in the given order.
    public func gatheringRows(_ indices: [Int]) -> Tensor {
        var result = Tensor(rows: indices.count, columns: columns)
        let width = columns
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                for (position, index) in indices.enumerated() {
                    (to + position * width).update(from: from + index * width, count: width)
                }
            }
        }
        return result
    }

    /// Calls `body` with the contiguous row-major elements.
    public func withUnsafeBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<Float>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the contiguous row-major elements, which it may change.
    public mutating func withUnsafeMutableBufferPointer<Result, Failure: Error>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try storage.withUnsafeMutableBufferPointer(body)
    }
}
