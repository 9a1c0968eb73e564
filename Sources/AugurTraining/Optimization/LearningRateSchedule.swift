import Foundation

/// How the learning rate changes over training, after an optional linear warm-up.
public enum LearningRateSchedule: Sendable, Hashable, Codable {
    /// The base learning rate throughout.
    case constant
    /// Multiplied by `gamma` every `everyEpochs` epochs (counted after warm-up).
    case step(everyEpochs: Int, gamma: Double)
    /// Half a cosine from the base rate down to zero over the epochs after warm-up.
    case cosine

    /// The name used in hyperparameters: `constant`, `step` or `cosine`.
    public var name: String {
        switch self {
        case .constant: "constant"
        case .step: "step"
        case .cosine: "cosine"
        }
    }

    /// The learning rate at `progress` epochs into training (fractional: epoch + batch / batches per epoch).
    ///
    /// During the first `warmupEpochs` the rate ramps linearly from `base / stepsPerEpoch`-ish up to `base`
    /// (exactly: `base · min(1, (progress + 1/stepsPerEpoch) / warmupEpochs)`), then the schedule proper applies
    /// to the remaining `totalEpochs − warmupEpochs` epochs.
    public func learningRate(
        base: Double, progress: Double, totalEpochs: Int, warmupEpochs: Double, stepsPerEpoch: Int
    ) -> Double {
        let stepFraction = 1 / Double(max(stepsPerEpoch, 1))
        if warmupEpochs > 0, progress < warmupEpochs {
            return base * min(1, (progress + stepFraction) / warmupEpochs)
        }
        let afterWarmup = max(progress - warmupEpochs, 0)
        switch self {
        case .constant:
            return base
        case .step(let everyEpochs, let gamma):
            let decays = (afterWarmup / Double(max(everyEpochs, 1))).rounded(.down)
            return base * pow(gamma, decays)
        case .cosine:
            let span = max(Double(totalEpochs) - warmupEpochs, stepFraction)
            let fraction = min(afterWarmup / span, 1)
            return base * 0.5 * (1 + cos(Double.pi * fraction))
        }
    }
}
