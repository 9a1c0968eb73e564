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
    /// The additive term of a ``Matern52Kernel/Form/sum`` kernel, if the model has one.
    public var additiveTerm: AdditiveTerm?

    /// The additive term's own hyperparameters in a ``Matern52Kernel/Form/sum`` kernel.
    public struct AdditiveTerm: Sendable, Hashable, Codable {
        /// `log ℓₐₖ`, one per input dimension.
        public var logLengthscales: [Double]
        /// `log σₐ²`.
        public var logSignalVariance: Double

        public init(logLengthscales: [Double], logSignalVariance: Double) {
            self.logLengthscales = logLengthscales
            self.logSignalVariance = logSignalVariance
        }
    }

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

    /// Unpacks `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean, log ℓₐ₁ … log ℓₐ_d, log σₐ²]`: a ``Matern52Kernel/Form/sum``
    /// kernel's variables (it warps no inputs).
    public init(sumVector vector: [Double]) {
        let dimensions = (vector.count - 4) / 2
        self.init(vector: Array(vector[0..<(dimensions + 3)]))
        self.additiveTerm = AdditiveTerm(logLengthscales: Array(vector[(dimensions + 3)..<(2 * dimensions + 3)]),
                                         logSignalVariance: vector[2 * dimensions + 3])
    }

    /// `[log ℓ₁ … log ℓ_d, log σ², log σₙ², mean]`, then `log a, log b` per warped feature, then the additive term's
    /// `log ℓₐ₁ … log ℓₐ_d, log σₐ²` if there is one: the optimizer's variables.
    public var vector: [Double] {
        var result = logLengthscales + [logSignalVariance, logNoiseVariance, mean]
        if let inputWarp {
            for index in inputWarp.features.indices { result += [inputWarp.logA[index], inputWarp.logB[index]] }
        }
        if let additiveTerm { result += additiveTerm.logLengthscales + [additiveTerm.logSignalVariance] }
        return result
    }

    public var lengthscales: [Double] { logLengthscales.map { Foundation.exp($0) } }
    public var signalVariance: Double { Foundation.exp(logSignalVariance) }
    public var noiseVariance: Double { Foundation.exp(logNoiseVariance) }

    /// The kernel these hyperparameters define: ``Matern52Kernel/Form/sum`` with an additive term, else the product
    /// kernel (a model of another form sets it).
    public var kernel: Matern52Kernel {
        guard let additiveTerm else { return Matern52Kernel(lengthscales: lengthscales, signalVariance: signalVariance) }
        return Matern52Kernel(lengthscales: lengthscales, signalVariance: signalVariance, form: .sum,
                              additiveLengthscales: additiveTerm.logLengthscales.map { Foundation.exp($0) },
                              additiveSignalVariance: Foundation.exp(additiveTerm.logSignalVariance))
    }
}
