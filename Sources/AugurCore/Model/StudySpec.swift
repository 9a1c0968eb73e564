/// Which format a spec file was written in.
public enum SpecFormat: String, Sendable, Codable, Hashable {
    /// Augur's own YAML format (`docs/spec.md`).
    case augur
    /// A Katib v1beta1 `kind: Experiment` file.
    case katib
}

/// Everything that defines a study: what to search, what to optimize, how, and with what budget.
public struct StudySpec: Sendable, Codable, Hashable {
    /// The study's unique name (letters, digits, `-`, `_`, `.`).
    public var name: String
    public var searchSpace: SearchSpace
    public var objective: Objective
    public var algorithm: AlgorithmSpec
    public var earlyStopping: EarlyStoppingSpec?
    public var budget: Budget
    /// What each trial runs; `nil` for studies driven only through the API (clients run trials themselves).
    public var trial: TrialTemplate?
    /// Seed of every random choice the designer makes; the same seed and history give the same suggestions.
    public var seed: UInt64
    public var format: SpecFormat

    public init(name: String, searchSpace: SearchSpace, objective: Objective, algorithm: AlgorithmSpec = .random,
                earlyStopping: EarlyStoppingSpec? = nil, budget: Budget = Budget(), trial: TrialTemplate? = nil,
                seed: UInt64 = 1, format: SpecFormat = .augur) {
        self.name = name
        self.searchSpace = searchSpace
        self.objective = objective
        self.algorithm = algorithm
        self.earlyStopping = earlyStopping
        self.budget = budget
        self.trial = trial
        self.seed = seed
        self.format = format
    }
}
