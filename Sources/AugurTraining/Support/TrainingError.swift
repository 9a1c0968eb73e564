/// One hyperparameter that could not be used, and why.
public struct HyperparameterProblem: Sendable, Hashable, CustomStringConvertible {
    /// The name as it was given (for example `lr`).
    public var name: String
    /// The value as it was given, or `nil` when the name itself is the problem.
    public var value: String?
    /// A sentence saying what is wrong and what would be accepted.
    public var message: String

    public init(name: String, value: String?, message: String) {
        self.name = name
        self.value = value
        self.message = message
    }

    public var description: String {
        if let value {
            return "hyperparameter '\(name)' = '\(value)': \(message)"
        }
        return "hyperparameter '\(name)': \(message)"
    }
}

/// Why a training run could not start or could not go on.
public enum TrainingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Hyperparameters that are unknown or out of range (all of them, not only the first).
    case invalidHyperparameters([HyperparameterProblem])
    /// The dataset cannot be trained on as it is (too few samples, a single class, ...).
    case unusableDataset(String)
    /// The backend failed while training.
    case backend(BackendError)
    /// A checkpoint could not be written, read, or does not fit the configured network; the text says which and why.
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidHyperparameters(let problems):
            let lines = problems.map { "  - \($0.description)" }.joined(separator: "\n")
            return "The training configuration is invalid:\n\(lines)\nSee docs/training.md for the accepted names and ranges."
        case .unusableDataset(let reason):
            return "The dataset cannot be used for training: \(reason)"
        case .backend(let error):
            return error.description
        case .checkpoint(let reason):
            return reason
        }
    }
}
