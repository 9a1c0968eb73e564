/// What the epoch callback tells the trainer.
public enum TrainingControl: Sendable, Hashable {
    /// Train the next epoch.
    case `continue`
    /// Stop now: no further epoch starts (an early-stopping decision is honoured at the next epoch boundary).
    case stop
}

/// Why training ended.
public enum StopReason: String, Sendable, Hashable, Codable {
    /// All configured epochs ran.
    case completed
    /// The epoch callback returned ``TrainingControl/stop``.
    case stoppedByCaller
    /// The surrounding Swift task was cancelled; the epoch in progress was abandoned and is not reported.
    case cancelled
    /// The training loss became NaN or infinite (the learning rate is probably too high).
    case diverged
}
