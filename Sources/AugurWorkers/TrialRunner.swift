import AugurAlgorithms
import AugurCore

/// Runs one trial to its end. Conformers: `CommandTrialRunner` (a subprocess per trial) and the training core's runner.
///
/// A runner reports intermediate measurements through `measurements` as they arrive and stops the trial when the
/// answer says so. When the calling task is cancelled it ends the trial at once (killing what it started) and returns
/// `.interrupted`.
///
/// `slot` numbers the trials one run loop keeps going at once (0 ..< parallelism, each in use by one trial at a time):
/// the training core places parallel trials one per GPU by it.
public protocol TrialRunner: Sendable {
    func run(_ trial: Trial, of study: Study, slot: Int, measurements: MeasurementSink) async -> TrialOutcome
    /// `run` for a trial of a population-based-training study: `member` says where the trial stands in its population,
    /// and its `parent` whose checkpoint the trial starts from. The default ignores it (a runner that keeps no
    /// checkpoints).
    func run(_ trial: Trial, of study: Study, slot: Int, member: PopulationMember?, measurements: MeasurementSink) async -> TrialOutcome
    /// The folder where trial `id` keeps its files, or `nil` for a runner that keeps none (the default; the
    /// training core's trials write no files). The run loop keeps there the measurements the store could not take yet.
    func trialFolder(of id: Int) -> String?
}

extension TrialRunner {
    public func trialFolder(of id: Int) -> String? {
        nil
    }

    public func run(_ trial: Trial, of study: Study, slot: Int, member: PopulationMember?, measurements: MeasurementSink) async -> TrialOutcome {
        await run(trial, of: study, slot: slot, measurements: measurements)
    }

    /// Runs one trial outside a run loop, in slot 0.
    public func run(_ trial: Trial, of study: Study, measurements: MeasurementSink) async -> TrialOutcome {
        await run(trial, of: study, slot: 0, measurements: measurements)
    }
}

/// How a trial ended, as its runner saw it.
public enum TrialOutcome: Sendable, Hashable {
    /// It finished and reported the objective. `observations` are the values it reported without a step (so never
    /// sent as intermediate measurements), in order; the service takes the final measurement from the intermediate
    /// measurements followed by these. `elapsedSeconds` is how long it ran, when the runner knows.
    case completed(observations: [TrialMeasurement], elapsedSeconds: Double?)
    /// It failed: exit status or signal, timeout, missing metric, with the tail of its output.
    case failed(reason: String)
    /// An early-stopping rule stopped it; its measurements so far make its final measurement.
    case stopped(reason: String)
    /// The point cannot be evaluated (the runner's own judgement, e.g. an invalid configuration).
    case infeasible(reason: String)
    /// The run was interrupted (Ctrl-C); the trial should run again later.
    case interrupted
}

/// Where a runner sends intermediate measurements; the answer says whether the trial should stop early.
public struct MeasurementSink: Sendable {
    private let body: @Sendable (TrialMeasurement) async -> StoppingDecision

    public init(_ body: @escaping @Sendable (TrialMeasurement) async -> StoppingDecision) {
        self.body = body
    }

    /// A sink that records nothing and never stops a trial.
    public static let discarding = MeasurementSink { _ in .keepRunning }

    public func report(_ measurement: TrialMeasurement) async -> StoppingDecision {
        await body(measurement)
    }
}
