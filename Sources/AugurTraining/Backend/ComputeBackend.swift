/// Where training arithmetic runs: the seam between the network and the hardware.
///
/// The multilayer perceptron, the loss and the optimizers are written once against this protocol; the CPU backend
/// (`CPUBackend`, OpenBLAS) and the CUDA backend (`CUDABackend`, cuBLAS plus run-time-compiled kernels) implement it.
/// All matrices are row-major (see ``Tensor``) and all buffers are Float32. Buffers made by one backend must only be
/// passed back to that backend. Calls are issued from one thread at a time.
public protocol ComputeBackend: AnyObject {
    /// A human-readable name of the device, for logs and results (for example `CPU (OpenBLAS, 2 threads)`).
    var deviceDescription: String { get }

    /// A zero-filled buffer of `count` floats.
    func makeBuffer(count: Int) throws(BackendError) -> DeviceBuffer

    /// Copies `values` into the first `values.count` elements of `buffer`.
    func upload(_ values: UnsafeBufferPointer<Float>, to buffer: DeviceBuffer) throws(BackendError)

    /// Copies the first `values.count` elements of `buffer` into `values`.
    func download(_ buffer: DeviceBuffer, into values: UnsafeMutableBufferPointer<Float>) throws(BackendError)

    /// `c = alpha · op(a) · op(b) + beta · c` for row-major `op(a)` of `rows × inner`, `op(b)` of `inner × columns`
    /// and `c` of `rows × columns`; `op` transposes when asked (the stored matrix is then `inner × rows` or
    /// `columns × inner`).
    func gemm(
        transposeA: Bool, transposeB: Bool, rows: Int, columns: Int, inner: Int,
        alpha: Float, a: DeviceBuffer, b: DeviceBuffer, beta: Float, c: DeviceBuffer
    ) throws(BackendError)

    /// `output[i] = activation(preActivation[i])` for the first `count` elements.
    func activate(
        _ activation: Activation, preActivation: DeviceBuffer, output: DeviceBuffer, count: Int
    ) throws(BackendError)

    /// `gradient[i] *= activation'(preActivation[i])` for the first `count` elements.
    func multiplyByActivationDerivative(
        _ activation: Activation, preActivation: DeviceBuffer, gradient: DeviceBuffer, count: Int
    ) throws(BackendError)

    /// Inverted dropout in place: element `i` becomes `buffer[i] · scale` when
    /// `DropoutHash.mix(UInt32(i) ^ key) >> 8 >= threshold`, and `0` otherwise.
    func applyDropout(
        to buffer: DeviceBuffer, count: Int, key: UInt32, threshold: UInt32, scale: Float
    ) throws(BackendError)

    /// Softmax cross-entropy of `rows × classes` logits against integer class labels (stored as floats).
    /// When `gradient` is given it receives `(softmax − onehot) · gradientScale`.
    func softmaxCrossEntropy(
        logits: DeviceBuffer, labels: DeviceBuffer, rows: Int, classes: Int,
        gradient: DeviceBuffer?, gradientScale: Float
    ) throws(BackendError) -> LossSummary

    /// One SGD (optionally momentum or Nesterov) step on `count` parameters.
    func sgdStep(
        parameters: DeviceBuffer, gradients: DeviceBuffer, velocity: DeviceBuffer, count: Int, settings: SGDStepSettings
    ) throws(BackendError)

    /// One Adam or AdamW step on `count` parameters.
    func adamStep(
        parameters: DeviceBuffer, gradients: DeviceBuffer, firstMoment: DeviceBuffer, secondMoment: DeviceBuffer,
        count: Int, settings: AdamStepSettings
    ) throws(BackendError)
}

/// The summed loss and the number of correct arg-max predictions over a batch.
public struct LossSummary: Sendable, Hashable {
    /// Sum over rows of `−log softmax(logits)[label]`.
    public var lossSum: Double
    /// Rows whose largest logit (first one on ties) is at the label.
    public var correct: Int

    public init(lossSum: Double, correct: Int) {
        self.lossSum = lossSum
        self.correct = correct
    }
}

/// The scalars of one SGD step (PyTorch semantics, no dampening):
/// `g ← g + weightDecay·w`, `v ← momentum·v + g`, `w ← w − learningRate·(nesterov ? g + momentum·v : v)`.
public struct SGDStepSettings: Sendable, Hashable {
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float

    public init(learningRate: Float, momentum: Float, nesterov: Bool, weightDecay: Float) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }
}

/// The scalars of one Adam step. With `decoupledWeightDecay` (AdamW) the parameters first shrink by
/// `1 − learningRate·weightDecay`; otherwise `weightDecay·w` is added to the gradient (Adam with L2).
/// `biasCorrection1 = 1 − beta1^t` and `biasCorrection2 = 1 − beta2^t` for step `t` (counted from 1).
public struct AdamStepSettings: Sendable, Hashable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var decoupledWeightDecay: Bool
    public var biasCorrection1: Float
    public var biasCorrection2: Float

    public init(
        learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float,
        decoupledWeightDecay: Bool, biasCorrection1: Float, biasCorrection2: Float
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.biasCorrection1 = biasCorrection1
        self.biasCorrection2 = biasCorrection2
    }
}
