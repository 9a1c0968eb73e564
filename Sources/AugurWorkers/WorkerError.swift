/// Why a trial could not be started or a run could not proceed.
public enum WorkerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The study has no command to run (it is driven through the API, or uses the training core).
    case noCommand(study: String)
    /// `${parameters.NAME}` or `${trialParameters.NAME}` names nothing.
    case unknownReference(reference: String, field: String)
    /// A parameter value holds characters a shell would interpret, in a place of a `sh -c` script where Augur
    /// cannot quote it.
    case unquotableValue(reference: String, value: String, field: String, place: String)
    /// A metrics pattern is not a valid regular expression.
    case invalidPattern(pattern: String, message: String)
    /// The process could not be started.
    case spawnFailed(command: String, message: String)
    /// A directory or file the trial needs could not be created.
    case filesystem(path: String, message: String)

    public var description: String {
        switch self {
        case .noCommand(let study):
            "study '\(study)' has no trial command; add `trial: command: [...]` to its spec to run it with `augur run`"
        case .unknownReference(let reference, let field):
            "\(field) refers to `${\(reference)}`, which is no parameter of the study"
        case .unquotableValue(let reference, let value, let field, let place):
            "\(field): the value \(String(reflecting: value)) of `${\(reference)}` holds characters the shell would read as "
                + "code, and it lands \(place) of the shell script, where Augur cannot quote it; move the reference out of "
                + "there, or read the value from the environment (AUGUR_PARAM_<NAME>) in the script"
        case .invalidPattern(let pattern, let message):
            "cannot read metrics with the pattern `\(pattern)`: \(message)"
        case .spawnFailed(let command, let message):
            "cannot start `\(command)`: \(message)"
        case .filesystem(let path, let message):
            "cannot prepare \(path): \(message)"
        }
    }
}
