import AugurCore
import AugurWorkers

/// Checks of a spec that need the training core, which the spec parser (in `AugurCore`) cannot make: every
/// hyperparameter name in `trial.training` (`parameters` and `fixed`) must be one the training core knows. Each
/// problem carries the line and column of the offending key. Empty for command studies and valid training sections.
func trainingSpecProblems(_ parsed: ParsedSpec) -> [SpecProblem] {
    guard case .training(let training) = parsed.spec.trial else { return [] }
    return TrainingTrialPlan.unknownHyperparameters(in: training).map { problem in
        var located = problem
        located.location = parsed.keyLocations[problem.field]
        return located
    }
}
