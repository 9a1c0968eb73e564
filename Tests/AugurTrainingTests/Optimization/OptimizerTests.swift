import Testing
@testable import AugurTraining

/// Update rules against steps worked out by hand (w = [1, −2], g = [0.5, 0.25], learning rate 0.1).
@Suite struct OptimizerTests {
    let backend = CPUBackend()

    private func run(
        _ kind: OptimizerKind, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0,
        gradients: [[Float]]
    ) throws -> [Float] {
        let optimizer = Optimizer(
            kind: kind, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay,
            beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        let weights = try TestSupport.buffer([1, -2], on: backend)
        for step in gradients {
            let gradient = try TestSupport.buffer(step, on: backend)
            try optimizer.step([(weights, gradient, true)], learningRate: 0.1, backend: backend)
        }
        return try TestSupport.values(of: weights, on: backend)
    }

    private func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-5) {
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= tolerance, "got \(actual), expected \(expected)")
        }
    }

    @Test func plainSGDWithWeightDecay() throws {
        // g' = g + 0.01·w = [0.51, 0.23]; w − 0.1·g'
        expectClose(try run(.sgd, weightDecay: 0.01, gradients: [[0.5, 0.25]]), [0.949, -2.023])
    }

    @Test func sgdWithMomentumOverTwoSteps() throws {
        // v1 = g, w1 = [0.95, −2.025]; v2 = 0.9·v1 + g = [0.95, 0.475], w2 = [0.855, −2.0725]
        expectClose(try run(.sgd, momentum: 0.9, gradients: [[0.5, 0.25], [0.5, 0.25]]), [0.855, -2.0725])
    }

    @Test func sgdWithNesterovOverTwoSteps() throws {
        // step 1: update g + 0.9·v1 = [0.95, 0.475] → [0.905, −2.0475];
        // step 2: v2 = [0.95, 0.475], update g + 0.9·v2 = [1.355, 0.6775] → [0.7695, −2.11525]
        expectClose(
            try run(.sgd, momentum: 0.9, nesterov: true, gradients: [[0.5, 0.25], [0.5, 0.25]]), [0.7695, -2.11525])
    }

    @Test func adamOverTwoSteps() throws {
        // Step 1: m̂ = g, v̂ = g², update = sign(g) → [0.9, −2.1].
        // Step 2 (g = [−0.5, 0.25]): m = [−0.005, 0.0475], v = [0.00049975, 0.0001249375],
        // m̂ = m / 0.19, v̂ = v / 0.001999 = [0.25, 0.0625] → update [−0.0526316, 1] → [0.9052632, −2.2].
        expectClose(try run(.adam, gradients: [[0.5, 0.25], [-0.5, 0.25]]), [0.9052632, -2.2])
    }

    @Test func adamAddsWeightDecayToTheGradient() throws {
        // g' = [0.6, 0.05]: the first Adam step still moves each weight by the learning rate.
        expectClose(try run(.adam, weightDecay: 0.1, gradients: [[0.5, 0.25]]), [0.9, -2.1])
    }

    @Test func adamWDecaysWeightsDirectly() throws {
        // w·(1 − 0.1·0.1) = [0.99, −1.98], then the Adam step of 0.1 → [0.89, −2.08].
        expectClose(try run(.adamw, weightDecay: 0.1, gradients: [[0.5, 0.25]]), [0.89, -2.08])
    }

    @Test func biasesAreNotDecayed() throws {
        let optimizer = Optimizer(kind: .sgd, momentum: 0, nesterov: false, weightDecay: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        let bias = try TestSupport.buffer([1, -2], on: backend)
        let zero = try TestSupport.buffer([0, 0], on: backend)
        try optimizer.step([(bias, zero, false)], learningRate: 0.1, backend: backend)
        expectClose(try TestSupport.values(of: bias, on: backend), [1, -2])
    }
}

@Suite struct LearningRateScheduleTests {
    @Test func constantKeepsTheBaseRate() {
        let rate = LearningRateSchedule.constant.learningRate(
            base: 0.5, progress: 7.3, totalEpochs: 10, warmupEpochs: 0, stepsPerEpoch: 4)
        #expect(rate == 0.5)
    }

    @Test(arguments: [(0.0, 1.0), (1.9, 1.0), (2.0, 0.5), (4.5, 0.25)])
    func stepDecaysEveryFewEpochs(progress: Double, expected: Double) {
        let rate = LearningRateSchedule.step(everyEpochs: 2, gamma: 0.5).learningRate(
            base: 1, progress: progress, totalEpochs: 10, warmupEpochs: 0, stepsPerEpoch: 4)
        #expect(abs(rate - expected) < 1e-12)
    }

    @Test(arguments: [(0.0, 1.0), (5.0, 0.5), (10.0, 0.0)])
    func cosineFallsToZero(progress: Double, expected: Double) {
        let rate = LearningRateSchedule.cosine.learningRate(
            base: 1, progress: progress, totalEpochs: 10, warmupEpochs: 0, stepsPerEpoch: 4)
        #expect(abs(rate - expected) < 1e-12)
    }

    @Test(arguments: [(0.0, 0.125), (1.0, 0.625), (2.0, 1.0)])
    func linearWarmUpThenCosine(progress: Double, expected: Double) {
        let rate = LearningRateSchedule.cosine.learningRate(
            base: 1, progress: progress, totalEpochs: 10, warmupEpochs: 2, stepsPerEpoch: 4)
        #expect(abs(rate - expected) < 1e-12)
    }
}
