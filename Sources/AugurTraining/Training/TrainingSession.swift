/// The state of one training run on one backend: the network, the optimizer, staging buffers and the
/// seeded streams. Used once by ``Trainer``.
struct TrainingSession {
    let backend: any ComputeBackend
    let training: Dataset
    let validation: Dataset
    let classCount: Int
    let configuration: TrainingConfiguration
    let network: MultilayerPerceptron
    let optimizer: Optimizer
    private let batchSize: Int
    private let capacity: Int
    private let inputBuffer: DeviceBuffer
    private let labelBuffer: DeviceBuffer
    private let logitGradient: DeviceBuffer
    private var stagingFeatures: [Float]
    private var stagingLabels: [Float]
    private var shuffling: TrainingRandom
    private var step = 0
    /// Epochs trained before this session (those of the checkpoint it resumed from).
    private var epochOffset = 0

    init(
        backend: any ComputeBackend, training: Dataset, validation: Dataset, classCount: Int,
        configuration: TrainingConfiguration
    ) throws(BackendError) {
        self.backend = backend
        self.training = training
        self.validation = validation
        self.classCount = classCount
        self.configuration = configuration
        batchSize = min(configuration.batchSize, training.sampleCount)
        // Validation runs in chunks of up to 512 rows (or the batch size, if larger) through the same buffers.
        capacity = max(batchSize, min(validation.sampleCount, 512))
        var initialization = TrainingRandom(seed: configuration.seed, stream: 0x1417)
        network = try MultilayerPerceptron(
            backend: backend, layerSizes: [training.featureCount] + configuration.hiddenLayers + [classCount],
            activation: configuration.activation, dropout: Float(configuration.dropout),
            initialization: configuration.initialization, batchCapacity: capacity, random: &initialization)
        optimizer = Optimizer(
            kind: configuration.optimizer, momentum: configuration.momentum, nesterov: configuration.nesterov,
            weightDecay: configuration.weightDecay, beta1: configuration.beta1, beta2: configuration.beta2,
            epsilon: configuration.epsilon)
        inputBuffer = try backend.makeBuffer(count: capacity * training.featureCount)
        labelBuffer = try backend.makeBuffer(count: capacity)
        logitGradient = try backend.makeBuffer(count: capacity * classCount)
        stagingFeatures = [Float](repeating: 0, count: capacity * training.featureCount)
        stagingLabels = [Float](repeating: 0, count: capacity)
        shuffling = TrainingRandom(seed: configuration.seed, stream: 0x5407_F1E)
    }

    /// The network's parameter groups in the optimizer's order: weights and biases of each layer in turn.
    private var parameterGroups: [DeviceBuffer] {
        (0..<network.layerCount).flatMap { [network.weights[$0], network.biases[$0]] }
    }

    /// Continues from `checkpoint`: its weights, biases and epoch and batch counts, and its optimizer state when it
    /// was the same optimizer's (another optimizer starts from a fresh state). The caller has checked that the
    /// checkpoint's layer sizes are this network's (``Trainer`` does); buffers of another size are left as they are.
    mutating func resume(from checkpoint: TrainingCheckpoint) throws(BackendError) {
        guard checkpoint.weights.count == network.layerCount, checkpoint.biases.count == network.layerCount,
              (0..<network.layerCount).allSatisfy({
                  checkpoint.weights[$0].count == network.weights[$0].count && checkpoint.biases[$0].count == network.biases[$0].count
              })
        else { return }
        for layer in 0..<network.layerCount {
            try checkpoint.weights[layer].withUnsafeBufferPointer { (values) throws(BackendError) in
                try backend.upload(values, to: network.weights[layer])
            }
            try checkpoint.biases[layer].withUnsafeBufferPointer { (values) throws(BackendError) in
                try backend.upload(values, to: network.biases[layer])
            }
        }
        if checkpoint.optimizer == configuration.optimizer {
            _ = try optimizer.restoreState(
                steps: checkpoint.optimizerSteps, first: checkpoint.firstState, second: checkpoint.secondState,
                groups: parameterGroups, backend: backend)
        }
        epochOffset = max(0, checkpoint.epochs)
        step = max(0, checkpoint.steps)
    }

    /// The state to resume from later: parameters, optimizer state, epochs and batches done.
    func checkpoint(epochsDone: Int) throws(BackendError) -> TrainingCheckpoint {
        func values(_ buffer: DeviceBuffer) throws(BackendError) -> [Float] {
            var values = [Float](repeating: 0, count: buffer.count)
            try values.withUnsafeMutableBufferPointer { (target) throws(BackendError) in try backend.download(buffer, into: target) }
            return values
        }
        var weights: [[Float]] = []
        var biases: [[Float]] = []
        for layer in 0..<network.layerCount {
            weights.append(try values(network.weights[layer]))
            biases.append(try values(network.biases[layer]))
        }
        let state = try optimizer.exportState(backend: backend)
        return TrainingCheckpoint(
            layerSizes: network.layerSizes, weights: weights, biases: biases, optimizer: configuration.optimizer,
            optimizerSteps: state.steps, firstState: state.first, secondState: state.second,
            epochs: epochOffset + epochsDone, steps: step)
    }

    /// Trains epoch after epoch until done, stopped, cancelled or diverged.
    mutating func run(onEpoch: (EpochReport) -> TrainingControl) throws(BackendError) -> ([EpochReport], StopReason) {
        var reports: [EpochReport] = []
        let sampleCount = training.sampleCount
        let batches = (sampleCount + batchSize - 1) / batchSize
        var order = Array(0..<sampleCount)
        // A resumed run replays the shuffles of the epochs before it, so its batches are those an uninterrupted run
        // would see (otherwise every population-based-training generation would repeat the first epoch's order).
        for _ in 0..<epochOffset { shuffling.shuffle(&order) }
        for epoch in 0..<configuration.epochs {
            let start = MonotonicClock.seconds()
            shuffling.shuffle(&order)
            var lossSum = 0.0
            var learningRate = configuration.learningRate
            for batch in 0..<batches {
                if Task.isCancelled { return (reports, .cancelled) }
                let first = batch * batchSize
                let rows = min(batchSize, sampleCount - first)
                try stage(order[first..<(first + rows)])
                learningRate = configuration.schedule.learningRate(
                    base: configuration.learningRate, progress: Double(epochOffset + epoch) + Double(batch) / Double(batches),
                    totalEpochs: epochOffset + configuration.epochs, warmupEpochs: configuration.warmupEpochs, stepsPerEpoch: batches)
                lossSum += try trainStep(rows: rows, learningRate: learningRate)
            }
            let trainingLoss = lossSum / Double(sampleCount)
            let (validationLoss, validationAccuracy) = try evaluate()
            let report = EpochReport(
                epoch: epochOffset + epoch + 1, trainingLoss: trainingLoss, validationLoss: validationLoss,
                validationAccuracy: validationAccuracy, seconds: MonotonicClock.seconds() - start, learningRate: learningRate)
            reports.append(report)
            guard trainingLoss.isFinite, validationLoss.isFinite else { return (reports, .diverged) }
            if onEpoch(report) == .stop { return (reports, .stoppedByCaller) }
        }
        return (reports, .completed)
    }

    /// Gathers the training rows `indices` into the input and label buffers.
    private mutating func stage(_ indices: ArraySlice<Int>) throws(BackendError) {
        let width = training.featureCount
        let rows = indices.count
        training.features.withUnsafeBufferPointer { source in
            stagingFeatures.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                for (position, index) in indices.enumerated() {
                    (to + position * width).update(from: from + index * width, count: width)
                }
            }
        }
        for (position, index) in indices.enumerated() { stagingLabels[position] = Float(training.labels[index]) }
        try upload(stagingFeatures, count: rows * width, to: inputBuffer)
        try upload(stagingLabels, count: rows, to: labelBuffer)
    }

    private func upload(_ values: [Float], count: Int, to buffer: DeviceBuffer) throws(BackendError) {
        try values.withUnsafeBufferPointer { (all) throws(BackendError) in
            try backend.upload(UnsafeBufferPointer(rebasing: all[0..<count]), to: buffer)
        }
    }

    /// Forward, loss, backward and one optimizer step on the staged batch; returns the batch's summed loss.
    private mutating func trainStep(rows: Int, learningRate: Double) throws(BackendError) -> Double {
        let hiddenCount = network.layerCount - 1
        let keys: [UInt32]? = configuration.dropout > 0
            ? (0..<hiddenCount).map { DropoutHash.key(seed: configuration.seed, step: step, layer: $0) }
            : nil
        let logits = try network.forward(input: inputBuffer, rows: rows, dropoutKeys: keys)
        let summary = try backend.softmaxCrossEntropy(
            logits: logits, labels: labelBuffer, rows: rows, classes: classCount,
            gradient: logitGradient, gradientScale: 1 / Float(rows))
        try network.backward(input: inputBuffer, rows: rows, logitGradient: logitGradient, dropoutKeys: keys)
        var groups: [(parameters: DeviceBuffer, gradients: DeviceBuffer, decays: Bool)] = []
        for layer in 0..<network.layerCount {
            groups.append((network.weights[layer], network.weightGradients[layer], true))
            groups.append((network.biases[layer], network.biasGradients[layer], false))
        }
        try optimizer.step(groups, learningRate: learningRate, backend: backend)
        step += 1
        return summary.lossSum
    }

    /// Mean loss and accuracy over the validation split, without dropout.
    private mutating func evaluate() throws(BackendError) -> (loss: Double, accuracy: Double) {
        let width = validation.featureCount
        var lossSum = 0.0
        var correct = 0
        var first = 0
        while first < validation.sampleCount {
            let rows = min(capacity, validation.sampleCount - first)
            try validation.features.withUnsafeBufferPointer { (all) throws(BackendError) in
                try backend.upload(UnsafeBufferPointer(rebasing: all[(first * width)..<((first + rows) * width)]), to: inputBuffer)
            }
            for row in 0..<rows { stagingLabels[row] = Float(validation.labels[first + row]) }
            try upload(stagingLabels, count: rows, to: labelBuffer)
            let logits = try network.forward(input: inputBuffer, rows: rows, dropoutKeys: nil)
            let summary = try backend.softmaxCrossEntropy(
                logits: logits, labels: labelBuffer, rows: rows, classes: classCount, gradient: nil, gradientScale: 0)
            lossSum += summary.lossSum
            correct += summary.correct
            first += rows
        }
        let count = Double(max(validation.sampleCount, 1))
        return (lossSum / count, Double(correct) / count)
    }
}
