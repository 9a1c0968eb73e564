import AugurCore
import Logging

/// Picks the runner for a study's trial template: `command` trials run as subprocesses (``CommandTrialRunner``),
/// `training` trials in the training core (``TrainingTrialRunner``).
public enum TrialRunnerFactory {
    /// The runner for `spec`'s trials (a ``CommandTrialRunner``, which fails every trial with
    /// ``WorkerError/noCommand(study:)``, when the spec has no trial section).
    ///
    /// - Parameters:
    ///   - runDirectory: where command trials get their directories (and population-based-training trials their
    ///     checkpoints).
    ///   - parallelism: trials this process runs at once.
    public static func make(for spec: StudySpec, runDirectory: String, parallelism: Int,
                            logger: Logger = Logger(label: "augur.runner")) -> any TrialRunner {
        switch spec.trial {
        case .command, nil:
            CommandTrialRunner(runDirectory: runDirectory, logger: logger)
        case .training:
            TrainingTrialRunner(parallelism: parallelism, runDirectory: runDirectory, logger: logger)
        }
    }
}
