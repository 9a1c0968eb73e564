/// A spec that parsed without errors, with the warnings met on the way (fields Augur ignores, Katib settings it
/// cannot honour exactly).
public struct ParsedSpec: Sendable {
    public var spec: StudySpec
    /// Problems of severity `.warning`; none of them stops the study from running.
    public var warnings: [SpecProblem]

    public init(spec: StudySpec, warnings: [SpecProblem] = []) {
        self.spec = spec
        self.warnings = warnings
    }
}
