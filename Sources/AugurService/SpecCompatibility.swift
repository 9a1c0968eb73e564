import AugurCore

extension StudySpec {
    /// Why a study stored with this spec cannot be continued with `other`, or `nil` when it can.
    ///
    /// The search space and objective must match (otherwise the stored trials would mean something else); the budget,
    /// the algorithm, the trial command, the seed and early stopping may change between runs.
    public func incompatibility(with other: StudySpec) -> String? {
        var differences: [String] = []
        if searchSpace != other.searchSpace { differences.append("search space") }
        if objective.metric != other.objective.metric || objective.goal != other.objective.goal {
            differences.append("objective")
        }
        guard !differences.isEmpty else { return nil }
        return "study '\(name)' already exists with a different \(differences.joined(separator: " and ")); "
            + "rename the study in the spec file or remove the old one with `augur delete \(name)`"
    }
}
