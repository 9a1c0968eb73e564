import Foundation

/// The hyperparameters of the Gaussian process on standardized outputs, kept in log space where they are positive.
public struct GaussianProcessHyperparameters: Sendable, Hashable, Codable {
    /// `log ℓₖ`, one per input dimension.
    public var logLengthscales: [Double]
    /// `log σ²` of the latent function.
    public var logSignalVariance: Double
    /// `log σₙ²` of the observation noise.
    public var logNoiseVariance: Double
    /// The constant prior mean.
    public var mean: Double

    public init(logLengthscales: [Double], logSignalVariance: Double, logNoiseVariance: Double, mean: Double) {
        self.logLengthscales = logLengthscales
        self.logSignalVariance = logSignalVariance
        self.logNoiseVariance = logNoiseVariance
        self.mean = mean
    }

    /// Unpacks `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean]`.
    public init(vector: [Double]) {
        let dimensions = vector.count - 3
        self.init(logLengthscales: Array(vector[0..<dimensions]), logSignalVariance: vector[dimensions],
                  logNoiseVariance: vector[dimensions + 1], mean: vector[dimensions + 2])
    }

    /// `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean]`, the optimizer's variables.
    public var vector: [Double] {
        logLengthscales + [logSignalVariance, logNoiseVariance, mean]
    }

    public var lengthscales: [Double] { logLengthscales.map { Foundation.exp($0) } }
    public var signalVariance: Double { Foundation.exp(logSignalVariance) }
    public var noiseVariance: Double { Foundation.exp(logNoiseVariance) }

    /// The kernel these hyperparameters define.
    public var kernel: Matern52Kernel {
        Matern52Kernel(lengthscales: lengthscales, signalVariance: signalVariance)
    }
}
