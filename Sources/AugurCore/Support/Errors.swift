/// A position in a spec file.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One thing wrong with a spec file.
public struct SpecProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Whether a problem stops the spec from being used or only points at something Augur ignores.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    /// Where the offending value (or the mapping missing a field) is; `nil` when the file could not be read at all.
    public var location: SourceLocation?
    /// The field path, e.g. `spec.parameters[2].feasibleSpace.max`.
    public var field: String
    /// A sentence for a human: what is wrong and what to write instead.
    public var message: String
    public var severity: Severity

    public init(location: SourceLocation?, field: String, message: String, severity: Severity = .error) {
        self.location = location
        self.field = field
        self.message = message
        self.severity = severity
    }

    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        let path = field.isEmpty ? "" : "\(field): "
        return "\(place)\(severity.rawValue): \(path)\(message)"
    }

    /// The problem as a line of output about `file`: `description`, led by the file's name when the problem has no
    /// location of its own (a file that could not be read, a check made without positions).
    public func description(file: String) -> String {
        location == nil ? "\(file): \(description)" : description
    }

    private enum CodingKeys: String, CodingKey {
        case location, field, message, severity
    }

    // Problems encoded before `severity` existed decode as errors.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        location = try container.decodeIfPresent(SourceLocation.self, forKey: .location)
        field = try container.decode(String.self, forKey: .field)
        message = try container.decode(String.self, forKey: .message)
        severity = try container.decodeIfPresent(Severity.self, forKey: .severity) ?? .error
    }
}

/// Every problem found in a spec file (parsing reports all of them, not only the first).
public struct SpecError: Error, Sendable, CustomStringConvertible {
    public var problems: [SpecProblem]

    public init(_ problems: [SpecProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
