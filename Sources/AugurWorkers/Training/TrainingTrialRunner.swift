import AugurAlgorithms
import AugurCore
import AugurService
import AugurTraining
import Dispatch
import Foundation
import Logging
import Synchronization

/// Runs each trial with Augur's own training core: trains a multilayer perceptron on the trial's dataset with the
/// hyperparameters the study's parameters map to (docs/training.md).
///
/// Every epoch is an intermediate measurement at `step = epoch` with the metrics `training_loss`, `validation_loss`,
/// `validation_accuracy`, `epoch_seconds` and `learning_rate`; an early-stopping decision ends training before the next
/// epoch. Training runs on a dedicated thread, off Swift's cooperative pool; cancellation is honoured at the next
/// epoch boundary.
public struct TrainingTrialRunner: TrialRunner {
    /// How many trials run at once; above 1, each trial trains with one OpenBLAS thread unless the spec fixes
    /// `threads`, because busy-waiting BLAS threads of parallel trials slow each other down.
    public var parallelism: Int
    public var logger: Logger

    public init(parallelism: Int = 1, logger: Logger = Logger(label: "augur.training")) {
        self.parallelism = parallelism
        self.logger = logger
    }

    public func run(_ trial: Trial, of study: Study, measurements: MeasurementSink) async -> TrialOutcome {
        guard case .training(let training) = study.spec.trial else {
            return .failed(reason: "study '\(study.name)' has no `trial: training:` section for the training core")
        }
        let configuration: TrainingConfiguration
        let dataset: Dataset
        do {
            configuration = try self.configuration(for: trial, training: training)
            dataset = try DatasetCache.shared.load(training.dataset)
        } catch {
            return .failed(reason: "\(error)")
        }

        let cancelled = Mutex(false)
        let stopReason = Mutex<String?>(nil)
        let reported = Mutex<[TrialMeasurement]>([])
        let outcome: Result<TrainingResult, TrainingError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread {
                    var elapsed = 0.0
                    let result = Result { () throws(TrainingError) -> TrainingResult in
                        try Trainer().train(on: dataset, configuration: configuration) { report in
                            elapsed += report.seconds
                            let measurement = TrialMeasurement(step: report.epoch, elapsedSeconds: elapsed, metrics: report.metrics)
                            reported.withLock { $0.append(measurement) }
                            let decision = Self.waitFor { await measurements.report(measurement) }
                            if decision.shouldStop {
                                stopReason.withLock { $0 = decision.reason ?? "stopped early by the study's early-stopping rule" }
                                return .stop
                            }
                            return cancelled.withLock { $0 } ? .stop : .continue
                        }
                    }
                    continuation.resume(returning: result)
                }
                thread.name = "augur-training-\(trial.id)"
                thread.start()
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
        }

        if cancelled.withLock({ $0 }) { return .interrupted }
        let result: TrainingResult
        switch outcome {
        case .success(let value): result = value
        case .failure(let error): return .failed(reason: error.description)
        }
        logger.debug("trial trained", metadata: ["trial": "\(trial.id)", "device": "\(result.deviceNote)"])
        if let reason = stopReason.withLock({ $0 }) { return .stopped(reason: reason) }
        if result.stopReason == .diverged {
            return .failed(reason: "training diverged after \(result.epochs.count) epochs (the loss became NaN or infinite); "
                + "the learning rate is probably too high")
        }
        let objective = study.spec.objective
        guard let final = objective.finalMeasurement(from: reported.withLock({ $0 })), final.metrics[objective.metric] != nil else {
            return .failed(reason: "never reported metric '\(objective.metric)'; the training core reports training_loss, "
                + "validation_loss, validation_accuracy, epoch_seconds and learning_rate")
        }
        return .completed(final)
    }

    /// The trial's training configuration: the spec's epochs, device and validation share, its fixed
    /// hyperparameters, and the values of the study parameters mapped to hyperparameters.
    func configuration(for trial: Trial, training: TrainingTrial) throws -> TrainingConfiguration {
        var base = TrainingConfiguration()
        base.epochs = training.epochs
        base.validationFraction = training.validationFraction
        base.device = try ComputeDevice(parsing: training.device)
        var hyperparameters = training.fixed
        for (hyperparameter, parameter) in training.parameterMapping {
            guard let value = trial.parameters[parameter] else {
                throw WorkerError.unknownReference(reference: "parameters.\(parameter)", field: "training.parameters.\(hyperparameter)")
            }
            hyperparameters[hyperparameter] = value.description
        }
        if parallelism > 1, !hyperparameters.keys.contains(where: { $0.lowercased() == "threads" }) {
            hyperparameters["threads"] = "1"
        }
        var configuration = try TrainingConfiguration(hyperparameters: hyperparameters, base: base)
        // Parallel slot k of a run trains on GPU k mod count (the slot is the last part of the worker id).
        if let worker = trial.worker.flatMap(WorkerIdentity.init), let slot = worker.nonce.split(separator: ".").last.flatMap({ Int($0) }) {
            configuration.device = configuration.device.placed(inSlot: slot)
        }
        return configuration
    }

    /// Runs `body` and blocks the calling (dedicated, non-pool) thread until it finishes.
    private static func waitFor(_ body: @escaping @Sendable () async -> StoppingDecision) -> StoppingDecision {
        let semaphore = DispatchSemaphore(value: 0)
        let decision = Mutex(StoppingDecision.keepRunning)
        Task {
            let answer = await body()
            decision.withLock { $0 = answer }
            semaphore.signal()
        }
        semaphore.wait()
        return decision.withLock { $0 }
    }
}

/// Datasets loaded once per process: every trial of a study trains on the same data.
private final class DatasetCache: Sendable {
    static let shared = DatasetCache()
    private let datasets = Mutex<[String: Dataset]>([:])

    func load(_ reference: String) throws -> Dataset {
        if let cached = datasets.withLock({ $0[reference] }) { return cached }
        let dataset = try DatasetCatalog.load(reference)
        datasets.withLock { $0[reference] = dataset }
        return dataset
    }
}
