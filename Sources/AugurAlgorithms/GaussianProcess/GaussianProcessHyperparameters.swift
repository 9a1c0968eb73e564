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
    /// The Kumaraswamy warping of the input features, if the model warps them (``InputWarp``).
    public var inputWarp: InputWarp?

    public init(logLengthscales: [Double], logSignalVariance: Double, logNoiseVariance: Double, mean: Double,
                inputWarp: InputWarp? = nil) {
        self.logLengthscales = logLengthscales
        self.logSignalVariance = logSignalVariance
        self.logNoiseVariance = logNoiseVariance
        self.mean = mean
        self.inputWarp = inputWarp
    }

    /// Unpacks `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean]`.
    public init(vector: [Double]) {
        let dimensions = vector.count - 3
        self.init(logLengthscales: Array(vector[0..<dimensions]), logSignalVariance: vector[dimensions],
                  logNoiseVariance: vector[dimensions + 1], mean: vector[dimensions + 2])
    }

    /// Unpacks `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean, log a₁, log b₁, …]` with one `(log a, log b)` pair per
    /// feature in `warpedFeatures` (none: no input warping).
    public init(vector: [Double], warpedFeatures: [Int]) {
        guard !warpedFeatures.isEmpty else {
            self.init(vector: vector)
            return
        }
        let base = vector.count - 2 * warpedFeatures.count
        let pairs = warpedFeatures.indices.map { base + 2 * $0 }
        self.init(vector: Array(vector[0..<base]))
        self.inputWarp = InputWarp(features: warpedFeatures, logA: pairs.map { vector[$0] }, logB: pairs.map { vector[$0 + 1] })
    }

    /// `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean]`, then `log a, log b` per warped feature: the optimizer's variables.
    public var vector: [Double] {
        var result = logLengthscales + [logSignalVariance, logNoiseVariance, mean]
        if let inputWarp {
            for index in inputWarp.features.indices { result += [inputWarp.logA[index], inputWarp.logB[index]] }
        }
        return result
    }

    public var lengthscales: [Double] { logLengthscales.map { Foundation.exp($0) } }
    public var signalVariance: Double { Foundation.exp(logSignalVariance) }
    public var noiseVariance: Double { Foundation.exp(logNoiseVariance) }

    /// The kernel these hyperparameters define.
    public var kernel: Matern52Kernel {
        Matern52Kernel(lengthscales: lengthscales, signalVariance: signalVariance)
    }
}
