import Foundation

/// Syntax checks both spec formats share: `${…}` references, metric patterns and durations. Whether the values make
/// a valid spec is `SpecValidator`'s to say.
enum SpecRules {
    /// Reports every `${prefix.NAME}` in `texts` whose NAME is not in `known`.
    static func checkReferences(in texts: [(String, SpecNode)], prefix: String, known: Set<String>, what: String,
                                _ reader: inout SpecReader) {
        for (text, node) in texts {
            for name in references(in: text, prefix: prefix) where known.contains(name) == false {
                let names = known.sorted().map { "`\($0)`" }.joined(separator: ", ")
                var message = "`${\(prefix).\(name)}` refers to no \(what)"
                if let suggestion = closestName(to: name, among: Array(known)) {
                    message += "; did you mean `${\(prefix).\(suggestion)}`?"
                } else if names.isEmpty {
                    message += "; there are none."
                } else {
                    message += "; known: \(names)."
                }
                reader.error(message, at: node)
            }
        }
    }

    /// The NAMEs of every `${prefix.NAME}` in `text`, in order.
    static func references(in text: String, prefix: String) -> [String] {
        var names: [String] = []
        let opener = "${\(prefix)."
        var rest = Substring(text)
        while let start = rest.range(of: opener) {
            let afterOpener = rest[start.upperBound...]
            guard let close = afterOpener.firstIndex(of: "}") else { break }
            names.append(String(afterOpener[..<close]))
            rest = afterOpener[afterOpener.index(after: close)...]
        }
        return names
    }

    /// Each pattern must be one Katib's collector would compile (Go RE2 syntax, see `MetricPattern`) and capture at
    /// least the metric name and the value.
    static func checkPatterns(_ patterns: [(String, SpecNode)], _ reader: inout SpecReader) {
        for (pattern, node) in patterns {
            let expression: NSRegularExpression
            do {
                expression = try MetricPattern(pattern).compile()
            } catch {
                reader.error(error.description, at: node)
                continue
            }
            if expression.numberOfCaptureGroups < 2 {
                reader.error("the pattern `\(pattern)` has \(expression.numberOfCaptureGroups) capture group(s); it "
                    + "needs two: the first captures the metric name, the second its value, e.g. "
                    + "`([\\w-]+)=([-+]?[0-9.eE+-]+)`.", at: node)
            }
        }
    }

    /// Parses `90`, `1.5`, `"90s"`, `"5m"`, `"1h"`, `"1h30m"` as seconds.
    static func parseDuration(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = SpecReader.parseNumber(trimmed) { return seconds }
        var total = 0.0
        var digits = ""
        var sawUnit = false
        for character in trimmed {
            if character.isNumber || character == "." {
                digits.append(character)
                continue
            }
            let unit: Double
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            default: return nil
            }
            guard let value = Double(digits) else { return nil }
            total += value * unit
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty else { return nil }
        return total
    }
}
