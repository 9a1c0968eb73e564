import Foundation
import Yams

/// Reads study specs: Augur's own YAML format or a Katib v1beta1 `kind: Experiment` file, told apart by the
/// Katib file's `apiVersion`/`kind`. See `docs/spec.md` for both formats.
///
/// Parsing reports every problem it finds, each with `file:line:column`, the field path and a sentence saying what
/// to write instead; a spec with any error is rejected as a whole.
public enum StudySpecParser {
    /// Parses the text of a spec file.
    ///
    /// - Parameters:
    ///   - text: The YAML text.
    ///   - file: The file's path as the user gave it: it prefixes every problem's location, and relative paths in
    ///     the spec (working directory, metrics file, dataset) are resolved against its directory.
    /// - Returns: The study spec and any warnings.
    /// - Throws: `SpecError` with every problem found, syntax errors included.
    public static func parse(_ text: String, file: String) throws(SpecError) -> ParsedSpec {
        let start = SourceLocation(file: file, line: 1, column: 1)
        let size = text.utf8.count
        guard size <= SpecLimits.maximumFileSize else {
            throw SpecError([SpecProblem(location: start, field: "", message: "the spec is \(size) bytes, more than the "
                + "\(SpecLimits.maximumFileSize) bytes (1 MiB) a spec file may have; a study's spec is a few kilobytes.")])
        }
        if let offset = text.utf8.firstIndex(of: 0) {
            let mark = lineAndColumn(ofUTF8Offset: text.utf8.distance(from: text.utf8.startIndex, to: offset), in: text)
            throw SpecError([SpecProblem(location: SourceLocation(file: file, line: mark.line, column: mark.column),
                                         field: "", message: "the spec holds a NUL byte, so it is not a text file; give "
                                             + "the YAML spec, not a binary file.")])
        }
        if let problem = flowNestingProblem(text, file: file) { throw SpecError([problem]) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw SpecError([syntaxProblem(error, text: text, file: file)])
        }
        guard let root else {
            throw SpecError([SpecProblem(
                location: start, field: "",
                message: "the spec file is empty; see docs/spec.md for the fields a study needs (name, objective, "
                    + "parameters).")])
        }
        // Aliases are expanded in the tree: a small file can stand for billions of nodes. Count them (stopping at
        // the limit) before anything walks the tree.
        var budget = SpecLimits.maximumNodes
        guard countNodes(root, budget: &budget) else {
            throw SpecError([SpecProblem(location: start, field: "", message: "the spec has more than "
                + "\(SpecLimits.maximumNodes) YAML nodes once its aliases (`*name`) are expanded; write the values out "
                + "instead of nesting aliases.")])
        }

        var reader = SpecReader(file: file)
        let draft: SpecDraft
        let rootNode = SpecNode(root, path: "")
        reader.record(rootNode)
        let isKatib = isKatibExperiment(root)
        if isKatib {
            var katib = KatibExperimentReader(reader: reader)
            draft = katib.read(rootNode)
            reader = katib.reader
        } else {
            var augur = AugurSpecReader(reader: reader)
            draft = augur.read(rootNode)
            reader = augur.reader
        }
        // The reader mapped the syntax; whether the values make a valid spec is the validator's to say, and the
        // reader's record of where each field is written gives its problems their place.
        var problems = reader.errors
        for problem in SpecValidator.problems(of: draft) {
            let path = isKatib ? KatibExperimentReader.filePath(ofField: problem.field) : problem.field
            problems.append(SpecProblem(location: reader.location(ofPath: path), field: problem.field,
                                        message: problem.message))
        }
        guard problems.isEmpty, let spec = draft.spec else {
            let found = problems.isEmpty
                ? [SpecProblem(location: start, field: "", message: "the spec could not be read; check it against docs/spec.md.")]
                : problems
            throw SpecError(inFileOrder(found.map { $0.placed(in: file) }))
        }
        return ParsedSpec(spec: spec.normalized, warnings: inFileOrder(reader.warnings), keyLocations: reader.keyLocations)
    }

    /// Whether the tree has at most `budget` nodes, counting each alias's expansion; stops as soon as it has not.
    private static func countNodes(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias:
            return true
        case .sequence(let sequence):
            for element in sequence where countNodes(element, budget: &budget) == false { return false }
            return true
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard countNodes(key, budget: &budget), countNodes(value, budget: &budget) else { return false }
            }
            return true
        }
    }

    /// The most `[`/`{` a spec may nest; deeper nesting is never a study and would exhaust the parser's stack.
    static let maximumFlowNesting = 64

    /// A problem when flow collections (`[…]`, `{…}`) nest deeper than `maximumFlowNesting`, found by a scan that
    /// skips quoted text and comments.
    private static func flowNestingProblem(_ text: String, file: String) -> SpecProblem? {
        var depth = 0
        var line = 1
        var column = 0
        var quote: UInt8?
        var comment = false
        for byte in text.utf8 {
            column += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 0
                comment = false
                continue
            }
            if comment { continue }
            if let open = quote {
                if byte == open { quote = nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): quote = byte
            case UInt8(ascii: "#"): comment = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximumFlowNesting {
                    return SpecProblem(location: SourceLocation(file: file, line: line, column: column), field: "",
                                       message: "lists and mappings nest more than \(maximumFlowNesting) deep here; "
                                           + "a spec needs a few levels.")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }

    /// Problems sorted by position, as a compiler lists them; problems without a position come first.
    private static func inFileOrder(_ problems: [SpecProblem]) -> [SpecProblem] {
        problems.enumerated().sorted { left, right in
            let a = left.element.location, b = right.element.location
            let keyA = (a?.line ?? 0, a?.column ?? 0), keyB = (b?.line ?? 0, b?.column ?? 0)
            return keyA != keyB ? keyA < keyB : left.offset < right.offset
        }.map(\.element)
    }

    /// Reads and parses the spec file at `path`.
    ///
    /// - Throws: `SpecError` when the file cannot be read (with no location) or has problems.
    public static func load(path: String) throws(SpecError) -> ParsedSpec {
        let start = SourceLocation(file: path, line: 1, column: 1)
        let data: Data
        do {
            // Read one byte past the limit, so that a huge file (or an endless one, like /dev/zero) is refused
            // without reading it all.
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: SpecLimits.maximumFileSize + 1) ?? Data()
        } catch {
            var isDirectory: ObjCBool = false
            let reason = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                ? (isDirectory.boolValue ? "it is a directory" : "it could not be read") : "there is no such file"
            throw SpecError([SpecProblem(location: start, field: "", message: "cannot open spec file `\(path)`: \(reason).")])
        }
        guard data.count <= SpecLimits.maximumFileSize else {
            throw SpecError([SpecProblem(location: start, field: "", message: "the spec file is larger than the "
                + "\(SpecLimits.maximumFileSize) bytes (1 MiB) a spec may have; a study's spec is a few kilobytes.")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let mark = firstInvalidUTF8(in: data)
            throw SpecError([SpecProblem(location: SourceLocation(file: path, line: mark.line, column: mark.column),
                                         field: "", message: "the spec is not UTF-8 text here (a binary file?); save it "
                                             + "as UTF-8.")])
        }
        return try parse(text, file: path)
    }

    /// The line and column of the first byte that is not part of valid UTF-8.
    private static func firstInvalidUTF8(in data: Data) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                if scalar.count == 1, scalar.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error, .emptyInput:
                return (line, column)
            }
        }
    }

    /// Katib files are recognized by their Kubernetes header: any top-level `apiVersion` or `kind` (a wrong one is
    /// then reported by the Katib reader, which knows what to say about it).
    private static func isKatibExperiment(_ root: Node) -> Bool {
        guard case .mapping(let mapping) = root else { return false }
        return mapping["apiVersion"] != nil || mapping["kind"] != nil
    }

    private static func syntaxProblem(_ error: any Error, text: String, file: String) -> SpecProblem {
        func problem(_ mark: (line: Int, column: Int)?, _ message: String) -> SpecProblem {
            SpecProblem(location: mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) },
                        field: "", message: message)
        }
        guard let yamlError = error as? YamlError else {
            return problem((1, 1), "the spec is not valid YAML: \(error).")
        }
        switch yamlError {
        case .scanner(let context, let reason, let mark, _), .parser(let context, let reason, let mark, _),
             .composer(let context, let reason, let mark, _):
            var message = "YAML syntax error: \(reason)"
            if let context {
                message += " (\(context.text) that starts on line \(context.mark.line), column \(context.mark.column))"
            }
            return problem((mark.line, mark.column), message + "; check the indentation, quotes and brackets around here.")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            return problem((context.mark.line, context.mark.column), "the field \(keys) appears more than once in the same mapping; keep one.")
        case .reader(let reason, let offset, _, _):
            let mark = offset.map { lineAndColumn(ofCharacterOffset: $0, in: text) } ?? (1, 1)
            return problem(mark, "the spec cannot be read as text: \(reason); save it as UTF-8.")
        default:
            return problem((1, 1), "the spec is not valid YAML: \(yamlError).")
        }
    }

    private static func lineAndColumn(ofUTF8Offset offset: Int, in text: String) -> (line: Int, column: Int) {
        let prefix = text.utf8.prefix(offset)
        let line = prefix.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lineStart = prefix.lastIndex(of: UInt8(ascii: "\n")).map { prefix.index(after: $0) } ?? prefix.startIndex
        return (line, String(decoding: prefix[lineStart...], as: UTF8.self).count + 1)
    }

    private static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}

extension SpecProblem {
    /// The problem with a place: at the start of `file` when nothing narrower is known.
    fileprivate func placed(in file: String) -> SpecProblem {
        guard location == nil else { return self }
        var placed = self
        placed.location = SourceLocation(file: file, line: 1, column: 1)
        return placed
    }
}

extension StudySpec {
    /// The spec as Augur keeps it: a discrete parameter's values sorted, as Vizier does, so that the unit-cube cells
    /// (and a model over them) follow the values' order.
    var normalized: StudySpec {
        var spec = self
        spec.searchSpace = SearchSpace(searchSpace.parameters.map { parameter in
            guard case .discrete(let values) = parameter.domain else { return parameter }
            var sorted = parameter
            sorted.domain = .discrete(values.sorted())
            return sorted
        })
        return spec
    }
}
