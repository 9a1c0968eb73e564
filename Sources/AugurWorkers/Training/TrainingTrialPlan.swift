import AugurCore
import AugurTraining

/// How one trial of a `training` study is trained: the configuration built from the spec's `trial.training` section
/// and the trial's parameter values.
///
/// The base comes from the section (`epochs`, `device`, `validationFraction`); the `fixed` values and then the mapped
/// study parameters are applied over it by ``TrainingConfiguration/init(hyperparameters:base:)``, which checks every
/// name and value.
public struct TrainingTrialPlan: Sendable, Hashable {
    /// The configuration to train with (device not yet placed on a GPU slot).
    public var configuration: TrainingConfiguration
    /// The hyperparameter text values given to the training core, by hyperparameter name.
    public var hyperparameters: [String: String]

    /// Why a plan could not be made.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// A mapped study parameter has no value in the trial.
        case missingParameter(hyperparameter: String, parameter: String)
        /// The trial section's own settings are unusable (e.g. `device`).
        case invalidSection(String)
        /// The training core rejected the hyperparameters; `fromSearchSpace` is true when every problem concerns a
        /// hyperparameter set by a study parameter (the point is infeasible rather than the spec wrong).
        case invalidHyperparameters(TrainingError, fromSearchSpace: Bool)

        public var description: String {
            switch self {
            case .missingParameter(let hyperparameter, let parameter):
                "hyperparameter '\(hyperparameter)' is mapped to study parameter '\(parameter)', which this trial has no value for"
            case .invalidSection(let message):
                message
            case .invalidHyperparameters(let error, _):
                error.description
            }
        }
    }

    /// The plan for a trial with `parameters` under `training`.
    ///
    /// - Parameter parallelTrials: trials running at once in this process; above 1, OpenBLAS gets one thread per trial
    ///   (`threads: 1`) unless the spec sets `threads` itself, because OpenBLAS threads busy-wait and several trials
    ///   with several threads each on a small machine run many times slower.
    /// - Parameter inactive: the study's conditional parameters that do not exist in this trial.
    public init(training: TrainingTrial, parameters: ParameterAssignment, parallelTrials: Int = 1,
                inactive: Set<String> = []) throws(Problem) {
        var base = TrainingConfiguration()
        base.epochs = training.epochs
        base.validationFraction = training.validationFraction
        do {
            base.device = try ComputeDevice(parsing: training.device)
        } catch {
            throw .invalidSection("trial.training.device: \(error.description)")
        }

        var values = training.fixed
        for (hyperparameter, parameter) in training.parameterMapping {
            // A conditional parameter that does not exist in this trial leaves the hyperparameter at its fixed
            // value or default.
            if inactive.contains(parameter) { continue }
            guard let value = parameters[parameter] else {
                throw .missingParameter(hyperparameter: hyperparameter, parameter: parameter)
            }
            values[hyperparameter] = Self.text(of: value)
        }
        let setsThreads = values.keys.contains { TrainingConfiguration.canonicalHyperparameterName($0) == "threads" }
        if parallelTrials > 1, !setsThreads { base.threads = 1 }

        do {
            configuration = try TrainingConfiguration(hyperparameters: values, base: base)
        } catch {
            let mapped = Set(training.parameterMapping.keys)
            var fromSearchSpace = false
            if case .invalidHyperparameters(let problems) = error {
                fromSearchSpace = !problems.isEmpty && problems.allSatisfy { problem in
                    mapped.contains(problem.name)
                        || mapped.contains { TrainingConfiguration.canonicalHyperparameterName($0) == problem.name }
                }
            }
            throw .invalidHyperparameters(error, fromSearchSpace: fromSearchSpace)
        }
        hyperparameters = values
    }

    /// The names in `training` (mapped and fixed) that are not hyperparameters of the training core, as spec problems
    /// naming the field (`trial.training.fixed.widht`) but no location (`keyLocations` of the parsed spec has it);
    /// empty when every name is known. A spec check that needs no trial values.
    public static func unknownHyperparameters(in training: TrainingTrial) -> [SpecProblem] {
        let known = TrainingConfiguration.hyperparameterNames.map(\.name).joined(separator: ", ")
        let names = training.parameterMapping.keys.map { ("parameters", $0) } + training.fixed.keys.map { ("fixed", $0) }
        return names.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .filter { TrainingConfiguration.canonicalHyperparameterName($0.1) == nil }
            .map { section, name in
                SpecProblem(location: nil, field: "trial.training.\(section).\(name)",
                            message: "'\(name)' is not a hyperparameter of the training core; known names: \(known).")
            }
    }

    /// The exact text of a parameter value: doubles in Swift's shortest round-tripping form (no rounding).
    static func text(of value: ParameterValue) -> String {
        switch value {
        case .double(let number): String(number)
        case .integer(let number): String(number)
        case .string(let text): text
        }
    }
}
