import AugurCore
import AugurService
import Foundation
import SwiftProtobuf

// Trials and measurements between the domain model and the wire messages.

extension Augur_V1_Trial {
    /// The wire form of a stored trial; parameters in the search space's order when `space` is given.
    public init(_ trial: Trial, space: SearchSpace? = nil) {
        self.init()
        name = ResourceName.trial(study: trial.study, id: trial.id)
        id = String(trial.id)
        state = Augur_V1_Trial.State(trial.state)
        let order = space?.names ?? []
        let ordered = order.filter { trial.parameters[$0] != nil } + trial.parameters.keys.filter { !order.contains($0) }.sorted()
        parameters = ordered.compactMap { name in
            trial.parameters[name].map { value in
                Parameter.with {
                    $0.parameterID = name
                    $0.value = Google_Protobuf_Value(value)
                }
            }
        }
        if let final = trial.finalMeasurement { finalMeasurement = Augur_V1_Measurement(final) }
        measurements = trial.measurements.map(Augur_V1_Measurement.init)
        if let started = trial.startedAt { startTime = Google_Protobuf_Timestamp(date: started) }
        if let ended = trial.endedAt { endTime = Google_Protobuf_Timestamp(date: ended) }
        clientID = trial.worker ?? ""
        if trial.state == .infeasible { infeasibleReason = trial.statusReason ?? "" }
        createTime = Google_Protobuf_Timestamp(date: trial.createdAt)
        if let lease = trial.leaseExpiresAt { leaseExpireTime = Google_Protobuf_Timestamp(date: lease) }
        retryCount = Int32(clamping: trial.retryCount)
        statusReason = trial.statusReason ?? ""
    }
}

extension Augur_V1_Trial.State {
    init(_ state: TrialState) {
        switch state {
        case .requested: self = .requested
        case .active: self = .active
        case .completed: self = .succeeded
        case .infeasible: self = .infeasible
        case .stopped: self = .stopped
        case .failed: self = .failed
        }
    }

    /// The stored state this names; `nil` for UNSPECIFIED, STOPPING (never stored) and unknown values.
    var domain: TrialState? {
        switch self {
        case .requested: .requested
        case .active, .stopping: .active
        case .succeeded: .completed
        case .infeasible: .infeasible
        case .stopped: .stopped
        case .failed: .failed
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}

extension Google_Protobuf_Value {
    public init(_ value: ParameterValue) {
        switch value {
        case .double(let x): self.init(numberValue: x)
        case .integer(let x): self.init(numberValue: Double(x))
        case .string(let s): self.init(stringValue: s)
        }
    }
}

extension Trial {
    /// Reads a trial sent by the server (client side); integer parameters come back as integers when `space` is given.
    init(_ message: Augur_V1_Trial, space: SearchSpace?) throws(ServiceError) {
        let (study, id) = try ResourceName.parseTrial(message.name, field: "trial.name")
        var parameters: ParameterAssignment = [:]
        for parameter in message.parameters {
            switch parameter.value.kind {
            case .numberValue(let x): parameters[parameter.parameterID] = .double(x)
            case .stringValue(let s): parameters[parameter.parameterID] = .string(s)
            default: throw .internalError("the server sent parameter `\(parameter.parameterID)` of trial \(id) without a number or string value")
            }
        }
        if let space { parameters = space.coerce(parameters) }
        self.init(id: id, study: study, parameters: parameters, state: message.state.domain ?? .active,
                  createdAt: message.createTime.date,
                  startedAt: message.hasStartTime ? message.startTime.date : nil,
                  endedAt: message.hasEndTime ? message.endTime.date : nil,
                  worker: message.clientID.isEmpty ? nil : message.clientID,
                  leaseExpiresAt: message.hasLeaseExpireTime ? message.leaseExpireTime.date : nil,
                  retryCount: Int(message.retryCount),
                  measurements: try message.measurements.map { (measurement) throws(ServiceError) in
                      try TrialMeasurement(measurement, field: "trial.measurements")
                  },
                  finalMeasurement: message.hasFinalMeasurement
                      ? try TrialMeasurement(message.finalMeasurement, field: "trial.final_measurement") : nil,
                  statusReason: message.statusReason.isEmpty ? nil : message.statusReason)
    }
}

extension Augur_V1_Measurement {
    init(_ measurement: TrialMeasurement) {
        self.init()
        let wire = measurement.wireFields
        stepCount = wire.step
        if let elapsed = wire.elapsed { elapsedDuration = elapsed }
        metrics = wire.metrics.map { metric in
            Metric.with {
                $0.metricID = metric.id
                $0.value = metric.value
            }
        }
    }
}

extension TrialMeasurement {
    /// The fields every gRPC API's `Measurement` has (Augur's and Vizier's): the step, the elapsed time when known,
    /// and the metrics in name order.
    public var wireFields: (step: Int64, elapsed: Google_Protobuf_Duration?, metrics: [(id: String, value: Double)]) {
        let elapsed = elapsedSeconds.flatMap { $0.isFinite ? Google_Protobuf_Duration(rounding: $0) : nil }
        return (Int64(step), elapsed, metrics.keys.sorted().map { ($0, metrics[$0] ?? .nan) })
    }
}

/// Bounds on one measurement.
enum MeasurementLimits {
    static let maximumMetrics = 1_000
}

extension TrialMeasurement {
    init(_ message: Augur_V1_Measurement, field: String) throws(ServiceError) {
        self = try TrialMeasurement(
            wireStep: message.stepCount, elapsed: message.hasElapsedDuration ? message.elapsedDuration : nil,
            metrics: message.metrics.map { ($0.metricID, $0.value) }, field: field)
    }

    /// Reads a measurement from the fields every gRPC API shares (Augur's and Vizier's `Measurement`), checking
    /// what a client could get wrong: the number of metrics, their names, NaN values, repeats, the step, the time.
    public init(wireStep stepCount: Int64, elapsed: Google_Protobuf_Duration?, metrics reported: [(id: String, value: Double)],
                field: String) throws(ServiceError) {
        guard reported.count <= MeasurementLimits.maximumMetrics else {
            throw .invalidArgument("\(field).metrics has \(reported.count) entries; at most \(MeasurementLimits.maximumMetrics) are allowed")
        }
        guard stepCount >= 0, stepCount <= Int64(Int32.max) * 1024 else {
            throw .invalidArgument("\(field).step_count must be between 0 and \(Int64(Int32.max) * 1024), got \(stepCount)")
        }
        var metrics: [String: Double] = [:]
        for (index, metric) in reported.enumerated() {
            guard !metric.id.isEmpty, metric.id.utf8.count <= ResourceName.maximumNameLength else {
                throw .invalidArgument("\(field).metrics[\(index)].metric_id must be 1 to \(ResourceName.maximumNameLength) characters")
            }
            guard !metric.value.isNaN else {
                throw .invalidArgument("\(field).metrics[\(index)] (`\(metric.id)`) is NaN; report a number, or fail the trial")
            }
            guard metrics.updateValue(metric.value, forKey: metric.id) == nil else {
                throw .invalidArgument("\(field).metrics[\(index)]: metric `\(metric.id)` is reported twice")
            }
        }
        var seconds: Double?
        if let elapsed {
            let value = elapsed.timeInterval
            guard value.isFinite, value >= 0 else {
                throw .invalidArgument("\(field).elapsed_duration must not be negative")
            }
            seconds = value
        }
        self.init(step: Int(stepCount), elapsedSeconds: seconds, metrics: metrics)
    }
}
