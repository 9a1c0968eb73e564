import ArgumentParser
import AugurCore
import AugurService
import AugurStorage
import AugurWorkers
import Foundation
import Logging

/// `augur run SPEC`
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create a study from a spec file, or resume it, and run its trials.",
        discussion: """
            When the database already has a study of the spec's name, the run resumes it: completed trials are \
            kept, trials left running by a run that died are run again, and the budget in the spec file applies. \
            The search space and objective must not change.

            Each trial runs the spec's command in its own directory, <run directory>/trials/<id>, where \
            output.log keeps its output. The run directory defaults to <database directory>/<study name>.

            Ctrl-C (or SIGTERM) stops gracefully: running trials are terminated and put back to be run again; \
            `augur run` with the same spec resumes. A second Ctrl-C kills the running trials at once. A trial's \
            processes never outlive augur, even when augur itself is killed.

            On a terminal a progress line shows trials done, running and failed, the best value so far, the \
            elapsed time and an estimate of the time left; otherwise each trial prints a line. At the end the \
            best trials are printed on standard output.

            A measurement the database cannot take for a while (PostgreSQL restarting, a full disk) is held, in \
            memory and in the trial's directory, and written in order once the database is back. A database file \
            deleted or replaced under the run stops it with an error naming where what it had was saved.

            Exit status: 0 the study completed; 1 an error (a database deleted under the run too); 2 the study \
            FAILED; 130 interrupted.
            """)

    @Argument(help: ArgumentHelp("The spec file (Augur YAML or Katib Experiment).", valueName: "spec"))
    var spec: String

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp(
        "Trials this run keeps going at once (default: the spec's parallelTrials).",
        discussion: "A larger value also raises the study-wide limit for this run; a smaller one leaves room for other runs."))
    var parallel: Int?

    @Option(help: "Seed for the designer, replacing the spec's.")
    var seed: UInt64?

    @Option(help: ArgumentHelp("Where trial directories go.", valueName: "directory"))
    var runDirectory: String?

    @Option(help: "How many of the best trials the final summary shows.")
    var top: Int = 5

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1.") }
        if top < 0 { throw ValidationError("--top must not be negative.") }
    }

    func run() async throws {
        let console = Console()
        logging.bootstrap(console: console)
        let logger = Logger(label: "augur")

        var studySpec = try loadSpecToRun(spec, console: console).spec
        guard studySpec.trial != nil else {
            throw CLIError("study '\(studySpec.name)' has no `trial:` section (a command or a training block), so `augur run` cannot run its trials")
        }
        if let seed { studySpec.seed = seed }
        // --parallel is this run's concurrency; it raises the study-wide cap when larger (stored with the study when
        // it is resumed), never lowers it, so two runs with --parallel 2 on a study allowing 4 share the work.
        let parallelism = parallel ?? studySpec.budget.parallelTrials
        studySpec.budget.parallelTrials = max(studySpec.budget.parallelTrials, parallelism)

        let service = try database.openService()
        let resumption = try await service.resumeStudy(studySpec)
        let name = studySpec.name
        let counts = try await service.trialCounts(study: name)
        if resumption.created {
            logger.info("created study '\(name)' in \(database.location)")
        } else {
            logger.info("resuming study '\(name)': \(counts.ended) of \(studySpec.budget.maxTrials) trials done")
        }

        let directory = runDirectory ?? defaultRunDirectory(study: name)
        let best = try await service.bestTrials(study: name, count: 1).first
        let progress = RunProgress(console: console, objective: studySpec.objective, total: studySpec.budget.maxTrials,
                                   counts: counts, best: best)
        let trialRunner = TrialRunnerFactory.make(for: studySpec, runDirectory: directory, parallelism: parallelism, logger: logger)
        let job = StudyRunJob(
            console: console,
            interruptMessage: "augur: interrupted: stopping running trials; they will run again on resume (Ctrl-C again kills them at once)"
        ) { events in
            let runner = StudyRunner(service: service, runner: trialRunner, parallelism: parallelism, events: events, logger: logger)
            return StudyRunJob.Prepared(runner: runner, study: name, progress: progress)
        }
        try await runServices([.init(service: job, successTerminationBehavior: .gracefullyShutdownGroup)], logger: logger)
        let ending: StudyRunner.Ending
        do {
            ending = try job.outcome()
        } catch let error as ServiceError where error.kind == .dataLoss {
            throw CLIError(error.message + "; " + trialFoldersAfterDataLoss(directory))
        }

        let report = TrialReport(spec: studySpec, trials: try await service.bestTrials(study: name, count: top))
        switch ending {
        case .interrupted(let study):
            printSummary(study, report: report)
            printError("augur: study '\(name)' interrupted; resume with `augur run \(spec)`"
                + (database.database.map { " --database \($0)" } ?? ""))
            throw ExitCode(130)
        case .finished(let study):
            printSummary(study, report: report)
            if study.state == .failed { throw ExitCode(2) }
        }
    }

    private func defaultRunDirectory(study: String) -> String {
        guard !database.isURL, database.location != ":memory:" else {
            return RunDirectory.path(forStudy: study, in: FileManager.default.currentDirectoryPath)
        }
        let path = (database.location as NSString).expandingTildeInPath
        return RunDirectory.path(forStudy: study, in: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// What became of the trial folders when the database was lost under the run (its folder often holds them).
    private func trialFoldersAfterDataLoss(_ directory: String) -> String {
        let trials = URL(fileURLWithPath: directory).appendingPathComponent("trials")
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: trials.path)) ?? []
        let has = { (file: String) in folders.filter { FileManager.default.fileExists(atPath: trials.appendingPathComponent($0).appendingPathComponent(file).path) } }
        let held = has(HeldMeasurements.fileName)
        let heldNote = held.isEmpty ? "" : "; the measurements not stored are kept in \(HeldMeasurements.fileName) in the folders of trials \(held.sorted().joined(separator: ", "))"
        if !has("output.log").isEmpty {
            return "the running trials were stopped; the trial folders and their output are kept under '\(trials.path)'" + heldNote
        }
        return "the running trials were stopped; the trial folders under '\(trials.path)' were deleted too, so their output is lost" + heldNote
    }

    private func printSummary(_ study: Study, report: TrialReport) {
        print("study '\(study.name)' \(study.state.rawValue)" + (study.stateReason.map { ": \($0)" } ?? ""))
        if report.trials.isEmpty {
            print("no completed trials")
        } else if top > 0 {
            print("best trials:")
            print(report.table())
        }
    }
}
