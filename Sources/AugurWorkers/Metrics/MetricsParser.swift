import AugurCore
import Foundation

/// Metric values found on one line of output or of a metrics file.
public struct MetricObservation: Sendable, Hashable {
    public var metrics: [String: Double]
    /// The `step` or `epoch` reported on the same line; `nil` when the line carries none.
    public var step: Int?

    public init(metrics: [String: Double], step: Int? = nil) {
        self.metrics = metrics
        self.step = step
    }
}

/// Reads metric values from lines, the way Katib's metrics collector does.
///
/// - TEXT with no patterns: Katib's default `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`, so
///   `epoch=3 loss=0.25 accuracy=0.9` reports `loss` and `accuracy` at step 3.
/// - TEXT with patterns: each regular expression's first group is the name, its second the value, both trimmed of
///   white space; patterns are in Katib's syntax (Go RE2), translated by `MetricPattern`.
/// - JSON: one object per line; numeric (or numeric-string) members are values, `step` or `epoch` the step.
///
/// Only the study's metrics are kept; `step` and `epoch` (any case) give the step of the line's values.
public struct MetricsParser: Sendable {
    /// Katib's default TEXT pattern.
    public static let defaultPattern = #"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"#

    private let format: MetricsFormat
    private let expressions: [NSRegularExpression]
    private let metricNames: Set<String>

    /// - Throws: `WorkerError.invalidPattern` when a custom pattern does not compile.
    public init(format: MetricsFormat, metricNames: [String]) throws(WorkerError) {
        self.format = format
        self.metricNames = Set(metricNames)
        switch format {
        case .text(let custom):
            var compiled: [NSRegularExpression] = []
            for pattern in custom.isEmpty ? [Self.defaultPattern] : custom {
                do {
                    compiled.append(try MetricPattern(pattern).compile())
                } catch {
                    throw .invalidPattern(pattern: pattern, message: error.description)
                }
            }
            expressions = compiled
        case .json, .tensorFlowEvent:
            expressions = []
        }
    }

    /// The study's metrics on `line`, or `nil` when it carries none.
    public func parse(_ line: String) -> MetricObservation? {
        switch format {
        case .text: parseText(line)
        case .json: parseJSON(line)
        // Event files are binary; `TensorFlowEventCollector` reads them, never line by line.
        case .tensorFlowEvent: nil
        }
    }

    private func parseText(_ line: String) -> MetricObservation? {
        var metrics: [String: Double] = [:]
        var step: Int?
        let whole = NSRange(line.startIndex..., in: line)
        for expression in expressions {
            for match in expression.matches(in: line, range: whole) where match.numberOfRanges >= 3 {
                guard let nameRange = Range(match.range(at: 1), in: line), let valueRange = Range(match.range(at: 2), in: line)
                else { continue }
                // Katib trims both captures (`strings.TrimSpace`), so `(\w+ \w+)` may report `valid_1 auc`.
                let name = line[nameRange].trimmingCharacters(in: .whitespaces)
                guard let value = Double(line[valueRange].trimmingCharacters(in: .whitespaces)) else { continue }
                record(name: name, value: value, metrics: &metrics, step: &step)
            }
        }
        return metrics.isEmpty ? nil : MetricObservation(metrics: metrics, step: step)
    }

    private func parseJSON(_ line: String) -> MetricObservation? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{"), let data = trimmed.data(using: .utf8),
              let object = try? JSONDecoder().decode([String: JSONScalar].self, from: data)
        else { return nil }
        var metrics: [String: Double] = [:]
        var step: Int?
        for (name, scalar) in object {
            if let value = scalar.number { record(name: name, value: value, metrics: &metrics, step: &step) }
        }
        return metrics.isEmpty ? nil : MetricObservation(metrics: metrics, step: step)
    }

    private func record(name: String, value: Double, metrics: inout [String: Double], step: inout Int?) {
        let lowered = name.lowercased()
        if lowered == "step" || lowered == "epoch" {
            if value.isFinite, abs(value) < 1e15 { step = Int(value) }
        } else if metricNames.contains(name) {
            metrics[name] = value
        }
    }
}

/// A JSON member value read leniently: numbers and numeric strings (Katib writes `"0.93"`) give a number; anything
/// else (booleans, objects, arrays, null, other strings) gives none.
private struct JSONScalar: Decodable {
    var number: Double?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if (try? container.decode(Bool.self)) != nil {
            number = nil
        } else if let value = try? container.decode(Double.self) {
            number = value
        } else if let text = try? container.decode(String.self) {
            number = Double(text)
        } else {
            number = nil
        }
    }
}
