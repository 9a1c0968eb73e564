import AugurAlgorithms
import AugurCore
import AugurService
import Foundation
import Logging
import Synchronization

/// Runs each trial as a subprocess of the study's command, without a shell.
///
/// For trial N the runner
/// - substitutes `${parameters.NAME}`, Katib's `${trialParameters.NAME}` and `${trial.id}` / `${trial.directory}` /
///   `${trial.study}` in the arguments and environment values; in the script of a command that runs a shell
///   (`sh -c SCRIPT`, a spec's single-string command) each value is quoted for that shell (`ShellScript`);
/// - adds `AUGUR_STUDY`, `AUGUR_TRIAL_ID`, `AUGUR_TRIAL_DIR` and `AUGUR_PARAM_<NAME>` for every parameter to the
///   environment it inherits;
/// - in a population-based-training study, prepares the trial's checkpoint directory from its parent's
///   (``CheckpointHandOver``), passes it in `AUGUR_CHECKPOINT_DIR` and puts it in place of the spec's `checkpointPath`;
/// - creates `<run directory>/trials/N/`, runs the command there (or in the spec's `workingDirectory`) and writes its
///   standard output and error to `output.log` in it;
/// - parses the output (or the metrics file) line by line as it arrives; values with a step are reported at once as
///   intermediate measurements, and an early-stopping decision terminates the trial as STOPPED;
/// - terminates the process group (SIGTERM, then SIGKILL after the grace period) on timeout, early stop or cancellation.
public struct CommandTrialRunner: TrialRunner {
    /// Where the per-trial directories go (`trials/<id>` under it).
    public var runDirectory: String
    /// Seconds between SIGTERM and SIGKILL when a trial is ended early.
    public var gracePeriod: Double
    /// Lines of output quoted in a failure reason.
    public var tailLines: Int
    public var logger: Logger

    public init(runDirectory: String, gracePeriod: Double = 5, tailLines: Int = 20, logger: Logger = Logger(label: "augur.runner")) {
        self.runDirectory = runDirectory
        self.gracePeriod = gracePeriod
        self.tailLines = tailLines
        self.logger = logger
    }

    /// The directory of trial `id`: `<run directory>/trials/<id>`.
    public func trialDirectory(of id: Int) -> String {
        URL(fileURLWithPath: runDirectory).appendingPathComponent("trials").appendingPathComponent(String(id)).path
    }

    public func trialFolder(of id: Int) -> String? {
        trialDirectory(of: id)
    }

    /// Kills (SIGKILL) the process group of every trial still running in this process. For a process about to exit
    /// without waiting for its trials (a second Ctrl-C), so that none is left behind.
    public static func killAllRunningTrials() {
        SupervisedProcess.killAll()
    }

    public func run(_ trial: Trial, of study: Study, slot: Int, measurements: MeasurementSink) async -> TrialOutcome {
        await run(trial, of: study, slot: slot, member: nil, measurements: measurements)
    }

    /// In a population-based-training study the trial also gets its checkpoint directory
    /// (``CheckpointHandOver``), filled with its parent's, in `AUGUR_CHECKPOINT_DIR`, and the study's `checkpointPath`
    /// (Katib's `suggestion_trial_dir`) is replaced by it in the arguments and environment values.
    public func run(_ trial: Trial, of study: Study, slot: Int, member: PopulationMember?, measurements: MeasurementSink) async -> TrialOutcome {
        guard case .command(let command) = study.spec.trial else {
            return .failed(reason: WorkerError.noCommand(study: study.name).description)
        }
        do {
            return try await run(trial, study: study, command: command, member: member, measurements: measurements)
        } catch {
            return .failed(reason: error.description)
        }
    }

    private func run(_ trial: Trial, study: Study, command: CommandTrial, member: PopulationMember?,
                     measurements: MeasurementSink) async throws(WorkerError) -> TrialOutcome {
        let directory = trialDirectory(of: trial.id)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .filesystem(path: directory, message: error.localizedDescription)
        }
        var checkpoint: (directory: String, path: String?)?
        if case .populationBased(let settings) = study.spec.algorithm {
            let prepared = try CheckpointHandOver.prepare(trial: trial.id, parent: member?.parent, in: runDirectory)
            if let parent = member?.parent, !prepared.copied {
                logger.warning("the parent's checkpoint is not in this run directory; the trial starts from an empty one",
                               metadata: ["trial": "\(trial.id)", "parent": "\(parent)"])
            }
            checkpoint = (prepared.directory, settings.checkpointPath)
        }
        let substitution = ParameterSubstitution(
            parameters: trial.parameters, references: command.parameterReferences,
            trialValues: ["id": String(trial.id), "directory": directory, "study": study.name,
                          "name": TrialParameterReference.trialName(study: study.name, trial: trial.id)],
            inactive: Set(study.spec.searchSpace.names).subtracting(trial.parameters.keys))
        // The script of `sh -c SCRIPT` is code for that shell: values substituted into it are quoted for it.
        let script = ShellScript.scriptIndex(in: command.argv)
        var arguments: [String] = []
        // Katib mounts the trial's checkpoint directory at `suggestion_trial_dir`; here the command is rewritten instead.
        let rewrite: (String) -> String = { text in
            guard let checkpoint, let path = checkpoint.path else { return text }
            return CheckpointHandOver.rewrite(text, checkpointPath: path, to: checkpoint.directory)
        }
        for (index, argument) in command.argv.enumerated() {
            arguments.append(rewrite(try substitution.apply(to: argument, field: "command[\(index)]", quotingForShell: index == script)))
        }
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in command.environment {
            environment[name] = rewrite(try substitution.apply(to: value, field: "env.\(name)"))
        }
        if let checkpoint {
            environment["AUGUR_CHECKPOINT_DIR"] = checkpoint.directory
            if let member {
                environment["AUGUR_PBT_GENERATION"] = String(member.generation)
                environment["AUGUR_PBT_PARENT"] = member.parent.map(String.init) ?? ""
            }
        }
        for (name, value) in trial.parameters {
            environment[ParameterSubstitution.environmentName(of: name)] = value.description
        }
        environment["AUGUR_STUDY"] = study.name
        environment["AUGUR_TRIAL_ID"] = String(trial.id)
        environment["AUGUR_TRIAL_DIR"] = directory
        let workingDirectory = try command.workingDirectory.map { path throws(WorkerError) in
            try substitution.apply(to: path, field: "workingDirectory")
        } ?? directory

        let objective = study.spec.objective
        let parser = try MetricsParser(format: command.metrics.format, metricNames: objective.allMetricNames)
        var metricsFile: String?
        var eventDirectory: String?
        switch command.metrics.source {
        case .standardOutput:
            break
        case .file(let path):
            let resolved = try substitution.apply(to: path, field: "metrics.path")
            metricsFile = resolved.hasPrefix("/") ? resolved : URL(fileURLWithPath: workingDirectory).appendingPathComponent(resolved).path
            // A file left by an earlier attempt of this trial must not count.
            if let metricsFile { try? FileManager.default.removeItem(atPath: metricsFile) }
        case .directory(let path):
            let resolved = try substitution.apply(to: path, field: "metrics.path")
            eventDirectory = resolved.hasPrefix("/") ? resolved : URL(fileURLWithPath: workingDirectory).appendingPathComponent(resolved).path
        }
        // Event files an earlier attempt left are not removed (the directory is the user's), only not read again.
        let eventFilesBefore = eventDirectory.map(TensorFlowEventCollector.snapshot(of:)) ?? [:]

        // An earlier attempt of this trial whose supervision was killed with it may have left its command running:
        // end it before this attempt starts, so that the trial never runs twice at once on this machine.
        let stale = await TrialProcessRecord.endStaleProcesses(in: directory)
        if !stale.isEmpty {
            logger.warning("ended processes an earlier attempt of the trial left running", metadata: ["trial": "\(trial.id)", "pids": "\(stale)"])
        }
        let logPath = URL(fileURLWithPath: directory).appendingPathComponent("output.log").path
        let started = Date()
        let tail = OutputTail(capacity: tailLines)
        let (lines, lineSink) = AsyncStream<String>.makeStream()
        let readsMetricsFromOutput = command.metrics.source == .standardOutput
        let control = SupervisedProcess.TerminationRequest()

        // Output lines are parsed here, off the watching thread, because reporting a measurement is async.
        async let collected = Self.collect(lines, parser: parser, started: started, measurements: measurements, control: control)
        let outcome = await SupervisedProcess.run(
            arguments: arguments, environment: environment, directory: workingDirectory, logPath: logPath, control: control,
            timeout: command.timeoutSeconds, gracePeriod: gracePeriod, tailFile: metricsFile,
            onStart: { [logger, arguments] group in
                TrialProcessRecord.current(processGroup: group).write(in: directory)
                logger.debug("trial started", metadata: ["trial": "\(trial.id)", "pid": "\(group)", "command": "\(arguments)"])
            },
            onLine: { line in
                tail.append(line)
                if readsMetricsFromOutput { lineSink.yield(line) }
            },
            onFileLine: { line in lineSink.yield(line) })
        TrialProcessRecord.remove(in: directory)
        lineSink.finish()
        var observed = await collected
        let result = try outcome.get()
        if let eventDirectory, result.termination == nil {
            // Like Katib's TensorFlowEvent collector, the event files are read once the trial's process has ended.
            let collector = TensorFlowEventCollector(metricNames: objective.allMetricNames)
            do {
                let observations = try collector.observations(inDirectory: eventDirectory, skippingUnchanged: eventFilesBefore)
                await Self.report(observations, started: started, measurements: measurements, into: &observed)
            } catch {
                return .failed(reason: error.description)
            }
        }

        switch result.termination {
        case .cancelled?:
            return .interrupted
        case .stopped(let reason)?:
            return .stopped(reason: reason)
        case .timedOut(let seconds)?:
            return .failed(reason: "timed out after \(formatNumber(seconds))s" + tail.quoted())
        case nil:
            break
        }
        switch result.exit {
        case .exited(let status) where status != 0:
            return .failed(reason: "exit status \(status)" + tail.quoted())
        case .signaled(let signal):
            return .failed(reason: "killed by signal \(signal)\(Self.signalName(signal))" + tail.quoted())
        case .exited:
            break
        }
        guard observed.all.contains(where: { $0.metrics[objective.metric] != nil }) else {
            let source = metricsFile.map { "metrics file \($0)" }
                ?? eventDirectory.map { "the TensorFlow event files under \($0)" } ?? "its output"
            return .failed(reason: "never reported metric '\(objective.metric)' in \(source)" + tail.quoted())
        }
        return .completed(observations: observed.unreported, elapsedSeconds: Date().timeIntervalSince(started))
    }

    /// What a trial's output said: every observation in order, and those without a step (not reported as
    /// intermediate measurements, so the service gets them with the completion).
    private struct Observations: Sendable {
        var all: [TrialMeasurement] = []
        var unreported: [TrialMeasurement] = []
    }

    /// Parses lines as they arrive; values with a step are reported at once (and may stop the trial). Returns every
    /// observation as a measurement, in order, and those that were not reported.
    private static func collect(_ lines: AsyncStream<String>, parser: MetricsParser, started: Date, measurements: MeasurementSink,
                                control: SupervisedProcess.TerminationRequest) async -> Observations {
        var observed = Observations()
        var lastStep = 0
        for await line in lines {
            guard let observation = parser.parse(line) else { continue }
            let step = observation.step ?? lastStep
            lastStep = step
            let measurement = TrialMeasurement(step: step, elapsedSeconds: Date().timeIntervalSince(started), metrics: observation.metrics)
            observed.all.append(measurement)
            guard observation.step != nil else {
                observed.unreported.append(measurement)
                continue
            }
            let decision = await measurements.report(measurement)
            if decision.shouldStop {
                control.request(.stopped(reason: decision.reason ?? "stopped early by the study's early-stopping rule"))
            }
        }
        return observed
    }

    /// Reports observations read after the trial ended (TensorFlow event files): those with a step as
    /// intermediate measurements (an early-stopping decision has nothing left to stop), the others with the completion.
    private static func report(_ observations: [MetricObservation], started: Date, measurements: MeasurementSink,
                               into observed: inout Observations) async {
        let elapsed = Date().timeIntervalSince(started)
        var lastStep = 0
        for observation in observations {
            let step = observation.step ?? lastStep
            lastStep = step
            let measurement = TrialMeasurement(step: step, elapsedSeconds: elapsed, metrics: observation.metrics)
            observed.all.append(measurement)
            if observation.step == nil {
                observed.unreported.append(measurement)
            } else {
                _ = await measurements.report(measurement)
            }
        }
    }

    private static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: " (SIGKILL)"
        case SIGTERM: " (SIGTERM)"
        case SIGSEGV: " (SIGSEGV)"
        case SIGABRT: " (SIGABRT)"
        case SIGINT: " (SIGINT)"
        case SIGBUS: " (SIGBUS)"
        case SIGFPE: " (SIGFPE)"
        default: ""
        }
    }
}

/// The last lines of a trial's output, for failure reasons.
private final class OutputTail: Sendable {
    private let capacity: Int
    private let lines = Mutex<[String]>([])

    init(capacity: Int) {
        self.capacity = capacity
    }

    func append(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        }
    }

    /// `"\nlast 3 lines of output:\n…"`, or nothing when there was no output. The reason's first line stays short
    /// for tables; the output follows on the next lines.
    func quoted() -> String {
        let text = lines.withLock { $0 }
        guard !text.isEmpty else { return "" }
        let heading = text.count == 1 ? "last line of output:" : "last \(text.count) lines of output:"
        return "\n" + heading + "\n" + text.joined(separator: "\n")
    }
}
