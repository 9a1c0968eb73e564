import ArgumentParser
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurWorkers
import Foundation
import Logging

/// `augur worker`
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a study's trials for an `augur serve` server.",
        discussion: """
            The worker asks the server for trials (SuggestTrials with its own client id per parallel slot) and \
            runs each exactly as `augur run` does: the study's trial command, in <run directory>/trials/<id>, \
            with metrics collected as the spec says (or a training-core trial); it reports measurements, heartbeats to keep its leases, and \
            completes, fails or stops each trial. Any number of workers on any machines may serve one study; \
            the server never hands one trial to two of them at once.

            When the server is unreachable (restarting), calls are retried with back-off for --retry-seconds; \
            measurements it still cannot take then are held, in memory and in the trial's directory, and written \
            in order once it is back, before the trial's ending. A worker that dies loses nothing: its trials \
            return to the study when their leases lapse.

            SIGTERM or Ctrl-C stops gracefully: running trials are terminated and given back to the server, \
            to be run again by any worker. A second signal kills the running trials at once. A trial's processes \
            never outlive the worker, even when the worker itself is killed.

            The worker runs only what it agreed to. With --spec it refuses a study whose trial template (command, \
            environment, working directory, metrics) or search space differs from the file's, so it runs only its \
            own spec's command; --allow-command PREFIX (repeatable) allows only commands whose argument vector \
            starts with one of the prefixes. A study deleted and created again while the worker runs is another \
            study: the worker stops with an error instead of running its trials.

            Exit status: 0 the study is no longer ACTIVE; 1 an error; 2 the study FAILED; 130 interrupted.
            """)

    @Option(help: ArgumentHelp("The `augur serve` address.", valueName: "host:port"))
    var server: String

    @Option(help: "The study to work on (default: the name in --spec).")
    var study: String?

    @Option(help: ArgumentHelp("A spec file (Augur YAML or Katib Experiment): the server creates the study from it when it has none of that name, "
                               + "and the worker refuses a study whose trial template or search space differs from it.",
                               valueName: "spec"))
    var spec: String?

    @Option(name: .customLong("allow-command"),
            help: ArgumentHelp("Run only commands whose argument vector starts with these words, e.g. `python3 train.py` (repeatable).",
                               valueName: "prefix"))
    var allowedCommands: [String] = []

    @Option(help: "Trials to run at once.")
    var parallel: Int = 1

    @Option(help: ArgumentHelp("A file whose first line is the server's bearer token.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Where trial directories go (default ./<study>).", valueName: "directory"))
    var runDirectory: String?

    @Option(help: "Seconds to keep retrying a call while the server is unreachable.")
    var retrySeconds: Double = 300

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if ListenAddress(server) == nil {
            throw ValidationError("--server must look like HOST:PORT (for example 127.0.0.1:50051), got `\(server)`.")
        }
        if study == nil, spec == nil { throw ValidationError("name the study with --study, or give its spec file with --spec.") }
        if allowedCommands.contains(where: { WorkerPolicy.commandPrefix($0) == nil }) {
            throw ValidationError("--allow-command needs the words a command starts with, e.g. --allow-command 'python3 train.py'.")
        }
        if parallel < 1 { throw ValidationError("--parallel must be at least 1.") }
        if !(retrySeconds.isFinite && retrySeconds >= 0) { throw ValidationError("--retry-seconds must not be negative.") }
    }

    func run() async throws {
        let console = Console()
        logging.bootstrap(console: console)
        let logger = Logger(label: "augur.worker")
        guard let address = ListenAddress(server) else { throw ExitCode.validationFailure }
        let token = try tokenFile.map(TokenFile.read)
        let client = try AugurClient(server: address, token: token, retryTimeout: .milliseconds(Int(retrySeconds * 1000)), logger: logger)
        // Checked as `augur run` checks it, before the study is created on the server.
        let fromFile = try spec.map { try loadSpecToRun($0, console: console).spec }
        guard let study = study ?? fromFile?.name else { throw ExitCode.validationFailure }
        let job = StudyRunJob(
            console: console, interruptMessage: "augur: interrupted: giving running trials back to the server (again kills them at once)"
        ) { [self] events in
            let remote: Study
            if let fromFile {
                remote = try await existingOrCreatedStudy(study, from: fromFile, client: client, logger: logger)
            } else {
                remote = try await client.getStudy(study)
            }
            guard remote.spec.trial != nil else {
                throw CLIError("study '\(study)' has no trial template (a command or a training block), so `augur worker` cannot run its trials")
            }
            let policy = WorkerPolicy(spec: fromFile, allowedCommands: allowedCommands.compactMap(WorkerPolicy.commandPrefix))
            if let refusal = policy.refusal(of: remote) { throw CLIError(refusal) }
            if fromFile == nil, policy.allowedCommands.isEmpty {
                logger.notice("""
                    running any command study '\(study)' names; whoever can create studies on \(address) decides what that is \
                    (restrict it with --spec or --allow-command)
                    """)
            }
            let counts = try await client.trials(study: study)
            var tally = TrialCounts()
            for trial in counts { tally[trial.state] += 1 }
            let best = try await client.optimalTrials(study: study, count: 1).first
            logger.info("working on study '\(study)' at \(address): \(tally.ended) of \(remote.spec.budget.maxTrials) trials done")

            let directory = runDirectory ?? RunDirectory.path(forStudy: study, in: FileManager.default.currentDirectoryPath)
            let progress = RunProgress(console: console, objective: remote.spec.objective, total: remote.spec.budget.maxTrials,
                                       counts: tally, best: best)
            // The same runners as `augur run`, picked the same way.
            let trialRunner = TrialRunnerFactory.make(for: remote.spec, runDirectory: directory, parallelism: parallel, logger: logger)
            // Stops rather than run a study created again under the same name, or one the policy refuses.
            let guarded = GuardedStudyService(service: client, study: remote, policy: policy)
            let runner = StudyRunner(service: guarded, runner: trialRunner, parallelism: parallel, events: events, logger: logger)
            return StudyRunJob.Prepared(runner: runner, study: study, progress: progress)
        }
        // Shut down in reverse: the run gives its trials back before the client's connections close.
        try await runServices([
            .init(service: client),
            .init(service: job, successTerminationBehavior: .gracefullyShutdownGroup),
        ], logger: logger)
        let ending = try job.outcome()

        switch ending {
        case .interrupted(let study):
            printError("augur: worker interrupted; study '\(study.name)' is still \(study.state.rawValue)")
            throw ExitCode(130)
        case .finished(let study):
            print("study '\(study.name)' \(study.state.rawValue)" + (study.stateReason.map { ": \($0)" } ?? ""))
            if study.state == .failed { throw ExitCode(2) }
        }
    }

    /// The server's study of that name, created from the spec file when it has none (or another worker's, when it
    /// created it first).
    private func existingOrCreatedStudy(_ name: String, from spec: StudySpec, client: AugurClient, logger: Logger) async throws -> Study {
        do {
            return try await client.getStudy(name)
        } catch {
            guard error.kind == .notFound else { throw error }
        }
        var spec = spec
        spec.name = name
        do {
            let created = try await client.createStudy(spec)
            logger.info("created study '\(name)' on \(client.server)")
            return created
        } catch {
            guard error.kind == .alreadyExists else { throw error }
            return try await client.getStudy(name)
        }
    }
}
