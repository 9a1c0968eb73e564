import Foundation

/// Where a trial is in its life.
///
/// `REQUESTED` trials exist but nobody runs them yet (a trial recovered from a dead worker, or one a user added by
/// hand); `ACTIVE` trials belong to a worker; the other four are terminal.
public enum TrialState: String, Sendable, Codable, Hashable, CaseIterable {
    case requested = "REQUESTED"
    case active = "ACTIVE"
    case completed = "COMPLETED"
    case stopped = "STOPPED"
    case failed = "FAILED"
    case infeasible = "INFEASIBLE"

    public var isTerminal: Bool {
        switch self {
        case .requested, .active: false
        case .completed, .stopped, .failed, .infeasible: true
        }
    }

    /// Parses `completed`, `COMPLETED`, … as written on a command line.
    public init?(userText: String) {
        self.init(rawValue: userText.uppercased())
    }
}

/// Metric values reported together at one step of a trial.
public struct TrialMeasurement: Sendable, Codable, Hashable {
    /// The step (epoch, iteration, resource used) the values belong to; the final measurement uses the last step.
    public var step: Int
    /// Seconds since the trial started, when known.
    public var elapsedSeconds: Double?
    public var metrics: [String: Double]

    public init(step: Int = 0, elapsedSeconds: Double? = nil, metrics: [String: Double]) {
        self.step = step
        self.elapsedSeconds = elapsedSeconds
        self.metrics = metrics
    }
}

/// One evaluation of the objective at one point of the search space.
public struct Trial: Sendable, Codable, Hashable, Identifiable {
    /// Unique within the study, assigned in creation order starting at 1.
    public var id: Int
    public var study: String
    public var parameters: ParameterAssignment
    public var state: TrialState
    public var createdAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    /// The client or worker the trial is (or was last) assigned to.
    public var worker: String?
    /// While ACTIVE: when the worker's lease lapses unless renewed by a heartbeat or measurement.
    public var leaseExpiresAt: Date?
    /// How many times the trial was taken back from a worker that vanished and handed out again.
    public var retryCount: Int
    /// Intermediate measurements, in the order reported.
    public var measurements: [TrialMeasurement]
    public var finalMeasurement: TrialMeasurement?
    /// Why the trial failed, was stopped, or is infeasible: exit status and output tail, stopping rule, ….
    public var statusReason: String?

    public init(id: Int, study: String, parameters: ParameterAssignment, state: TrialState = .requested, createdAt: Date = Date(),
                startedAt: Date? = nil, endedAt: Date? = nil, worker: String? = nil, leaseExpiresAt: Date? = nil, retryCount: Int = 0,
                measurements: [TrialMeasurement] = [], finalMeasurement: TrialMeasurement? = nil, statusReason: String? = nil) {
        self.id = id
        self.study = study
        self.parameters = parameters
        self.state = state
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.worker = worker
        self.leaseExpiresAt = leaseExpiresAt
        self.retryCount = retryCount
        self.measurements = measurements
        self.finalMeasurement = finalMeasurement
        self.statusReason = statusReason
    }

    /// The final value of `metric`, if the trial has a final measurement carrying it.
    public func finalValue(of metric: String) -> Double? {
        finalMeasurement?.metrics[metric]
    }
}
