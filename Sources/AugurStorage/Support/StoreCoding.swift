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

    static func encodeParameters(_ parameters: ParameterAssignment) throws(StoreError) -> String {
        try encode(parameters, what: "trial parameters")
    }

    /// Parameters as stored, brought back to each parameter's own type (JSON writes the double 1.0 as `1`).
    static func decodeParameters(_ text: String, space: SearchSpace) throws(StoreError) -> ParameterAssignment {
        space.coerce(try decode(ParameterAssignment.self, from: text, what: "trial parameters"))
    }

    static func encodeMeasurement(_ measurement: TrialMeasurement) throws(StoreError) -> String {
        try encode(measurement, what: "measurement")
    }

    static func decodeMeasurement(_ text: String) throws(StoreError) -> TrialMeasurement {
        try decode(TrialMeasurement.self, from: text, what: "measurement")
    }

    static func encodeMetrics(_ metrics: [String: Double]) throws(StoreError) -> String {
        try encode(metrics, what: "metrics")
    }

    static func decodeMetrics(_ text: String) throws(StoreError) -> [String: Double] {
        try decode([String: Double].self, from: text, what: "metrics")
    }

    /// One row of `trial_parameters`: numbers in `value_number`, strings in `value_text`.
    static func flattened(_ parameters: ParameterAssignment) -> [(name: String, number: Double?, text: String?)] {
        parameters.keys.sorted().compactMap { name in
            parameters[name].map { (name, $0.doubleValue, $0.stringValue) }
        }
    }
}

/// The rules about trials that every store applies the same way.
enum TrialRules {
    /// The value stored in `objective_value`: the final measurement's value of the study's objective metric.
    /// NaN counts as no value, so that it never ranks as best.
    static func objectiveValue(of measurement: TrialMeasurement?, objective: Objective) -> Double? {
        guard let value = measurement?.metrics[objective.metric], !value.isNaN else { return nil }
        return value
    }

    /// The `status_reason` of a trial taken back from a worker and queued again.
    static func requeueReason(worker: String?, retry: Int) -> String {
        let owner = worker.map { "worker '\($0)'" } ?? "its worker"
        return "requeued (retry \(retry)) after \(owner) stopped reporting before its lease expired"
    }

    /// The error for finishing a trial in a state that is not terminal.
    static func nonTerminalFinish(study: String, trial: Int, state: TrialState) -> StoreError {
        .database("trial \(trial) of study '\(study)' cannot be finished as \(state.rawValue); use COMPLETED, STOPPED, FAILED or INFEASIBLE")
    }
}
