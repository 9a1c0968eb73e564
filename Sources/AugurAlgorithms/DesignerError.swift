import AugurCore

/// Why a designer could not be built for a study, or could not propose its next trials.
public enum DesignerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The search space has no parameters.
    case emptySearchSpace
    /// A parameter cannot be searched (its name or its feasible space breaks the spec's rules); `reason` says why.
    case invalidParameter(name: String, reason: String)
    /// Grid search met a double parameter without a step.
    case gridNeedsStep(parameter: String)
    /// The grid has more cells than a 64-bit index can count.
    case gridTooLarge(parameters: [String])
    /// The quasi-random sequence has no direction numbers for this many parameters.
    case tooManyDimensions(sequence: QuasiRandomSequence, dimensions: Int, maximum: Int)
    /// The quasi-random sequence has no point at this position.
    case sequenceExhausted(sequence: QuasiRandomSequence, position: Int)
    /// An algorithm setting is out of range (a hand-built spec; the spec readers refuse these first).
    case invalidSetting(algorithm: String, setting: String, reason: String)

    public var description: String {
        switch self {
        case .emptySearchSpace:
            return "The search space has no parameters; list at least one parameter under `parameters`."
        case let .invalidParameter(name, reason):
            return "Parameter '\(name)' cannot be searched: \(reason)."
        case .gridNeedsStep(let parameter):
            return "Grid search needs a step for double parameter '\(parameter)': add `step` to its feasible space "
                + "(for example `step: 0.01`), or choose the random, quasirandom, gp, tpe or cmaes algorithm."
        case .gridTooLarge(let parameters):
            return "The grid over \(parameters.joined(separator: ", ")) has more cells than can be counted; "
                + "use larger steps or fewer values, or choose the random, quasirandom, gp, tpe or cmaes algorithm."
        case let .tooManyDimensions(sequence, dimensions, maximum):
            return "The \(sequence.rawValue) sequence supports at most \(maximum) parameters but the search space has "
                + "\(dimensions); remove parameters or choose the halton sequence or the random algorithm."
        case let .sequenceExhausted(sequence, position):
            return "The \(sequence.rawValue) sequence has no point at position \(position); start a new study, with a "
                + "new seed, to keep searching."
        case let .invalidSetting(algorithm, setting, reason):
            return "The \(algorithm) setting `\(setting)` \(reason); correct it in the study's spec."
        }
    }
}
