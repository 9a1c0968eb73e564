/// How features are transformed when a file is loaded.
public enum FeatureScaling: Sendable, Hashable {
    /// Values as they are in the file.
    case none
    /// Every value multiplied by `1 / divisor` (for example 16 for the optical digits, 255 for MNIST pixels).
    case divide(by: Float)
    /// Each feature shifted and scaled to mean 0 and standard deviation 1 over the loaded file
    /// (constant features become 0).
    case standardize

    func apply(to features: inout Tensor) {
        switch self {
        case .none:
            return
        case .divide(let divisor):
            let factor = 1 / divisor
            features.withUnsafeMutableBufferPointer { values in
                for i in values.indices { values[i] *= factor }
            }
        case .standardize:
            let rows = features.rows
            let columns = features.columns
            guard rows > 0 else { return }
            var mean = [Double](repeating: 0, count: columns)
            var squares = [Double](repeating: 0, count: columns)
            for row in 0..<rows {
                for column in 0..<columns {
                    let value = Double(features[row, column])
                    mean[column] += value
                    squares[column] += value * value
                }
            }
            for column in 0..<columns {
                mean[column] /= Double(rows)
                squares[column] = (squares[column] / Double(rows) - mean[column] * mean[column]).squareRoot()
            }
            for row in 0..<rows {
                for column in 0..<columns {
                    let deviation = squares[column]
                    let centred = Double(features[row, column]) - mean[column]
                    features[row, column] = deviation > 1e-12 ? Float(centred / deviation) : 0
                }
            }
        }
    }
}
