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

/// An outcome constraint on a metric (Vizier's safety metric): a completed trial whose final value lies on the wrong
/// side of `threshold` is recorded but unsafe, and never part of the best trials or the Pareto front.
public struct OutcomeConstraint: Sendable, Codable, Hashable {
    /// Which side of the threshold is safe.
    public enum Bound: String, Sendable, Codable, Hashable, CaseIterable {
        /// Safe when the value is at most the threshold (`<=`).
        case atMost
        /// Safe when the value is at least the threshold (`>=`).
        case atLeast
    }

    public var bound: Bound
    public var threshold: Double

    public init(_ bound: Bound, _ threshold: Double) {
        self.bound = bound
        self.threshold = threshold
    }

    /// Whether `value` satisfies the constraint; NaN never does.
    public func isMet(by value: Double) -> Bool {
        switch bound {
        case .atMost: value <= threshold
        case .atLeast: value >= threshold
        }
    }

    /// How far inside the safe side `value` lies (negative when the constraint is violated).
    public func slack(_ value: Double) -> Double {
        bound == .atMost ? threshold - value : value - threshold
    }

    /// `<= 2` or `>= 0.9`.
    public var formula: String { "\(bound == .atMost ? "<=" : ">=") \(formatNumber(threshold))" }
}

/// A metric the study records next to the objective: recorded only, a further objective (`goal`), or an outcome
/// constraint (`constraint`), never both.
public struct MetricSpec: Sendable, Codable, Hashable {
    public var name: String
    public var strategy: MetricStrategy
    /// Set when the metric is a further objective, optimized together with the first one (Pareto).
    public var goal: ObjectiveGoal?
    /// Set when the metric is an outcome constraint.
    public var constraint: OutcomeConstraint?

    public init(name: String, strategy: MetricStrategy = .latest, goal: ObjectiveGoal? = nil, constraint: OutcomeConstraint? = nil) {
        self.name = name
        self.strategy = strategy
        self.goal = goal
        self.constraint = constraint
    }
}

/// One objective of a study: a metric and its goal.
public struct ObjectiveMetric: Sendable, Hashable {
    public var name: String
    public var goal: ObjectiveGoal

    public init(name: String, goal: ObjectiveGoal) {
        self.name = name
        self.goal = goal
    }
}

/// One outcome constraint of a study: a metric and its safe side.
public struct MetricConstraint: Sendable, Hashable {
    public var name: String
    public var constraint: OutcomeConstraint

    public init(name: String, constraint: OutcomeConstraint) {
        self.name = name
        self.constraint = constraint
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
    /// Other metrics recorded with every measurement; those with a goal are further objectives, those with a
    /// constraint outcome constraints.
    public var additionalMetrics: [MetricSpec]
    /// The hypervolume reference point, one value per objective (``objectives`` order), in the metrics' own units;
    /// `nil` derives one from the trials (``Hypervolume``). Only meaningful with several objectives.
    public var referencePoint: [Double]?

    public init(metric: String, goal: ObjectiveGoal, target: Double? = nil, strategy: MetricStrategy = .latest, additionalMetrics: [MetricSpec] = [],
                referencePoint: [Double]? = nil) {
        self.metric = metric
        self.goal = goal
        self.target = target
        self.strategy = strategy
        self.additionalMetrics = additionalMetrics
        self.referencePoint = referencePoint
    }

    /// Every objective: the first (`metric`, `goal`), then the additional metrics that have a goal.
    public var objectives: [ObjectiveMetric] {
        [ObjectiveMetric(name: metric, goal: goal)] + additionalMetrics.compactMap { spec in
            spec.goal.map { ObjectiveMetric(name: spec.name, goal: $0) }
        }
    }

    /// The outcome constraints, in the order they are listed.
    public var constraints: [MetricConstraint] {
        additionalMetrics.compactMap { spec in spec.constraint.map { MetricConstraint(name: spec.name, constraint: $0) } }
    }

    /// Whether the study optimizes more than one objective (its best trials are a Pareto front).
    public var isMultiObjective: Bool { additionalMetrics.contains { $0.goal != nil } }

    /// Whether trials are ranked by more than the first objective's value: several objectives or any constraint.
    public var ranksByMoreThanOneMetric: Bool { additionalMetrics.contains { $0.goal != nil || $0.constraint != nil } }

    /// Whether a final measurement meets every outcome constraint; a constraint metric that is missing or NaN is
    /// not met.
    public func isFeasible(_ metrics: [String: Double]) -> Bool {
        for spec in additionalMetrics {
            guard let constraint = spec.constraint else { continue }
            guard let value = metrics[spec.name], constraint.isMet(by: value) else { return false }
        }
        return true
    }

    /// The objectives' values in ``objectives`` order, each turned so that larger is better; `nil` when one is
    /// missing or NaN.
    public func maximizationVector(_ metrics: [String: Double]) -> [Double]? {
        var vector: [Double] = []
        vector.reserveCapacity(1 + additionalMetrics.count)
        for objective in objectives {
            guard let value = metrics[objective.name], !value.isNaN else { return nil }
            vector.append(objective.goal.maximizationValue(value))
        }
        return vector
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
