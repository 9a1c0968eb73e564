/// A fully connected network `inputs → hidden… → classes` living on one ``ComputeBackend``.
///
/// Layer `l` computes `Z_l = X_l · W_l + b_l` with row-major `X_l` (`rows × fanIn`) and `W_l` (`fanIn × fanOut`);
/// hidden layers follow with the activation and (in training) inverted dropout. The bias is added with a rank-one
/// product `ones · b_l`, and its gradient is `onesᵀ · δ`, so every matrix operation, including the bias ones, is a
/// gemm. Buffers for activations and deltas are sized once for `batchCapacity` rows.
final class MultilayerPerceptron {
    let backend: any ComputeBackend
    /// `[inputs, hidden..., classes]`.
    let layerSizes: [Int]
    let activation: Activation
    let dropout: Float
    let batchCapacity: Int

    private(set) var weights: [DeviceBuffer] = []
    private(set) var biases: [DeviceBuffer] = []
    private(set) var weightGradients: [DeviceBuffer] = []
    private(set) var biasGradients: [DeviceBuffer] = []
    /// `Z_l` for every layer; the last one holds the logits.
    private var preActivations: [DeviceBuffer] = []
    /// The output of each hidden layer after the activation (and dropout while training).
    private var hiddenOutputs: [DeviceBuffer] = []
    private let deltaA: DeviceBuffer
    private let deltaB: DeviceBuffer
    private let ones: DeviceBuffer

    var layerCount: Int { layerSizes.count - 1 }

    init(
        backend: any ComputeBackend, layerSizes: [Int], activation: Activation, dropout: Float,
        initialization: WeightInitialization, batchCapacity: Int, random: inout TrainingRandom
    ) throws(BackendError) {
        self.backend = backend
        self.layerSizes = layerSizes
        self.activation = activation
        self.dropout = dropout
        self.batchCapacity = batchCapacity
        let widest = layerSizes.max() ?? 1
        deltaA = try backend.makeBuffer(count: batchCapacity * widest)
        deltaB = try backend.makeBuffer(count: batchCapacity * widest)
        ones = try backend.makeBuffer(count: batchCapacity)
        let oneValues = [Float](repeating: 1, count: batchCapacity)
        try oneValues.withUnsafeBufferPointer { (values) throws(BackendError) in try backend.upload(values, to: ones) }
        for layer in 0..<(layerSizes.count - 1) {
            let fanIn = layerSizes[layer]
            let fanOut = layerSizes[layer + 1]
            let weightBuffer = try backend.makeBuffer(count: fanIn * fanOut)
            let initial = initialization.weights(fanIn: fanIn, fanOut: fanOut, activation: activation, random: &random)
            try initial.withUnsafeBufferPointer { (values) throws(BackendError) in
                try backend.upload(values, to: weightBuffer)
            }
            weights.append(weightBuffer)
            biases.append(try backend.makeBuffer(count: fanOut))
            weightGradients.append(try backend.makeBuffer(count: fanIn * fanOut))
            biasGradients.append(try backend.makeBuffer(count: fanOut))
            preActivations.append(try backend.makeBuffer(count: batchCapacity * fanOut))
            if layer < layerSizes.count - 2 {
                hiddenOutputs.append(try backend.makeBuffer(count: batchCapacity * fanOut))
            }
        }
    }

    /// The dropout key of `layer` at optimizer step `step`, or `nil` when dropout is off.
    func dropoutKey(seed: UInt64, step: Int, layer: Int) -> UInt32? {
        dropout > 0 ? DropoutHash.key(seed: seed, step: step, layer: layer) : nil
    }

    /// Runs `rows` samples (`input` is `rows × inputs`) forward and returns the logits buffer (`rows × classes`).
    /// `dropoutKeys` (one per hidden layer) switches dropout on; pass `nil` for evaluation.
    func forward(input: DeviceBuffer, rows: Int, dropoutKeys: [UInt32]?) throws(BackendError) -> DeviceBuffer {
        var layerInput = input
        for layer in 0..<layerCount {
            let fanIn = layerSizes[layer]
            let fanOut = layerSizes[layer + 1]
            let z = preActivations[layer]
            try backend.gemm(
                transposeA: false, transposeB: false, rows: rows, columns: fanOut, inner: 1,
                alpha: 1, a: ones, b: biases[layer], beta: 0, c: z)
            try backend.gemm(
                transposeA: false, transposeB: false, rows: rows, columns: fanOut, inner: fanIn,
                alpha: 1, a: layerInput, b: weights[layer], beta: 1, c: z)
            guard layer < layerCount - 1 else { return z }
            let output = hiddenOutputs[layer]
            try backend.activate(activation, preActivation: z, output: output, count: rows * fanOut)
            if let keys = dropoutKeys, dropout > 0 {
                try backend.applyDropout(
                    to: output, count: rows * fanOut, key: keys[layer],
                    threshold: DropoutHash.threshold(rate: dropout), scale: 1 / (1 - dropout))
            }
            layerInput = output
        }
        return preActivations[layerCount - 1]
    }

    /// Back-propagates `logitGradient` (`rows × classes`, already scaled for the batch mean) through the network
    /// run by the last `forward(input:rows:dropoutKeys:)`, filling the weight and bias gradients.
    /// `logitGradient` is overwritten.
    func backward(
        input: DeviceBuffer, rows: Int, logitGradient: DeviceBuffer, dropoutKeys: [UInt32]?
    ) throws(BackendError) {
        var delta = logitGradient
        var spare = deltaA
        for layer in stride(from: layerCount - 1, through: 0, by: -1) {
            let fanIn = layerSizes[layer]
            let fanOut = layerSizes[layer + 1]
            let layerInput = layer == 0 ? input : hiddenOutputs[layer - 1]
            try backend.gemm(
                transposeA: true, transposeB: false, rows: fanIn, columns: fanOut, inner: rows,
                alpha: 1, a: layerInput, b: delta, beta: 0, c: weightGradients[layer])
            try backend.gemm(
                transposeA: true, transposeB: false, rows: 1, columns: fanOut, inner: rows,
                alpha: 1, a: ones, b: delta, beta: 0, c: biasGradients[layer])
            guard layer > 0 else { break }
            try backend.gemm(
                transposeA: false, transposeB: true, rows: rows, columns: fanIn, inner: fanOut,
                alpha: 1, a: delta, b: weights[layer], beta: 0, c: spare)
            if let keys = dropoutKeys, dropout > 0 {
                try backend.applyDropout(
                    to: spare, count: rows * fanIn, key: keys[layer - 1],
                    threshold: DropoutHash.threshold(rate: dropout), scale: 1 / (1 - dropout))
            }
            try backend.multiplyByActivationDerivative(
                activation, preActivation: preActivations[layer - 1], gradient: spare, count: rows * fanIn)
            let used = spare
            spare = (used === deltaA) ? deltaB : deltaA
            delta = used
        }
    }

    /// Copies the weights and biases to the host.
    func exportLayers() throws(BackendError) -> [DenseLayer] {
        var layers: [DenseLayer] = []
        for layer in 0..<layerCount {
            let fanIn = layerSizes[layer]
            let fanOut = layerSizes[layer + 1]
            var weightValues = [Float](repeating: 0, count: fanIn * fanOut)
            var biasValues = [Float](repeating: 0, count: fanOut)
            try weightValues.withUnsafeMutableBufferPointer { (values) throws(BackendError) in
                try backend.download(weights[layer], into: values)
            }
            try biasValues.withUnsafeMutableBufferPointer { (values) throws(BackendError) in
                try backend.download(biases[layer], into: values)
            }
            let weightTensor = Tensor(rows: fanIn, columns: fanOut, values: weightValues)
                ?? Tensor(rows: fanIn, columns: fanOut)
            layers.append(DenseLayer(weights: weightTensor, bias: biasValues))
        }
        return layers
    }

    /// Replaces the weights and biases (used by tests to set exact parameters).
    func importLayers(_ layers: [DenseLayer]) throws(BackendError) {
        for (index, layer) in layers.enumerated() where index < layerCount {
            try layer.weights.withUnsafeBufferPointer { (values) throws(BackendError) in
                try backend.upload(values, to: weights[index])
            }
            try layer.bias.withUnsafeBufferPointer { (values) throws(BackendError) in
                try backend.upload(values, to: biases[index])
            }
        }
    }
}
