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
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw SpecError([syntaxProblem(error, text: text, file: file)])
        }
        guard let root else {
            throw SpecError([SpecProblem(
                location: SourceLocation(file: file, line: 1, column: 1), field: "",
                message: "the spec file is empty; see docs/spec.md for the fields a study needs (name, objective, "
                    + "parameters).")])
        }

        var reader = SpecReader(file: file)
        let spec: StudySpec?
        let rootNode = SpecNode(root, path: "")
        if isKatibExperiment(root) {
            var katib = KatibExperimentReader(reader: reader)
            spec = katib.read(rootNode)
            reader = katib.reader
        } else {
            var augur = AugurSpecReader(reader: reader)
            spec = augur.read(rootNode)
            reader = augur.reader
        }
        guard reader.errors.isEmpty, let spec else {
            let problems = reader.errors.isEmpty
                ? [SpecProblem(location: nil, field: "", message: "the spec could not be read; check it against docs/spec.md.")]
                : reader.errors
            throw SpecError(inFileOrder(problems))
        }
        return ParsedSpec(spec: spec, warnings: inFileOrder(reader.warnings), keyLocations: reader.keyLocations)
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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it could not be read" : "there is no such file"
            throw SpecError([SpecProblem(location: nil, field: "",
                                         message: "cannot open spec file `\(path)`: \(reason).")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError([SpecProblem(location: nil, field: "",
                                         message: "spec file `\(path)` is not UTF-8 text; save it as UTF-8.")])
        }
        return try parse(text, file: path)
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
            return problem(nil, "the spec is not valid YAML: \(error).")
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
            let mark = offset.map { lineAndColumn(ofCharacterOffset: $0, in: text) }
            return problem(mark, "the spec cannot be read as text: \(reason); save it as UTF-8.")
        default:
            return problem(nil, "the spec is not valid YAML: \(yamlError).")
        }
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
