/// What a Katib trial parameter (`${trialParameters.NAME}` in a command) stands for.
///
/// Katib's `trialParameters[].reference` names a search parameter or a piece of the trial's Kubernetes metadata
/// (`${trialSpec.Name}`, `${trialSpec.Namespace}`, …). Augur gives the metadata its local meaning when it reads the
/// Experiment (docs/spec.md, "Trial metadata"): the name is the trial's own, `<study>-<trial id>`; the rest is fixed
/// text taken from the file.
public enum TrialParameterReference: Sendable, Hashable, CustomStringConvertible {
    /// The value the trial assigns to this search parameter.
    case parameter(String)
    /// The trial's name, `<study>-<trial id>` (Katib's `${trialSpec.Name}`).
    case trialName
    /// Text fixed when the Experiment was read: its namespace, the template's kind or apiVersion, a label or an
    /// annotation of the template's metadata.
    case text(String)

    /// The marker of `trialName` in `encoded` form: Katib's own spelling.
    public static let trialNameMarker = "${trialSpec.Name}"

    /// Reads the form kept in `CommandTrial.parameterReferences` (and sent on the wire): a search parameter's name as
    /// it is, `${trialSpec.Name}` for the trial's name, or `=` followed by fixed text. No parameter name starts with
    /// `$` or `=` (`SpecValidator.nameProblem`), so the three never collide.
    public init(encoded: String) {
        if encoded == Self.trialNameMarker {
            self = .trialName
        } else if encoded.hasPrefix("=") {
            self = .text(String(encoded.dropFirst()))
        } else {
            self = .parameter(encoded)
        }
    }

    /// The form kept in `CommandTrial.parameterReferences`; see `init(encoded:)`.
    public var encoded: String {
        switch self {
        case .parameter(let name): name
        case .trialName: Self.trialNameMarker
        case .text(let text): "=" + text
        }
    }

    public var description: String {
        switch self {
        case .parameter(let name): "parameter `\(name)`"
        case .trialName: "the trial's name"
        case .text(let text): "the text `\(text.excerptForMessage)`"
        }
    }

    /// The name Augur gives a trial where Katib would give its Kubernetes resource one: `<study>-<trial id>`.
    public static func trialName(study: String, trial: Int) -> String {
        "\(study)-\(trial)"
    }
}

extension CommandTrial {
    /// What `${trialParameters.NAME}` stands for, or `nil` when no trial parameter has that name.
    public func reference(named name: String) -> TrialParameterReference? {
        parameterReferences[name].map(TrialParameterReference.init(encoded:))
    }
}
