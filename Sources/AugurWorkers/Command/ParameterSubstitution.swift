import AugurCore

/// Replaces `${parameters.NAME}` (Augur) and `${trialParameters.NAME}` (Katib, through `parameterReferences`) in a
/// command's arguments and environment values with a trial's values. Nothing else is interpreted: there is no shell.
struct ParameterSubstitution: Sendable {
    var parameters: ParameterAssignment
    /// Katib reference name → study parameter name.
    var references: [String: String]
    /// Extra names usable as `${trial.NAME}`: `id`, `directory`, `study`.
    var trialValues: [String: String]

    /// `text` with every reference replaced; throws for a reference to nothing.
    func apply(to text: String, field: String) throws(WorkerError) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                result += rest[open.lowerBound...]
                return result
            }
            let reference = String(rest[open.upperBound..<close])
            result += try value(of: reference, field: field)
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    private func value(of reference: String, field: String) throws(WorkerError) -> String {
        let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw .unknownReference(reference: reference, field: field) }
        let name: String?
        switch parts[0] {
        case "parameters": name = parts[1]
        case "trialParameters": name = references[parts[1]]
        case "trial":
            guard let value = trialValues[parts[1]] else { throw .unknownReference(reference: reference, field: field) }
            return value
        default: name = nil
        }
        guard let name, let value = parameters[name] else { throw .unknownReference(reference: reference, field: field) }
        return value.description
    }

    /// The environment variable carrying a parameter: `AUGUR_PARAM_` + the name upper-cased, other characters as `_`.
    static func environmentName(of parameter: String) -> String {
        let cleaned = parameter.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        return "AUGUR_PARAM_" + cleaned
    }
}
