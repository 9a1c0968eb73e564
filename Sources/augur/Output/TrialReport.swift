import AugurCore
import Foundation

/// Renders trials as a table, CSV or JSON. The CSV and JSON shapes are stable (docs/cli.md).
struct TrialReport {
    var spec: StudySpec
    var trials: [Trial]
    /// With `--verbose`: the study's metadata, whose trial entries get a column (table, CSV) or a key (JSON).
    var metadata: StudyMetadata? = nil

    /// The study's metrics (objective first), then any other metric a trial reported, alphabetically.
    var metricNames: [String] {
        let declared = spec.objective.allMetricNames
        let extra = Set(trials.flatMap { $0.finalMeasurement?.metrics.keys.map { $0 } ?? [] }).subtracting(declared)
        return declared + extra.sorted()
    }

    var parameterNames: [String] { spec.searchSpace.names }

    func render(_ format: OutputFormat) throws -> String {
        switch format {
        case .table: table()
        case .csv: csv()
        case .json: try json()
        }
    }

    func table() -> String {
        let metrics = metricNames
        var table = TextTable(header: ["ID", "STATE"] + metrics.map { $0.uppercased() } + parameterNames.map { $0.uppercased() } + ["REASON"]
            + (metadata == nil ? [] : ["METADATA"]))
        for trial in trials {
            let values = metrics.map { name in trial.finalValue(of: name).map(formatNumber) ?? "-" }
            let parameters = parameterNames.map { trial.parameters[$0]?.description ?? "-" }
            var reason = trial.statusReason.flatMap { $0.split(separator: "\n").first.map(String.init) } ?? ""
            if reason.count > 60 { reason = String(reason.prefix(57)) + "..." }
            table.append([String(trial.id), trial.state.rawValue] + values + parameters + [reason]
                + (metadata == nil ? [] : [metadataText(of: trial)]))
        }
        return table.render()
    }

    /// Header `id,state,metric.<name>…,param.<name>…,retries,started_at,ended_at,reason` (and `metadata` with
    /// `--verbose`); times in ISO 8601 UTC.
    func csv() -> String {
        let metrics = metricNames
        var lines = [CSV.line(["id", "state"] + metrics.map { "metric.\($0)" } + parameterNames.map { "param.\($0)" }
            + ["retries", "started_at", "ended_at", "reason"] + (metadata == nil ? [] : ["metadata"]))]
        for trial in trials {
            let values = metrics.map { name in trial.finalValue(of: name).map(formatNumber) ?? "" }
            let parameters = parameterNames.map { trial.parameters[$0]?.description ?? "" }
            lines.append(CSV.line([String(trial.id), trial.state.rawValue] + values + parameters
                + [String(trial.retryCount), Self.timestamp(trial.startedAt), Self.timestamp(trial.endedAt), trial.statusReason ?? ""]
                + (metadata == nil ? [] : [metadataText(of: trial)])))
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let records = trials.map { trial in
            TrialRecord(trial, objective: spec.objective.metric, metadata: metadata.map { Self.metadataFields($0.entries(ofTrial: trial.id)) })
        }
        return try Self.encode(records)
    }

    /// A trial's text metadata as `namespace/key=value` pairs (`key=value` in the root namespace), separated by spaces;
    /// a binary value shows as its type URL.
    func metadataText(of trial: Trial) -> String {
        Self.metadataFields(metadata?.entries(ofTrial: trial.id) ?? []).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Entries as (`namespace/key` or `key`, text) pairs, in the store's order (by namespace, then key).
    static func metadataFields(_ entries: [MetadataEntry]) -> [(key: String, value: String)] {
        entries.map { entry in
            let name = entry.namespace.isEmpty ? entry.key : "\(entry.namespace)/\(entry.key)"
            switch entry.value {
            case .text(let text): return (name, text)
            case .message(let typeURL, _): return (name, "<\(typeURL)>")
            }
        }
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func timestamp(_ date: Date?) -> String {
        date.map { ISO8601DateFormatter().string(from: $0) } ?? ""
    }
}

/// One trial in `--format json`; every key is always present (`null` when unknown).
struct TrialRecord: Encodable {
    var id: Int
    var state: String
    /// The final value of the objective metric.
    var objective: Double?
    var parameters: ParameterAssignment
    /// The final measurement's metrics.
    var metrics: [String: Double]
    var step: Int?
    var retries: Int
    var worker: String?
    var reason: String?
    var createdAt: Date
    var startedAt: Date?
    var endedAt: Date?
    /// With `--verbose`: the trial's metadata as `namespace/key` → text (the key is absent without `--verbose`).
    var metadata: [String: String]?

    init(_ trial: Trial, objective metric: String, metadata fields: [(key: String, value: String)]? = nil) {
        id = trial.id
        state = trial.state.rawValue
        objective = trial.finalValue(of: metric)
        parameters = trial.parameters
        metrics = trial.finalMeasurement?.metrics ?? [:]
        step = trial.finalMeasurement?.step
        retries = trial.retryCount
        worker = trial.worker
        reason = trial.statusReason
        createdAt = trial.createdAt
        startedAt = trial.startedAt
        endedAt = trial.endedAt
        metadata = fields.map { Dictionary($0.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }) }
    }

    private enum CodingKeys: String, CodingKey {
        case id, state, objective, parameters, metrics, step, retries, worker, reason, createdAt, startedAt, endedAt, metadata
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(state, forKey: .state)
        try container.encode(objective, forKey: .objective)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(step, forKey: .step)
        try container.encode(retries, forKey: .retries)
        try container.encode(worker, forKey: .worker)
        try container.encode(reason, forKey: .reason)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(endedAt, forKey: .endedAt)
        if let metadata { try container.encode(metadata, forKey: .metadata) }
    }
}
