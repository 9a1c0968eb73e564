/// The update rule.
public enum OptimizerKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// Stochastic gradient descent, with `momentum` (0 for plain SGD) and optional Nesterov momentum;
    /// `weightDecay` is added to the gradient (L2).
    case sgd
    /// Adam; `weightDecay` is added to the gradient (L2), as in PyTorch's `Adam`.
    case adam
    /// AdamW: Adam with decoupled weight decay, as in PyTorch's `AdamW`.
    case adamw
}
