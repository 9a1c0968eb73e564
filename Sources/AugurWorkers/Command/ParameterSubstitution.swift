import AugurCore

/// Replaces `${parameters.NAME}` (Augur) and `${trialParameters.NAME}` (Katib, through `parameterReferences`) in a
/// command's arguments and environment values with a trial's values. Nothing else is interpreted: there is no shell,
/// except the one a command may run itself (`sh -c SCRIPT`), for whose script values are quoted.
struct ParameterSubstitution: Sendable {
    var parameters: ParameterAssignment
    /// Katib trial parameter name → what it stands for, encoded as `TrialParameterReference.encoded`.
    var references: [String: String]
    /// Extra names usable as `${trial.NAME}`: `id`, `directory`, `study`, `name` (`<study>-<id>`, also Katib's
    /// `${trialSpec.Name}`).
    var trialValues: [String: String]
    /// The study's conditional parameters that do not exist in this trial: a reference to one is replaced by the
    /// empty string (docs/spec.md, "Conditional parameters").
    var inactive: Set<String> = []

    /// `text` with every reference replaced; throws for a reference to nothing.
    ///
    /// With `quotingForShell` (the script of a `sh -c`-style command, `ShellScript.scriptIndex`), each value is
    /// written so that the shell reads it as the literal value (`ShellScript.quote`), and a value that cannot be
    /// quoted where it lands is refused.
    func apply(to text: String, field: String, quotingForShell: Bool = false) throws(WorkerError) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var scanner = quotingForShell ? ShellScriptScanner() : nil
        try Self.forEachPiece(of: text) { (piece) throws(WorkerError) in
            switch piece {
            case .literal(let literal):
                result += literal
                scanner?.read(literal)
            case .reference(let reference):
                let value = try value(of: reference, field: field)
                guard var shell = scanner else {
                    result += value
                    return
                }
                guard let quoted = ShellScript.quote(value, in: shell.context) else {
                    throw .unquotableValue(reference: reference, value: value, field: field, place: shell.context.place)
                }
                shell.readValue()
                scanner = shell
                result += quoted
            }
        }
        return result
    }

    /// A piece of a template: its own text, or the inside of a `${…}` reference.
    enum Piece {
        case literal(Substring)
        case reference(String)
    }

    /// Calls `body` with the pieces of `text` in order; a `${` without its `}` is text.
    static func forEachPiece(of text: String, _ body: (Piece) throws(WorkerError) -> Void) throws(WorkerError) {
        var rest = Substring(text)
        while let open = rest.range(of: "${"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            if open.lowerBound > rest.startIndex { try body(.literal(rest[..<open.lowerBound])) }
            try body(.reference(String(rest[open.upperBound..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { try body(.literal(rest)) }
    }

    /// The study parameter a reference stands for (`parameters.NAME`, or a Katib `trialParameters.NAME` that refers
    /// to one); `nil` for `trial.*`, trial metadata and references to nothing.
    func parameterName(of reference: String) -> String? {
        let parts = reference.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0] {
        case "parameters": return parts[1]
        case "trialParameters":
            guard case .parameter(let name)? = references[parts[1]].map(TrialParameterReference.init(encoded:)) else { return nil }
            return name
        default: return nil
        }
    }

    private func value(of reference: String, field: String) throws(WorkerError) -> String {
        if reference.hasPrefix("trial.") {
            guard let value = trialValues[String(reference.dropFirst("trial.".count))] else {
                throw .unknownReference(reference: reference, field: field)
            }
            return value
        }
        // Katib trial metadata (`${trialSpec.Name}`, …) as the spec reader resolved it.
        if reference.hasPrefix("trialParameters."),
           let encoded = references[String(reference.dropFirst("trialParameters.".count))] {
            switch TrialParameterReference(encoded: encoded) {
            case .trialName:
                guard let name = trialValues["name"] else { throw .unknownReference(reference: reference, field: field) }
                return name
            case .text(let text):
                return text
            case .parameter:
                break
            }
        }
        guard let name = parameterName(of: reference), let value = parameters[name] else {
            if let name = parameterName(of: reference), inactive.contains(name) { return "" }
            throw .unknownReference(reference: reference, field: field)
        }
        return value.description
    }

    /// The environment variable carrying a parameter: `AUGUR_PARAM_` + the name upper-cased, other characters as `_`.
    static func environmentName(of parameter: String) -> String {
        let cleaned = parameter.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        return "AUGUR_PARAM_" + cleaned
    }
}
