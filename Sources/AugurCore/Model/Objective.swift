/// Whether smaller or larger values of a metric are better.
public enum ObjectiveGoal: String, Sendable, Codable, Hashable, CaseIterable {
    case minimize
    case maximize

    /// Whether `a` is strictly better than `b` under this goal.
    public func isBetter(_ a: Double, than b: Double) -> Bool {
        switch self {
        case .minimize: a < b
        case .maximize: a > b
        }
    }

    /// `value` if maximizing, `-value` if minimizing: larger is always better afterwards.
    public func maximizationValue(_ value: Double) -> Double {
        self == .maximize ? value : -value
    }
}

/// Which of a trial's reported values of a metric counts as its final value (Katib's `metricStrategies`).
public enum MetricStrategy: String, Sendable, Codable, Hashable, CaseIterable {
    /// The last value reported (Katib's default is `max`/`min` by goal; Augur's default is `latest`).
    case latest
    case min
    case max
}

/// A metric the study records next to the objective.
public struct MetricSpec: Sendable, Codable, Hashable {
    public var name: String
    public var strategy: MetricStrategy

    public init(name: String, strategy: MetricStrategy = .latest) {
        self.name = name
        self.strategy = strategy
    }
}

/// What the study optimizes.
public struct Objective: Sendable, Codable, Hashable {
    /// The metric whose final value ranks trials.
    public var metric: String
    public var goal: ObjectiveGoal
    /// When a completed trial reaches this value (at or below it when minimizing, at or above when maximizing),
    /// the study ends successfully.
    public var target: Double?
    /// How the objective's final value is taken from its reported values.
    public var strategy: MetricStrategy
    /// Other metrics recorded with every measurement.
    public var additionalMetrics: [MetricSpec]

    public init(metric: String, goal: ObjectiveGoal, target: Double? = nil, strategy: MetricStrategy = .latest, additionalMetrics: [MetricSpec] = []) {
        self.metric = metric
        self.goal = goal
        self.target = target
        self.strategy = strategy
        self.additionalMetrics = additionalMetrics
    }

    /// Every metric name the study collects: the objective first.
    public var allMetricNames: [String] { [metric] + additionalMetrics.map(\.name) }

    /// Whether `value` reaches the target.
    public func reachesTarget(_ value: Double) -> Bool {
        guard let target else { return false }
        switch goal {
        case .minimize: return value <= target
        case .maximize: return value >= target
        }
    }
}
