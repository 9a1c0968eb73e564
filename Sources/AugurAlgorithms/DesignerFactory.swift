import AugurCore

/// Builds the designer a study's spec asks for.
public enum DesignerFactory {
    /// The designer for `spec.algorithm`, over `spec.searchSpace`, seeded with `spec.seed`.
    ///
    /// - Throws: `DesignerError` when the search space does not suit the algorithm (a grid over a double without
    ///   step, a Sobol sequence over more parameters than its table covers, a malformed parameter).
    /// - Parameter cache: where a Gaussian-process designer keeps its last hyperparameter fit between suggestions
    ///   for the same study (warm starts and the refit policy of `docs/algorithms.md`); ignored by other designers.
    public static func make(for spec: StudySpec, cache: GaussianProcessCache? = nil) throws -> any Designer {
        switch spec.algorithm {
        case .random:
            return try RandomDesigner(spec: spec)
        case .quasiRandom:
            return try QuasiRandomDesigner(spec: spec)
        case .grid:
            return try GridDesigner(spec: spec)
        case .gaussianProcess(let settings):
            // Several objectives or outcome constraints: the bandit that models each metric (docs/algorithms.md).
            if spec.objective.ranksByMoreThanOneMetric {
                return try MultiObjectiveGaussianProcessDesigner(spec: spec, settings: settings, cache: cache)
            }
            return try GaussianProcessDesigner(spec: spec, settings: settings, cache: cache)
        case .treeParzen(let settings):
            return try TreeParzenDesigner(spec: spec, settings: settings)
        case .cmaes(let settings):
            return try CMAESDesigner(spec: spec, settings: settings)
        case .populationBased(let settings):
            return try PopulationBasedDesigner(spec: spec, settings: settings)
        }
    }
}
