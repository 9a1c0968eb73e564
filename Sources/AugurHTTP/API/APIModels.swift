import AugurCore
import AugurStorage
import Foundation

// The JSON shapes of /api/v1/ (docs/openapi.yaml). Keys are snake_case through explicit coding keys: a key strategy
// would also rewrite parameter and metric names, which are dictionary keys.

/// How many of a study's trials are in each state, and its budget.
struct ProgressJSON: Encodable, Equatable {
    var requested: Int
    var active: Int
    var completed: Int
    var stopped: Int
    var failed: Int
    var infeasible: Int
    var ended: Int
    var maxTrials: Int

    init(_ counts: TrialCounts, budget: Budget) {
        requested = counts.requested
        active = counts.active
        completed = counts.completed
        stopped = counts.stopped
        failed = counts.failed
        infeasible = counts.infeasible
        ended = counts.ended
        maxTrials = budget.maxTrials
    }

    enum CodingKeys: String, CodingKey {
        case requested, active, completed, stopped, failed, infeasible, ended
        case maxTrials = "max_trials"
    }
}

/// One row of the studies list.
struct StudyRowJSON: Encodable {
    var name: String
    var state: String
    var stateReason: String?
    var algorithm: String
    var metric: String
    var goal: String
    var progress: ProgressJSON
    var bestValue: Double?
    var createdAt: Date
    var lastActivity: Date

    enum CodingKeys: String, CodingKey {
        case name, state, algorithm, metric, goal, progress
        case stateReason = "state_reason"
        case bestValue = "best_value"
        case createdAt = "created_at"
        case lastActivity = "last_activity"
    }
}

struct StudiesJSON: Encodable {
    var studies: [StudyRowJSON]
}

/// One parameter of the search space, as the pages draw it.
struct ParameterJSON: Encodable {
    var name: String
    var type: String
    var scale: String
    var min: Double?
    var max: Double?
    var values: [ParameterValue]?
    /// A conditional parameter's parent, and the parent's values under which it exists.
    var parent: String?
    var parentValues: [ParameterValue]?

    enum CodingKeys: String, CodingKey {
        case name, type, scale, min, max, values, parent
        case parentValues = "parent_values"
    }
}

/// One study: its row plus a summary of its spec.
struct StudyJSON: Encodable {
    var study: StudyRowJSON
    var parameters: [ParameterJSON]
    var metrics: [String]
    var earlyStopping: String?
    var parallelTrials: Int
    var maxFailedTrials: Int?
    var seed: UInt64
    var version: String
    var bestTrial: TrialJSON?

    enum CodingKeys: String, CodingKey {
        case study, parameters, metrics, seed, version
        case earlyStopping = "early_stopping"
        case parallelTrials = "parallel_trials"
        case maxFailedTrials = "max_failed_trials"
        case bestTrial = "best_trial"
    }
}

struct MeasurementJSON: Encodable {
    var step: Int
    var elapsedSeconds: Double?
    var metrics: [String: Double]

    init(_ measurement: TrialMeasurement) {
        step = measurement.step
        elapsedSeconds = measurement.elapsedSeconds
        metrics = measurement.metrics
    }

    enum CodingKeys: String, CodingKey {
        case step, metrics
        case elapsedSeconds = "elapsed_seconds"
    }
}

/// One trial; `measurements` only in the one-trial reply.
struct TrialJSON: Encodable {
    var id: Int
    var state: String
    var parameters: ParameterAssignment
    /// The final value of the study's objective metric.
    var value: Double?
    var metrics: [String: Double]
    var reason: String?
    var createdAt: Date
    var startedAt: Date?
    var endedAt: Date?
    var worker: String?
    var leaseExpiresAt: Date?
    var retryCount: Int
    var measurements: [MeasurementJSON]?
    /// The trial's state history, oldest first (only on the single-trial reply).
    var history: [TrialEventJSON]?

    init(_ trial: Trial, objective: String, withMeasurements: Bool = false, history: [TrialEvent]? = nil) {
        id = trial.id
        state = trial.state.rawValue
        parameters = trial.parameters
        value = trial.finalValue(of: objective)
        metrics = trial.finalMeasurement?.metrics ?? [:]
        reason = trial.statusReason
        createdAt = trial.createdAt
        startedAt = trial.startedAt
        endedAt = trial.endedAt
        worker = trial.worker
        leaseExpiresAt = trial.leaseExpiresAt
        retryCount = trial.retryCount
        measurements = withMeasurements ? trial.measurements.map(MeasurementJSON.init) : nil
        self.history = history?.map(TrialEventJSON.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, state, parameters, value, metrics, reason, worker, measurements, history
        case createdAt = "created_at"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case leaseExpiresAt = "lease_expires_at"
        case retryCount = "retry_count"
    }
}

/// One step of a trial's state history.
struct TrialEventJSON: Encodable {
    var at: Date
    var state: String
    var worker: String?
    var retryCount: Int
    var reason: String?

    init(_ event: TrialEvent) {
        at = event.at
        state = event.state.rawValue
        worker = event.worker
        retryCount = event.retryCount
        reason = event.reason
    }

    enum CodingKeys: String, CodingKey {
        case at, state, worker, reason
        case retryCount = "retry_count"
    }
}

struct TrialPageJSON: Encodable {
    var trials: [TrialJSON]
    /// How many trials match the filter.
    var totalSize: Int
    var nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case trials
        case totalSize = "total_size"
        case nextPageToken = "next_page_token"
    }
}

struct HistoryPointJSON: Encodable {
    var trial: Int
    var state: String
    var value: Double?
    /// The best objective value of the completed trials up to and including this one.
    var best: Double?
    var parameters: ParameterAssignment
}

struct HistoryJSON: Encodable {
    var metric: String
    var goal: String
    /// How many ended trials the study has.
    var total: Int
    var downsampled: Bool
    var maxPoints: Int
    var points: [HistoryPointJSON]

    enum CodingKeys: String, CodingKey {
        case metric, goal, total, downsampled, points
        case maxPoints = "max_points"
    }
}

struct ImportanceJSON: Encodable {
    struct Entry: Encodable {
        var name: String
        var importance: Double
        var divergence: Double
        var bins: Int
    }

    var metric: String
    var method: String
    var quantile: Double
    var trialCount: Int
    var topCount: Int
    var parameters: [Entry]
    /// Why there is no estimate (too few completed trials), when `parameters` is empty.
    var note: String?

    enum CodingKeys: String, CodingKey {
        case metric, method, quantile, parameters, note
        case trialCount = "trial_count"
        case topCount = "top_count"
    }
}

struct CurveJSON: Encodable {
    var trial: Int
    var state: String
    var reason: String?
    /// `[step, value]` pairs of the objective metric's intermediate values, downsampled.
    var points: [[Double]]
    var totalPoints: Int

    enum CodingKeys: String, CodingKey {
        case trial, state, reason, points
        case totalPoints = "total_points"
    }
}

struct IntermediateJSON: Encodable {
    var metric: String
    var totalTrials: Int
    var curves: [CurveJSON]

    enum CodingKeys: String, CodingKey {
        case metric, curves
        case totalTrials = "total_trials"
    }
}
