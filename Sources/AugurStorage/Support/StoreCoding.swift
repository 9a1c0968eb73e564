import AugurCore
import Foundation

/// How every store writes specs, parameters and measurements as JSON text and reads them back, so that SQLite and
/// PostgreSQL rows look the same (`{"lr":0.01,"opt":"adam"}`, `{"elapsedSeconds":..,"metrics":{..},"step":..}`).
enum StoreCoding {
    /// Sorted keys make equal values give equal text, which keeps rows diffable and comparable in SQL.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    static func encode(_ value: some Encodable, what: String) throws(StoreError) -> String {
        do {
            return String(decoding: try makeEncoder().encode(value), as: UTF8.self)
        } catch {
            throw .database("could not write the \(what) as JSON: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String, what: String) throws(StoreError) -> T {
        do {
            return try makeDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw .database("the stored \(what) is not valid JSON for this Augur (\(error)); was the row edited by hand?")
        }
    }

    static func encodeSpec(_ spec: StudySpec) throws(StoreError) -> String {
        try encode(spec, what: "spec of study '\(spec.name)'")
    }

    static func decodeSpec(_ text: String) throws(StoreError) -> StudySpec {
        try decode(StudySpec.self, from: text, what: "study spec")
    }

    static func encodeParameters(_ parameters: ParameterAssignment) -> String {
        StoreJSON.object(parameters.map { name, value in
            switch value {
            case .double(let x): (name, StoreJSON.number(x))
            case .integer(let x): (name, String(x))
            case .string(let text): (name, StoreJSON.string(text))
            }
        })
    }

    /// Parameters as stored, brought back to each parameter's own type (JSON writes the double 1.0 as `1`).
    static func decodeParameters(_ text: String, space: SearchSpace) throws(StoreError) -> ParameterAssignment {
        if let parameters = fastParameters(text) { return space.coerce(parameters) }
        return space.coerce(try decode(ParameterAssignment.self, from: text, what: "trial parameters"))
    }

    private static func fastParameters(_ text: String) -> ParameterAssignment? {
        guard case .object(let members)? = StoreJSON.parse(text) else { return nil }
        var parameters = ParameterAssignment(minimumCapacity: members.count)
        for (name, value) in members {
            switch value {
            case .number(_, let integer?): parameters[name] = .integer(integer)
            case .number(let x, nil): parameters[name] = .double(x)
            case .string(let text): parameters[name] = .string(text)
            default: return nil
            }
        }
        return parameters
    }

    static func encodeMeasurement(_ measurement: TrialMeasurement) -> String {
        var members = [("metrics", encodeMetrics(measurement.metrics)), ("step", String(measurement.step))]
        if let elapsed = measurement.elapsedSeconds {
            members.append(("elapsedSeconds", StoreJSON.number(elapsed)))
        }
        return StoreJSON.object(members.map { (key: $0.0, json: $0.1) })
    }

    static func decodeMeasurement(_ text: String) throws(StoreError) -> TrialMeasurement {
        if case .object(let members)? = StoreJSON.parse(text), case .number(_, let step?)? = members["step"],
            case .object(let metricMembers)? = members["metrics"], let metrics = fastMetrics(metricMembers)
        {
            switch members["elapsedSeconds"] {
            case nil, .null?:
                return TrialMeasurement(step: step, elapsedSeconds: nil, metrics: metrics)
            case let elapsed?:
                if let seconds = fastDouble(elapsed) {
                    return TrialMeasurement(step: step, elapsedSeconds: seconds, metrics: metrics)
                }
            }
        }
        return try decode(TrialMeasurement.self, from: text, what: "measurement")
    }

    static func encodeMetrics(_ metrics: [String: Double]) -> String {
        StoreJSON.object(metrics.map { (key: $0.key, json: StoreJSON.number($0.value)) })
    }

    static func decodeMetrics(_ text: String) throws(StoreError) -> [String: Double] {
        if case .object(let members)? = StoreJSON.parse(text), let metrics = fastMetrics(members) {
            return metrics
        }
        return try decode([String: Double].self, from: text, what: "metrics")
    }

    private static func fastMetrics(_ members: [String: StoreJSON.Value]) -> [String: Double]? {
        var metrics: [String: Double] = [:]
        metrics.reserveCapacity(members.count)
        for (name, value) in members {
            guard let x = fastDouble(value) else { return nil }
            metrics[name] = x
        }
        return metrics
    }

    /// A number, or one of the strings non-finite numbers are written as.
    private static func fastDouble(_ value: StoreJSON.Value) -> Double? {
        switch value {
        case .number(let x, _): x
        case .string("nan"): .nan
        case .string("inf"): .infinity
        case .string("-inf"): -.infinity
        default: nil
        }
    }
}

/// The rules about trials that every store applies the same way.
extension StoreCoding {
    /// A metadata value as the stores keep it: the text itself, or a message's bytes in base64 with its type URL.
    static func encodeMetadataValue(_ value: MetadataValue) -> (value: String, typeURL: String?) {
        switch value {
        case .text(let text): (text, nil)
        case .message(let typeURL, let bytes): (bytes.base64EncodedString(), typeURL)
        }
    }

    static func decodeMetadataValue(_ value: String, typeURL: String?) -> MetadataValue {
        guard let typeURL else { return .text(value) }
        return .message(typeURL: typeURL, bytes: Data(base64Encoded: value) ?? Data())
    }
}

enum TrialRules {
    /// The value stored in `objective_value`: the final measurement's value of the study's objective metric.
    /// NaN counts as no value, so that it never ranks as best.
    static func objectiveValue(of measurement: TrialMeasurement?, objective: Objective) -> Double? {
        guard let value = measurement?.metrics[objective.metric], !value.isNaN else { return nil }
        return value
    }

    /// The SQLite `final_values` column: the final measurement's value of each of the spec's metrics
    /// (`Objective.allMetricNames`, in that order; NaN for one it lacks) as little-endian 64-bit floats, so that
    /// ranking by several metrics reads them without decoding measurements. `nil` without a final measurement.
    static func finalValuesBlob(of measurement: TrialMeasurement?, objective: Objective) -> [UInt8]? {
        guard let metrics = measurement?.metrics else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 * (1 + objective.additionalMetrics.count))
        for name in objective.allMetricNames {
            withUnsafeBytes(of: (metrics[name] ?? .nan).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// The `status_reason` of a trial taken back from a worker and queued again.
    static func requeueReason(worker: String?, retry: Int) -> String {
        let owner = worker.map { "worker '\($0)'" } ?? "its worker"
        return "requeued (retry \(retry)) after \(owner) stopped reporting before its lease expired"
    }

    /// Whether a trial in state `current` may be finished as `target`: an ACTIVE or REQUESTED trial may end in any
    /// terminal state, and a STOPPED one may still be COMPLETED by its client (told to stop, it reports its final
    /// measurement: Vizier's STOPPING → SUCCEEDED). Finishing in the state a trial already has is the idempotent retry
    /// each store handles itself.
    static func mayFinish(from current: TrialState, to target: TrialState) -> Bool {
        switch current {
        case .active, .requested: target.isTerminal
        case .stopped: target == .completed
        case .completed, .failed, .infeasible: false
        }
    }

    /// The error for finishing a trial in a state that is not terminal.
    static func nonTerminalFinish(study: String, trial: Int, state: TrialState) -> StoreError {
        .database("trial \(trial) of study '\(study)' cannot be finished as \(state.rawValue); use COMPLETED, STOPPED, FAILED or INFEASIBLE")
    }
}
