/// Trains a multilayer perceptron classifier with softmax cross-entropy.
///
/// ```swift
/// let configuration = try TrainingConfiguration(hyperparameters: ["lr": "0.003", "width": "128", "depth": "2"])
/// let result = try Trainer().train(on: try Dataset.digits(), configuration: configuration) { report in
///     print(report.epoch, report.validationAccuracy)
///     return report.validationAccuracy > 0.99 ? .stop : .continue
/// }
/// ```
///
/// `train` runs synchronously on the calling thread (callers on Swift concurrency should run it off the cooperative
/// pool, as they would any long blocking call) and checks `Task.isCancelled` before every batch: a cancelled task
/// ends training at once with ``StopReason/cancelled`` and the epochs completed so far.
public struct Trainer: Sendable {
    public init() {}

    /// Splits `dataset` (seeded by `configuration.seed`), opens the configured device and trains.
    ///
    /// - Parameter onEpoch: called after every epoch with its metrics; return ``TrainingControl/stop`` to end
    ///   training before the next epoch starts.
    /// - Throws: ``TrainingError/invalidHyperparameters(_:)`` for an out-of-range configuration,
    ///   ``TrainingError/unusableDataset(_:)`` for a dataset too small to split, ``TrainingError/backend(_:)`` when
    ///   the device cannot be opened (for example `cuda` without CUDA) or fails.
    /// `checkpoint` and `keepsCheckpoint` are those of ``train(training:validation:configuration:backend:resumingFrom:keepsCheckpoint:onEpoch:)``.
    public func train(
        on dataset: Dataset, configuration: TrainingConfiguration, resumingFrom checkpoint: TrainingCheckpoint? = nil,
        keepsCheckpoint: Bool = false,
        onEpoch: (EpochReport) -> TrainingControl = { _ in .continue }
    ) throws(TrainingError) -> TrainingResult {
        try checkConfiguration(configuration)
        guard dataset.sampleCount >= 2 else {
            throw .unusableDataset("'\(dataset.name)' has \(dataset.sampleCount) samples; at least 2 are needed to split.")
        }
        let split = dataset.split(validationFraction: configuration.validationFraction, seed: configuration.seed)
        return try train(training: split.training, validation: split.validation, configuration: configuration,
                         resumingFrom: checkpoint, keepsCheckpoint: keepsCheckpoint, onEpoch: onEpoch)
    }

    /// Trains on `training` and evaluates on `validation` after every epoch (no split is made).
    /// `backend`, when given, is used instead of opening `configuration.device`.
    ///
    /// - Parameters:
    ///   - checkpoint: a run to go on from (its weights, optimizer state and epoch count): this run trains
    ///     `configuration.epochs` more epochs, numbered on from the checkpoint's.
    ///   - keepsCheckpoint: whether the result carries a ``TrainingCheckpoint`` of the state at its end.
    /// - Throws: also ``TrainingError/checkpoint(_:)`` when `checkpoint` holds a network of another shape.
    public func train(
        training: Dataset, validation: Dataset, configuration: TrainingConfiguration,
        backend explicitBackend: (any ComputeBackend)? = nil, resumingFrom checkpoint: TrainingCheckpoint? = nil,
        keepsCheckpoint: Bool = false,
        onEpoch: (EpochReport) -> TrainingControl = { _ in .continue }
    ) throws(TrainingError) -> TrainingResult {
        try checkConfiguration(configuration)
        let classCount = max(training.classCount, validation.classCount)
        guard training.sampleCount >= 1, validation.sampleCount >= 1 else {
            throw .unusableDataset("the training and validation splits both need at least one sample.")
        }
        guard training.featureCount == validation.featureCount, training.featureCount >= 1 else {
            throw .unusableDataset(
                "training samples have \(training.featureCount) features and validation samples \(validation.featureCount); "
                    + "both need the same, at least one.")
        }
        guard classCount >= 2 else {
            throw .unusableDataset("'\(training.name)' has a single class; classification needs at least two.")
        }
        let layerSizes = [training.featureCount] + configuration.hiddenLayers + [classCount]
        if let checkpoint, checkpoint.layerSizes != layerSizes {
            throw .checkpoint("the checkpoint holds a network with layers \(checkpoint.layerSizes) but this "
                + "configuration makes \(layerSizes); population-based training can only change hyperparameters that keep "
                + "the network's shape (not width, depth or the dataset)")
        }
        do {
            let selection: BackendSelection
            if let explicitBackend {
                selection = BackendSelection(backend: explicitBackend, note: "using \(explicitBackend.deviceDescription)")
            } else {
                selection = try BackendSelection.open(
                    configuration.device, cpuThreads: configuration.threads > 0 ? configuration.threads : nil)
            }
            var session = try TrainingSession(
                backend: selection.backend, training: training, validation: validation, classCount: classCount,
                configuration: configuration)
            if let checkpoint { try session.resume(from: checkpoint) }
            let (reports, reason) = try session.run(onEpoch: onEpoch)
            var result = TrainingResult(
                epochs: reports, stopReason: reason, device: selection.backend.deviceDescription, deviceNote: selection.note,
                model: TrainedModel(layers: try session.network.exportLayers(), activation: configuration.activation),
                trainingSamples: training.sampleCount, validationSamples: validation.sampleCount)
            if keepsCheckpoint { result.checkpoint = try session.checkpoint(epochsDone: reports.count) }
            return result
        } catch {
            throw .backend(error)
        }
    }

    private func checkConfiguration(_ configuration: TrainingConfiguration) throws(TrainingError) {
        let problems = configuration.problems()
        guard problems.isEmpty else { throw .invalidHyperparameters(problems) }
    }
}
