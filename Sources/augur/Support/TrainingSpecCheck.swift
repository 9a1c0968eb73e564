import AugurCore
import AugurWorkers

/// Checks of a spec that need the training core, which the spec parser (in `AugurCore`) cannot make: every
/// hyperparameter name in `trial.training` (`parameters` and `fixed`) must be one the training core knows.
/// Empty for command studies and valid training sections.
func trainingSpecProblems(_ spec: StudySpec) -> [String] {
    guard case .training(let training) = spec.trial else { return [] }
    return TrainingTrialPlan.unknownHyperparameters(in: training)
}
