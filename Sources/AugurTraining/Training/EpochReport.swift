/// The metrics of one finished epoch.
public struct EpochReport: Sendable, Hashable, Codable {
    /// 1 for the first epoch.
    public var epoch: Int
    /// Mean softmax cross-entropy over the epoch's training batches (with dropout active, as the batches were seen).
    public var trainingLoss: Double
    /// Mean softmax cross-entropy on the validation split after the epoch (no dropout).
    public var validationLoss: Double
    /// Fraction of validation samples classified correctly, in [0, 1].
    public var validationAccuracy: Double
    /// Wall-clock seconds for the epoch, training and validation together.
    public var seconds: Double
    /// The learning rate of the epoch's last batch.
    public var learningRate: Double

    public init(
        epoch: Int, trainingLoss: Double, validationLoss: Double, validationAccuracy: Double, seconds: Double,
        learningRate: Double
    ) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.seconds = seconds
        self.learningRate = learningRate
    }

    /// The report as named metrics, the names a trial records: `training_loss`, `validation_loss`,
    /// `validation_accuracy`, `epoch_seconds`, `learning_rate`.
    public var metrics: [String: Double] {
        [
            "training_loss": trainingLoss,
            "validation_loss": validationLoss,
            "validation_accuracy": validationAccuracy,
            "epoch_seconds": seconds,
            "learning_rate": learningRate,
        ]
    }
}
