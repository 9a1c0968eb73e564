import Foundation

/// Checks both spec formats share: names, the search space as a whole, grids, `${…}` references and metric
/// patterns.
enum SpecRules {
    /// The most cells a grid search may have; larger grids are almost always a missing `step` or a typo.
    static let maximumGridSize = 1_000_000

    /// Whether `name` uses only letters, digits, `-`, `_` and `.`.
    static func isValidName(_ name: String) -> Bool {
        name.isEmpty == false && name.unicodeScalars.allSatisfy {
            ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "-_.".unicodeScalars.contains($0)
        }
    }

    static func checkStudyName(_ name: String, at node: SpecNode, _ reader: inout SpecReader) {
        guard isValidName(name) == false else { return }
        reader.error("study name `\(name)` may use only letters, digits, `-`, `_` and `.`; for example `mnist-lr-sweep`.",
                     at: node)
    }

    /// Parameter names must be unique and use only letters, digits, `-`, `_` and `.`.
    static func checkParameterNames(_ drafts: [ParameterDraft], _ reader: inout SpecReader) {
        var seen: [String: SpecNode] = [:]
        for draft in drafts {
            if isValidName(draft.name) == false {
                reader.error("parameter name `\(draft.name)` may use only letters, digits, `-`, `_` and `.`.",
                             at: draft.nameNode)
            }
            if let first = seen[draft.name] {
                let line = first.mark.map { " (first defined on line \($0.line))" } ?? ""
                reader.error("parameter `\(draft.name)` is defined twice\(line); give each parameter its own name.",
                             at: draft.nameNode)
            } else {
                seen[draft.name] = draft.nameNode
            }
        }
    }

    /// A grid needs every parameter to have finitely many values, and not too many cells.
    static func checkGrid(_ parameters: [ParameterSpec], drafts: [ParameterDraft], at algorithmNode: SpecNode,
                          _ reader: inout SpecReader) {
        var cells = 1
        var finite = true
        for parameter in parameters {
            guard let count = parameter.cardinality else {
                finite = false
                let node = drafts.first { $0.name == parameter.name }?.node ?? algorithmNode
                reader.error("grid search needs a `step` for double parameter `\(parameter.name)` (for example "
                    + "`step: 0.1`), or make it discrete with a list of values.", at: node)
                continue
            }
            let (product, overflow) = cells.multipliedReportingOverflow(by: count)
            cells = overflow ? Int.max : product
        }
        guard finite, cells > maximumGridSize else { return }
        let size = cells == Int.max ? "more than \(Int.max)" : "\(cells)"
        reader.error("the grid has \(size) points, more than the \(maximumGridSize) Augur allows; use larger steps, "
            + "fewer values, or a random or quasi-random search.", at: algorithmNode)
    }

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

    /// Each pattern must compile and capture at least the metric name and the value.
    static func checkPatterns(_ patterns: [(String, SpecNode)], _ reader: inout SpecReader) {
        for (pattern, node) in patterns {
            let expression: NSRegularExpression
            do {
                expression = try NSRegularExpression(pattern: pattern)
            } catch {
                reader.error("the pattern `\(pattern)` is not a valid regular expression; check its brackets and "
                    + "escapes (in YAML, single quotes keep backslashes as written).", at: node)
                continue
            }
            if expression.numberOfCaptureGroups < 2 {
                reader.error("the pattern `\(pattern)` has \(expression.numberOfCaptureGroups) capture group(s); it "
                    + "needs two: the first captures the metric name, the second its value, e.g. "
                    + "`([\\w-]+)=([-+]?[0-9.eE+-]+)`.", at: node)
            }
        }
    }

    /// The objective metric and the additional ones must be distinct and non-empty.
    static func checkMetricNames(_ names: [(String, SpecNode)], _ reader: inout SpecReader) {
        var seen: Set<String> = []
        for (name, node) in names {
            if name.isEmpty || name.contains(where: \.isWhitespace) {
                reader.error("metric name `\(name)` must be a single word without spaces.", at: node)
            }
            if seen.insert(name).inserted == false {
                reader.error("metric `\(name)` is listed twice (the objective metric is collected already); "
                    + "list each metric once.", at: node)
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
