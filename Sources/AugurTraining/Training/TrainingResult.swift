/// Everything a finished (or stopped) training run produced.
public struct TrainingResult: Sendable, Hashable {
    /// One report per completed epoch, in order.
    public var epochs: [EpochReport]
    /// Why training ended.
    public var stopReason: StopReason
    /// The device that ran the training (for example `CPU (OpenBLAS, 2 threads)`).
    public var device: String
    /// How the device was chosen (see ``BackendSelection/note``).
    public var deviceNote: String
    /// The parameters after the last completed step.
    public var model: TrainedModel
    /// Samples in the training split.
    public var trainingSamples: Int
    /// Samples in the validation split.
    public var validationSamples: Int
    /// The state at the end, to resume from, when the caller asked for it (`Trainer.train(…keepsCheckpoint:)`).
    public var checkpoint: TrainingCheckpoint?

    public init(
        epochs: [EpochReport], stopReason: StopReason, device: String, deviceNote: String, model: TrainedModel,
        trainingSamples: Int, validationSamples: Int
    ) {
        self.epochs = epochs
        self.stopReason = stopReason
        self.device = device
        self.deviceNote = deviceNote
        self.model = model
        self.trainingSamples = trainingSamples
        self.validationSamples = validationSamples
    }

    /// The last epoch's report, `nil` when no epoch completed.
    public var finalReport: EpochReport? { epochs.last }

    /// The highest validation accuracy of any epoch, `nil` when no epoch completed.
    public var bestValidationAccuracy: Double? { epochs.map(\.validationAccuracy).max() }
}
