import AugurCore

/// A study's Pareto front as `StudyService.paretoFront(study:)` reports it.
public struct ParetoFrontReport: Sendable {
    /// The front's trials (COMPLETED, meeting every outcome constraint, dominated by none), best first by the first
    /// objective.
    public var trials: [Trial]
    /// The hypervolume the front dominates above `referencePoint`, in the product of the objectives' units; `nil`
    /// when no trial counts.
    public var hypervolume: Double?
    /// The reference point, one value per objective in the metrics' own units.
    public var referencePoint: [Double]?
    /// Whether the reference point was derived from the trials (the spec gives none): in each objective the worst
    /// value of the feasible trials, less a tenth of their range.
    public var referencePointDerived: Bool

    public init(trials: [Trial], hypervolume: Double?, referencePoint: [Double]?, referencePointDerived: Bool) {
        self.trials = trials
        self.hypervolume = hypervolume
        self.referencePoint = referencePoint
        self.referencePointDerived = referencePointDerived
    }
}
