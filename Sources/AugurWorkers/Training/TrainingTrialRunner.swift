import AugurAlgorithms
import AugurCore
import AugurService
import AugurTraining
import Foundation
import Logging
import Synchronization

/// Runs the trials of a study whose spec has a `trial: training:` section with Augur's own training core.
///
/// For each trial the runner
/// - builds the ``TrainingTrialPlan`` (the section's settings, its `fixed` values and the trial's parameters through
///   `parameters`); a value the training core rejects makes the trial INFEASIBLE when it comes from the search space
///   and FAILED when the spec itself is wrong (an unknown name, a bad fixed value);
/// - loads the dataset once per runner and reuses it for every trial;
/// - trains on a dedicated thread (the trainer is synchronous and CPU-bound, so it stays off the cooperative pool),
///   reporting every epoch as an intermediate measurement at `step = epoch` with the epoch's metrics
///   (`validation_accuracy`, `validation_loss`, `training_loss`, `epoch_seconds`, `learning_rate`) and waiting for
///   the early-stopping answer before the next epoch starts;
/// - places parallel trials one per GPU by their run-loop slot when several GPUs exist (``ComputeDevice/placed(inSlot:)``) and logs once,
///   per device, which device was picked and why.
///
/// A cancelled task ends training at the next epoch boundary and returns ``TrialOutcome/interrupted``.
public struct TrainingTrialRunner: TrialRunner {
    /// Trials this process runs at once (sets one OpenBLAS thread per trial when above 1, see ``TrainingTrialPlan``).
    public var parallelism: Int
    /// Where a population-based-training study's trials keep their checkpoints (``CheckpointHandOver``); `nil`
    /// keeps none, and such a study's trials then fail with a reason that says so.
    public var runDirectory: String?
    public var logger: Logger
    private let state: SharedState

    public init(parallelism: Int = 1, runDirectory: String? = nil, logger: Logger = Logger(label: "augur.training")) {
        self.parallelism = max(1, parallelism)
        self.runDirectory = runDirectory
        self.logger = logger
        self.state = SharedState()
    }

    public func run(_ trial: Trial, of study: Study, slot: Int, measurements: MeasurementSink) async -> TrialOutcome {
        await run(trial, of: study, slot: slot, member: nil, measurements: measurements)
    }

    /// In a population-based-training study the trial starts from its parent's checkpoint (weights, optimizer state
    /// and epoch count, in `<run directory>/trials/<parent>/checkpoint/`), trains `epochs` more epochs numbered on from
    /// the parent's, and leaves its own checkpoint in `<run directory>/trials/<id>/checkpoint/`.
    public func run(_ trial: Trial, of study: Study, slot: Int, member: PopulationMember?, measurements: MeasurementSink) async -> TrialOutcome {
        guard case .training(let training) = study.spec.trial else {
            return .failed(reason: "study '\(study.name)' has no `trial: training:` section, so the training core cannot run its trials")
        }
        let plan: TrainingTrialPlan
        do {
            plan = try TrainingTrialPlan(training: training, parameters: trial.parameters, parallelTrials: parallelism,
                                         inactive: Set(study.spec.searchSpace.names).subtracting(trial.parameters.keys))
        } catch {
            if case .invalidHyperparameters(_, fromSearchSpace: true) = error {
                return .infeasible(reason: error.description)
            }
            return .failed(reason: error.description)
        }
        var configuration = plan.configuration
        configuration.device = configuration.device.placed(inSlot: slot)
        var checkpointDirectory: String?
        if case .populationBased = study.spec.algorithm {
            guard let runDirectory else {
                return .failed(reason: "population-based training keeps each trial's checkpoint in the run directory, and this "
                    + "runner has none")
            }
            do {
                let prepared = try CheckpointHandOver.prepare(trial: trial.id, parent: member?.parent, in: runDirectory)
                if let parent = member?.parent, !prepared.copied {
                    logger.warning("the parent's checkpoint is not in this run directory; the trial starts from scratch",
                                   metadata: ["trial": "\(trial.id)", "parent": "\(parent)"])
                }
                checkpointDirectory = prepared.directory
            } catch {
                return .failed(reason: error.description)
            }
        }

        let cancellation = CancellationFlag()
        let job = TrainingJob(
            dataset: training.dataset, configuration: configuration, objective: study.spec.objective,
            datasets: state.datasets, checkpointDirectory: checkpointDirectory, cancellation: cancellation, measurements: measurements,
            announce: { [state, logger] note in
                if state.announceOnce(note) { logger.info("training device: \(note)") }
            })
        logger.debug("training trial started", metadata: [
            "trial": "\(trial.id)", "device": "\(configuration.device)", "hyperparameters": "\(plan.hyperparameters)",
        ])
        return await withTaskCancellationHandler {
            await DedicatedThread.run(name: "augur-training-\(trial.id)") { job.run() }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// State shared by every copy of one runner: the dataset cache and the device notes logged.
    private final class SharedState: Sendable {
        let datasets = DatasetCache()
        private let notes = Mutex<Set<String>>([])

        /// True the first time `note` is seen.
        func announceOnce(_ note: String) -> Bool {
            notes.withLock { $0.insert(note).inserted }
        }
    }
}

/// One trial's training, run start to end on the thread that calls ``run()``.
private struct TrainingJob: Sendable {
    let dataset: String
    let configuration: TrainingConfiguration
    let objective: Objective
    let datasets: DatasetCache
    /// Where the trial finds its parent's checkpoint and leaves its own; `nil` outside population-based training.
    let checkpointDirectory: String?
    let cancellation: CancellationFlag
    let measurements: MeasurementSink
    let announce: @Sendable (String) -> Void

    func run() -> TrialOutcome {
        let data: Dataset
        do {
            data = try datasets.load(dataset)
        } catch {
            return .failed(reason: "cannot load dataset '\(dataset)': \(error.description)")
        }
        guard data.sampleCount >= 2 else {
            return .failed(reason: "dataset '\(dataset)' has \(data.sampleCount) samples; at least 2 are needed to split it.")
        }
        let split = data.split(validationFraction: configuration.validationFraction, seed: configuration.seed)
        let selection: BackendSelection
        do {
            selection = try BackendSelection.open(configuration.device, cpuThreads: configuration.threads > 0 ? configuration.threads : nil)
        } catch {
            return .failed(reason: "cannot open the training device: \(error.description)")
        }
        announce(selection.note)

        let checkpointFile = checkpointDirectory.map {
            URL(fileURLWithPath: $0).appendingPathComponent(TrainingCheckpoint.fileName).path
        }
        var resumeFrom: TrainingCheckpoint?
        if let checkpointFile, FileManager.default.fileExists(atPath: checkpointFile) {
            do {
                resumeFrom = try TrainingCheckpoint.read(from: checkpointFile)
            } catch {
                return .failed(reason: error.description)
            }
        }
        var reported: [TrialMeasurement] = []
        var elapsed = 0.0
        var stopReason: String?
        let result: TrainingResult
        do {
            result = try Trainer().train(
                training: split.training, validation: split.validation, configuration: configuration,
                backend: selection.backend, resumingFrom: resumeFrom, keepsCheckpoint: checkpointFile != nil
            ) { report in
                elapsed += report.seconds
                let measurement = TrialMeasurement(step: report.epoch, elapsedSeconds: elapsed, metrics: report.metrics)
                reported.append(measurement)
                if cancellation.isCancelled { return .stop }
                let decision = measurements.reportBlocking(measurement)
                if decision.shouldStop {
                    stopReason = decision.reason ?? "stopped early by the study's early-stopping rule"
                    return .stop
                }
                return cancellation.isCancelled ? .stop : .continue
            }
        } catch {
            return .failed(reason: error.description)
        }
        if cancellation.isCancelled { return .interrupted }
        if let checkpointFile, let checkpoint = result.checkpoint, result.stopReason != .diverged {
            do {
                try checkpoint.write(to: checkpointFile)
            } catch {
                return .failed(reason: error.description)
            }
        }
        if let stopReason { return .stopped(reason: stopReason) }
        switch result.stopReason {
        case .diverged:
            return .infeasible(reason: "training diverged in epoch \(result.epochs.count): the loss became NaN or infinite "
                + "(the learning rate is probably too high for this configuration)")
        case .cancelled:
            return .interrupted
        case .completed, .stoppedByCaller:
            break
        }
        guard reported.contains(where: { $0.metrics[objective.metric] != nil }) else {
            return .failed(reason: "training reported no '\(objective.metric)'; the training core reports validation_accuracy, "
                + "validation_loss, training_loss, epoch_seconds and learning_rate")
        }
        // Every epoch was reported as an intermediate measurement: the service takes the final one from those.
        return .completed(observations: [], elapsedSeconds: reported.last?.elapsedSeconds)
    }
}

extension MeasurementSink {
    /// Reports `measurement` from a thread outside Swift concurrency and waits for the answer.
    func reportBlocking(_ measurement: TrialMeasurement) -> StoppingDecision {
        let answer = BlockingAnswer<StoppingDecision>()
        Task { answer.deliver(await report(measurement)) }
        return answer.wait()
    }
}
