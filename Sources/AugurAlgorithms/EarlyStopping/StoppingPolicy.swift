import AugurCore

/// Decides, from intermediate measurements, whether an ACTIVE trial should stop early.
///
/// The service asks its study's policy each time a trial reports an intermediate measurement (and on request). A
/// policy is a value built from the study's ``EarlyStoppingSpec``; it keeps no state between calls, so the decision is
/// a function of the trials passed in, and several service replicas decide the same way.
///
/// Every policy reads the objective the same way:
/// - values of `objective.metric` in `trial.measurements` (the final measurement is not read: the service keeps the
///   last reported values in `measurements` too);
/// - measurements without the metric, or whose value is NaN, are skipped as if not reported; infinite values are
///   ordinary values (a loss of `+inf` is the worst possible loss);
/// - when several measurements share a step, the one reported last counts; steps need not arrive in order;
/// - a trial's value "at step s" is its latest value at or before `s`, so steps a trial skipped are filled from
///   its previous measurement;
/// - the other trials taken into account are those in state ACTIVE, COMPLETED or STOPPED (trials that are or were
///   making progress); FAILED and INFEASIBLE trials are left out because their curves say nothing about what a
///   healthy trial reaches, and REQUESTED trials have no measurements.
public protocol StoppingPolicy: Sendable {
    /// Which of the study's trials the service loads (with their measurements) for `decide`, as designers declare
    /// theirs with `Designer.historyScope`.
    var historyScope: StoppingHistoryScope { get }

    /// Decides whether `trial` (ACTIVE, with its intermediate measurements) should stop, given the study's other
    /// trials with theirs. `trials` may include `trial` itself; it is never compared with itself.
    func decide(for trial: Trial, among trials: [Trial], objective: Objective) -> StoppingDecision
}

/// Which trials a stopping policy compares a trial with; the service loads exactly these, with measurements.
public struct StoppingHistoryScope: Sendable, Hashable {
    /// The states of the trials loaded (the trial being judged is ACTIVE and always among them).
    public var states: Set<TrialState>

    public init(states: Set<TrialState>) {
        self.states = states
    }

    /// Trials that are or were making progress: ACTIVE, COMPLETED and STOPPED (what every built-in policy reads).
    public static let progressingTrials = StoppingHistoryScope(states: [.active, .completed, .stopped])
}
