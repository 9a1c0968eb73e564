import ArgumentParser
import AugurCore
import AugurWorkers

/// `augur validate FILE...`
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check spec files and report every problem.",
        discussion: """
            Each problem is printed as `file:line:column: error: field: message` (warnings likewise, with \
            `warning:`) on standard error; a valid file prints `file: ok` on standard output. \
            Exits with status 1 when any file has an error.
            """)

    @Argument(help: ArgumentHelp("Spec files (Augur YAML or Katib Experiment).", valueName: "file"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one spec file, e.g. `augur validate study.yaml`.") }
    }

    func run() throws {
        var failed = false
        for file in files {
            do {
                let parsed = try StudySpecParser.load(path: file)
                for warning in parsed.warnings { printError(warning.description) }
                for warning in ShellScript.warnings(for: parsed.spec) { printError(warning.description(file: file)) }
                let spec = parsed.spec
                let trainingProblems = trainingSpecProblems(parsed)
                for problem in trainingProblems {
                    printError(problem.description(file: file))
                }
                guard trainingProblems.isEmpty else {
                    failed = true
                    continue
                }
                print("\(file): ok (study '\(spec.name)', \(spec.searchSpace.parameters.count) parameters, "
                    + "\(spec.algorithm.name), up to \(spec.budget.maxTrials) trials)")
            } catch {
                failed = true
                for problem in error.problems {
                    printError(problem.description(file: file))
                }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
