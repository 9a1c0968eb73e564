import AugurCore

extension ShellScript {
    /// Warnings for `augur validate` (and `augur run`): a categorical or discrete value with characters a shell
    /// interprets, referenced in the script of a command that runs a shell. Augur quotes such a value, so the program
    /// gets it literally where a script written for Katib would have run it; where it cannot be quoted (inside
    /// `$((…))`, backquotes, …) every trial with that value fails. Empty for any other study.
    public static func warnings(for spec: StudySpec) -> [SpecProblem] {
        guard case .command(let command) = spec.trial, let index = scriptIndex(in: command.argv) else { return [] }
        let field = "trial.command[\(index)]"
        let substitution = ParameterSubstitution(parameters: [:], references: command.parameterReferences, trialValues: [:])
        var scanner = ShellScriptScanner()
        var warnings: [SpecProblem] = []
        var warned: Set<String> = []
        func check(_ reference: String) {
            let context = scanner.context
            scanner.readValue()
            guard let name = substitution.parameterName(of: reference), let parameter = spec.searchSpace[name] else { return }
            let values: [String]
            switch parameter.domain {
            case .categorical(let categories): values = categories
            case .discrete(let numbers): values = numbers.map(formatNumber)
            case .double, .integer: return
            }
            for value in values where !isInert(value) && warned.insert("\(name)\u{0}\(value)").inserted {
                let what = "\(parameter.typeName) value \(String(reflecting: value)) of parameter `\(name)`"
                let message: String
                if quote(value, in: context) == nil {
                    message = "\(what) holds characters a shell interprets and lands \(context.place) of the `\(command.argv[0])` "
                        + "script, where Augur cannot quote it: trials with this value will fail. Move `${\(reference)}` out "
                        + "of there, or read $\(ParameterSubstitution.environmentName(of: name)) in the script."
                } else {
                    message = "\(what) holds characters a shell interprets and is substituted into the `\(command.argv[0])` "
                        + "script: Augur quotes it (\(singleQuoted(value))), so the program receives it as literal text and "
                        + "the shell runs none of it."
                }
                warnings.append(SpecProblem(location: nil, field: field, message: message, severity: .warning))
            }
        }
        // A reference to nothing is refused when a trial runs; here only values are looked at.
        try? ParameterSubstitution.forEachPiece(of: command.argv[index]) { piece in
            switch piece {
            case .literal(let text): scanner.read(text)
            case .reference(let reference): check(reference)
            }
        }
        return warnings
    }
}
