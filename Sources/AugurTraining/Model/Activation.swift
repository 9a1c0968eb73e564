/// The nonlinearity after each hidden layer.
public enum Activation: String, Sendable, Hashable, CaseIterable, Codable {
    /// `max(x, 0)`.
    case relu
    /// Hyperbolic tangent.
    case tanh
    /// Exact GELU, `x · Φ(x)` with the standard normal CDF `Φ` (PyTorch's default GELU).
    case gelu
    /// Logistic sigmoid `1 / (1 + e^−x)`.
    case sigmoid

    /// The code the CUDA kernels use for this activation.
    var kernelCode: Int32 {
        switch self {
        case .relu: 0
        case .tanh: 1
        case .gelu: 2
        case .sigmoid: 3
        }
    }
}
