import Foundation
import Yams

/// Reads typed values out of YAML nodes and collects every problem on the way, so that one pass over a spec reports
/// all of them (each with file:line:column and field path) instead of stopping at the first.
struct SpecReader {
    /// The spec file's name as given by the caller; it prefixes every location.
    let file: String
    /// The directory relative paths in the spec resolve against (absolute, standardized).
    let baseDirectory: String
    private(set) var errors: [SpecProblem] = []
    private(set) var warnings: [SpecProblem] = []
    /// See `ParsedSpec.keyLocations`.
    private(set) var keyLocations: [String: SourceLocation] = [:]
    /// Where each node met so far is, by its field path in the file, so that problems found after reading (by
    /// `SpecValidator`) can be given a place.
    private(set) var nodeLocations: [String: SourceLocation] = [:]

    init(file: String) {
        self.file = file
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        baseDirectory = directory.standardizedFileURL.path
    }

    // MARK: Reporting

    func location(_ mark: Mark?) -> SourceLocation? {
        mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
    }

    /// Remembers where `node` is, for problems found after reading.
    mutating func record(_ node: SpecNode) {
        if nodeLocations[node.path] == nil, let location = location(node.mark) { nodeLocations[node.path] = location }
    }

    /// Where the node at `path` is, or the closest enclosing node that was met (`parameters[2].max` falls back to
    /// `parameters[2]`, then `parameters`, then the whole file).
    func location(ofPath path: String) -> SourceLocation? {
        var path = Substring(path)
        while true {
            if let location = nodeLocations[String(path)] { return location }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return nodeLocations[""] ?? SourceLocation(file: file, line: 1, column: 1)
    }

    /// Remembers where the key of `fields[key]` is, for checks made after parsing.
    mutating func recordKeyLocation(_ key: String, in fields: SpecFields) {
        guard let keyNode = fields.keyNode(key), let location = location(keyNode.mark) else { return }
        keyLocations[keyNode.path] = location
    }

    mutating func error(_ message: String, at node: SpecNode) {
        error(message, field: node.path, mark: node.mark)
    }

    mutating func error(_ message: String, field: String, mark: Mark?) {
        errors.append(SpecProblem(location: location(mark), field: field, message: message))
    }

    mutating func warning(_ message: String, at node: SpecNode) {
        warning(message, field: node.path, mark: node.mark)
    }

    mutating func warning(_ message: String, field: String, mark: Mark?) {
        warnings.append(SpecProblem(location: location(mark), field: field, message: message, severity: .warning))
    }

    // MARK: Mappings

    /// The members of a mapping. Unknown keys are errors naming the closest known key; keys in `ignored` are
    /// warnings carrying the given reason.
    mutating func fields(of node: SpecNode, known: [String], ignored: [String: String] = [:], what: String) -> SpecFields? {
        guard case .mapping(let mapping) = node.node else {
            error("\(what) must be a mapping of fields (`key: value`), not \(node.summary).", at: node)
            return nil
        }
        var members: [(key: String, keyNode: SpecNode, value: SpecNode)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                error("a field name must be a plain word, not \(SpecNode(keyNode, path: node.path).summary).",
                      at: SpecNode(keyNode, path: node.path))
                continue
            }
            let keySpec = SpecNode(keyNode, path: node.path(of: key))
            let valueSpec = SpecNode(valueNode, path: node.path(of: key))
            record(valueSpec)
            if known.contains(key) {
                members.append((key, keySpec, valueSpec))
            } else if let reason = ignored[key] {
                warning(reason, at: keySpec)
            } else if key == "<<" {
                error("YAML merge keys (`<<`) are not supported in spec files; write the fields out.", at: keySpec)
            } else {
                error(unknownFieldMessage(key, known: known, what: what), at: keySpec)
            }
        }
        return SpecFields(owner: node, members: members)
    }

    /// A mapping whose keys are the user's own (environment variables, hyperparameter names).
    mutating func userFields(_ node: SpecNode, what: String) -> SpecFields? {
        guard case .mapping(let mapping) = node.node else {
            error("\(what) must be a mapping (`KEY: value`), not \(node.summary).", at: node)
            return nil
        }
        let keys = Array(mapping.keys.compactMap { $0.scalar?.string })
        return fields(of: node, known: keys, what: what)
    }

    private func unknownFieldMessage(_ key: String, known: [String], what: String) -> String {
        if known.isEmpty { return "\(what) takes no fields; remove `\(key)`." }
        let list = known.map { "`\($0)`" }.joined(separator: ", ")
        if let suggestion = closestName(to: key, among: known) {
            return "unknown field `\(key)` in \(what); did you mean `\(suggestion)`? (known fields: \(list))"
        }
        return "unknown field `\(key)` in \(what); known fields are \(list)."
    }

    /// The value of a required field; reports its absence (at the mapping) with `hint` telling what to write.
    mutating func required(_ key: String, in fields: SpecFields, hint: String) -> SpecNode? {
        if let value = fields[key] { return value }
        if let present = fields.rawValue(key) {
            error("`\(key)` has no value; \(hint)", at: present)
        } else {
            error("missing required field `\(key)`; \(hint)", field: fields.owner.path(of: key), mark: fields.owner.mark)
        }
        return nil
    }

    // MARK: Scalars

    /// Any scalar as text (numbers keep the digits as written).
    mutating func string(_ node: SpecNode, what: String) -> String? {
        guard case .scalar(let scalar) = node.node, node.isNull == false else {
            error("\(what) must be a single value, not \(node.summary).", at: node)
            return nil
        }
        return scalar.string
    }

    /// A number; Katib's quoted numbers (`"0.01"`) are accepted as well as plain ones.
    mutating func number(_ node: SpecNode, what: String) -> Double? {
        guard let text = node.scalarText, node.isNull == false else {
            error("\(what) must be a number, not \(node.summary).", at: node)
            return nil
        }
        guard let value = Self.parseNumber(text) else {
            error("\(what) must be a number like `0.5` or `1e-3`, not \(node.summary).", at: node)
            return nil
        }
        return value
    }

    /// A whole number (`3`, `"3"` or `3.0`).
    mutating func integer(_ node: SpecNode, what: String) -> Int? {
        guard let text = node.scalarText, node.isNull == false else {
            error("\(what) must be a whole number, not \(node.summary).", at: node)
            return nil
        }
        if let value = Int(text.trimmingCharacters(in: .whitespaces)) { return value }
        if let value = Self.parseNumber(text), value == value.rounded() {
            if let exact = Int(exactly: value) { return exact }
            error("\(what) \(node.summary) is too large for a whole number.", at: node)
            return nil
        }
        error("\(what) must be a whole number like `3`, not \(node.summary).", at: node)
        return nil
    }

    /// A whole number no smaller than `minimum`.
    mutating func integer(_ node: SpecNode, what: String, atLeast minimum: Int) -> Int? {
        guard let value = integer(node, what: what) else { return nil }
        guard value >= minimum else {
            error("\(what) must be at least \(minimum), not \(value).", at: node)
            return nil
        }
        return value
    }

    /// One of a fixed set of words, compared without regard to case.
    mutating func choice<Value>(_ node: SpecNode, what: String, among choices: KeyValuePairs<String, Value>) -> Value? {
        guard let text = string(node, what: what) else { return nil }
        if let match = choices.first(where: { $0.key.lowercased() == text.lowercased() }) { return match.value }
        let names = choices.map { "`\($0.key)`" }.joined(separator: ", ")
        if let suggestion = closestName(to: text, among: choices.map(\.key)) {
            error("\(what) `\(text)` is not one of \(names); did you mean `\(suggestion)`?", at: node)
        } else {
            error("\(what) `\(text)` is not one of \(names).", at: node)
        }
        return nil
    }

    // MARK: Lists

    /// The elements of a list.
    mutating func list(_ node: SpecNode, what: String) -> [SpecNode]? {
        guard case .sequence(let sequence) = node.node else {
            error("\(what) must be a list (`[a, b]` or lines starting with `- `), not \(node.summary).", at: node)
            return nil
        }
        let elements = sequence.enumerated().map { SpecNode($1, path: node.path(at: $0)) }
        for element in elements { record(element) }
        return elements
    }

    /// A list of scalars as text; a bad element is reported and left out.
    mutating func stringList(_ node: SpecNode, what: String) -> [(String, SpecNode)]? {
        guard let elements = list(node, what: what) else { return nil }
        var result: [(String, SpecNode)] = []
        for element in elements {
            if let text = string(element, what: "each element of \(what)") { result.append((text, element)) }
        }
        return result
    }

    // MARK: Paths

    /// `path` made absolute against the spec file's directory.
    func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL.path }
        return URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: baseDirectory, isDirectory: true))
            .standardizedFileURL.path
    }

    // MARK: Helpers

    /// Parses YAML-style numbers: `3`, `-0.5`, `1e-4`, `1E+3`, `.5`; infinities and NaN are not numbers here.
    static func parseNumber(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.isEmpty == false,
              trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              trimmed.contains(where: \.isNumber),
              let value = Double(trimmed), value.isFinite
        else { return nil }
        return value
    }
}

/// The known name closest to `name` (case-insensitive edit distance), if it is close enough to be a typo.
func closestName(to name: String, among known: [String]) -> String? {
    let lowered = name.lowercased()
    var best: (name: String, distance: Int)?
    for candidate in known {
        let distance = editDistance(lowered, candidate.lowercased())
        if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    guard let best else { return nil }
    // One edit for short names (so `base` does not become `name`), two from eight letters on.
    let allowed = max(1, min(lowered.count, best.name.count) / 4)
    return best.distance <= allowed ? best.name : nil
}

/// Levenshtein distance with adjacent transpositions counted as one edit (`maxTrails` -> `maxTrials` is one).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousPrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previousPrevious[j - 2] + 1)
            }
        }
        (previousPrevious, previous, current) = (previous, current, previousPrevious)
    }
    return previous[b.count]
}
