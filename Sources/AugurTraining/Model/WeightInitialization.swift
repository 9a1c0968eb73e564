/// How the initial weights are drawn (biases always start at zero).
public enum WeightInitialization: String, Sendable, Hashable, CaseIterable, Codable {
    /// He for ReLU and GELU, Xavier for tanh and sigmoid.
    case auto
    /// He (Kaiming) normal: `N(0, 2 / fanIn)`.
    case he
    /// Xavier (Glorot) uniform: `U(−a, a)` with `a = √(6 / (fanIn + fanOut))`.
    case xavier

    /// The concrete scheme for `activation`.
    func resolved(for activation: Activation) -> WeightInitialization {
        guard self == .auto else { return self }
        switch activation {
        case .relu, .gelu: return .he
        case .tanh, .sigmoid: return .xavier
        }
    }

    /// A row-major `fanIn × fanOut` weight matrix drawn from `random`.
    func weights(fanIn: Int, fanOut: Int, activation: Activation, random: inout TrainingRandom) -> [Float] {
        let count = fanIn * fanOut
        var values = [Float](repeating: 0, count: count)
        switch resolved(for: activation) {
        case .he, .auto:
            let deviation = (2 / Double(max(fanIn, 1))).squareRoot()
            for i in 0..<count { values[i] = Float(random.nextGaussian() * deviation) }
        case .xavier:
            let limit = (6 / Double(max(fanIn + fanOut, 1))).squareRoot()
            for i in 0..<count { values[i] = Float((2 * random.nextUnit() - 1) * limit) }
        }
        return values
    }
}
