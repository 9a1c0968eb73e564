/// The values a trial assigns, keyed by parameter name.
public typealias ParameterAssignment = [String: ParameterValue]

/// The parameters of a study, in the order the spec lists them.
public struct SearchSpace: Sendable, Codable, Hashable {
    public var parameters: [ParameterSpec]

    public init(_ parameters: [ParameterSpec]) {
        self.parameters = parameters
    }

    public subscript(name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }

    public var names: [String] { parameters.map(\.name) }

    /// Whether `assignment` gives every parameter exactly one legal value and nothing else.
    public func isValid(_ assignment: ParameterAssignment) -> Bool {
        guard assignment.count == parameters.count else { return false }
        return parameters.allSatisfy { parameter in
            assignment[parameter.name].map(parameter.contains) ?? false
        }
    }

    /// Brings values decoded from storage or JSON back to the parameter's own type (a JSON `1.0` that
    /// was read as an integer becomes `.double(1)` for a double parameter, and so on).
    public func coerce(_ assignment: ParameterAssignment) -> ParameterAssignment {
        var result = assignment
        for parameter in parameters {
            guard let value = assignment[parameter.name] else { continue }
            switch (parameter.domain, value) {
            case (.double, .integer(let x)), (.discrete, .integer(let x)):
                result[parameter.name] = .double(Double(x))
            case (.integer, .double(let x)) where x == x.rounded() && abs(x) < 9.0e15:
                result[parameter.name] = .integer(Int(x))
            case (.categorical, .integer(let x)):
                result[parameter.name] = .string(String(x))
            case (.categorical, .double(let x)):
                result[parameter.name] = .string(formatNumber(x))
            default:
                break
            }
        }
        return result
    }
}
