/// A spec that parsed without errors, with the warnings met on the way (fields Augur ignores, Katib settings it
/// cannot honour exactly).
public struct ParsedSpec: Sendable {
    public var spec: StudySpec
    /// Problems of severity `.warning`; none of them stops the study from running.
    public var warnings: [SpecProblem]
    /// Where the keys of `trial.training.parameters` and `trial.training.fixed` are, by field path
    /// (`trial.training.parameters.learning_rate` → its key's line and column): the training core checks those
    /// names after parsing, since AugurCore does not know them, and its problems point here.
    public var keyLocations: [String: SourceLocation]

    public init(spec: StudySpec, warnings: [SpecProblem] = [], keyLocations: [String: SourceLocation] = [:]) {
        self.spec = spec
        self.warnings = warnings
        self.keyLocations = keyLocations
    }
}
