import CLinearAlgebra
import Foundation

/// One fully connected layer's parameters: `weights` is `fanIn × fanOut` (row-major), `bias` has `fanOut` values.
public struct DenseLayer: Sendable, Hashable {
    public var weights: Tensor
    public var bias: [Float]

    public init(weights: Tensor, bias: [Float]) {
        self.weights = weights
        self.bias = bias
    }
}

/// The parameters of a trained network, copied to the host, with CPU inference.
public struct TrainedModel: Sendable, Hashable {
    /// The layers from input to output.
    public var layers: [DenseLayer]
    /// The activation after every hidden layer.
    public var activation: Activation

    public init(layers: [DenseLayer], activation: Activation) {
        self.layers = layers
        self.activation = activation
    }

    /// The logits (`samples × classes`) for row-major `features` (`samples × inputs`); no dropout.
    public func logits(for features: Tensor) -> Tensor {
        var current = features
        for (index, layer) in layers.enumerated() {
            var output = Tensor(rows: current.rows, columns: layer.weights.columns)
            for row in 0..<output.rows {
                for column in 0..<output.columns { output[row, column] = layer.bias[column] }
            }
            let rows = Int32(current.rows)
            let columns = Int32(layer.weights.columns)
            let inner = Int32(layer.weights.rows)
            current.withUnsafeBufferPointer { input in
                layer.weights.withUnsafeBufferPointer { weights in
                    output.withUnsafeMutableBufferPointer { result in
                        guard let a = input.baseAddress, let b = weights.baseAddress, let c = result.baseAddress else {
                            return
                        }
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, columns, inner,
                            1, a, max(inner, 1), b, max(columns, 1), 1, c, max(columns, 1))
                    }
                }
            }
            if index < layers.count - 1 {
                output.withUnsafeMutableBufferPointer { values in
                    for i in values.indices { values[i] = activation.apply(values[i]) }
                }
            }
            current = output
        }
        return current
    }

    /// The predicted class (arg-max logit, first on ties) of every row of `features`.
    public func predictions(for features: Tensor) -> [Int] {
        let scores = logits(for: features)
        return (0..<scores.rows).map { row in
            var best = 0
            for column in 1..<max(scores.columns, 1) where scores[row, column] > scores[row, best] { best = column }
            return best
        }
    }
}

extension Activation {
    /// The activation of one value (host reference implementation).
    func apply(_ x: Float) -> Float {
        switch self {
        case .relu: max(x, 0)
        case .tanh: Foundation.tanh(x)
        case .sigmoid: 1 / (1 + exp(-x))
        case .gelu: 0.5 * x * (1 + erf(x * Float(0.5).squareRoot()))
        }
    }
}
