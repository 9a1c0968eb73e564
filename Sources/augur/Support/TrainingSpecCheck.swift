import ArgumentParser
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

/// Reads a spec file for a command that runs its trials (`augur run`, `augur worker --spec`): prints its warnings,
/// and prints every problem, the training core's included, then exits with status 1 when there is any.
func loadSpecToRun(_ path: String, console: Console) throws -> ParsedSpec {
    let parsed: ParsedSpec
    do {
        parsed = try StudySpecParser.load(path: path)
        for warning in parsed.warnings { console.printLine(warning.description) }
        for warning in ShellScript.warnings(for: parsed.spec) { console.printLine(warning.description(file: path)) }
    } catch {
        for problem in error.problems { console.printLine(problem.description(file: path)) }
        throw ExitCode(1)
    }
    let trainingProblems = trainingSpecProblems(parsed)
    guard trainingProblems.isEmpty else {
        for problem in trainingProblems { console.printLine(problem.description(file: path)) }
        throw ExitCode(1)
    }
    return parsed
}
