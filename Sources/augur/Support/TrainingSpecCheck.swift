import AugurCore
import AugurWorkers

/// Checks of a spec that need the training core, which the spec parser (in `AugurCore`) cannot make: every
/// hyperparameter name in `trial.training` (`parameters` and `fixed`) must be one the training core knows. Each
/// problem carries the line and column of the offending key. Empty for command studies and valid training sections.
func trainingSpecProblems(_ parsed: ParsedSpec) -> [SpecProblem] {
    trainingSpecProblems(parsed.spec).map { problem in
        var located = problem
        located.location = parsed.keyLocations[problem.field]
        return located
    }
}

/// The same checks on a spec that did not come from a file (a CreateStudy call to `augur serve`): no locations.
@Sendable func trainingSpecProblems(_ spec: StudySpec) -> [SpecProblem] {
    guard case .training(let training) = spec.trial else { return [] }
    return TrainingTrialPlan.unknownHyperparameters(in: training)
}
