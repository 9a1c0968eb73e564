import Foundation
import Testing
@testable import AugurTraining

/// Back-propagation against central finite differences, on the CPU backend in Float32.
///
/// Step `h` and tolerances are chosen for single precision: truncation error O(h²) and rounding error
/// O(ε·|L|/h) both stay well below `2e-3` for the small networks used here.
@Suite struct GradientTests {
    struct Case: Sendable, CustomStringConvertible {
        var activation: Activation
        var dropout: Float
        var step: Float
        var description: String { "\(activation) dropout \(dropout)" }
    }

    static let cases: [Case] = [
        Case(activation: .tanh, dropout: 0, step: 1e-2),
        Case(activation: .sigmoid, dropout: 0, step: 1e-2),
        Case(activation: .gelu, dropout: 0, step: 1e-2),
        Case(activation: .relu, dropout: 0, step: 1e-3),
        Case(activation: .tanh, dropout: 0.3, step: 1e-2),
    ]

    @Test(arguments: cases)
    func everyLayerMatchesFiniteDifferences(_ testCase: Case) throws {
        let backend = CPUBackend()
        let rows = 5
        let sizes = [4, 6, 5, 3]
        var random = TrainingRandom(seed: 11)
        let network = try MultilayerPerceptron(
            backend: backend, layerSizes: sizes, activation: testCase.activation, dropout: testCase.dropout,
            initialization: .xavier, batchCapacity: rows, random: &random)
        // Non-zero biases so every bias gradient is exercised away from symmetric points.
        var layers = try network.exportLayers()
        for index in layers.indices {
            layers[index].bias = layers[index].bias.map { _ in Float(random.nextUnit() - 0.5) }
        }
        try network.importLayers(layers)
        let input = try TestSupport.buffer((0..<(rows * sizes[0])).map { _ in Float(2 * random.nextUnit() - 1) }, on: backend)
        let labels = try TestSupport.buffer([0, 2, 1, 2, 0], on: backend)
        let keys: [UInt32]? = testCase.dropout > 0 ? [101, 202] : nil
        let gradient = try backend.makeBuffer(count: rows * 3)

        func loss() throws -> Double {
            let logits = try network.forward(input: input, rows: rows, dropoutKeys: keys)
            let summary = try backend.softmaxCrossEntropy(
                logits: logits, labels: labels, rows: rows, classes: 3, gradient: nil, gradientScale: 0)
            return summary.lossSum / Double(rows)
        }

        let logits = try network.forward(input: input, rows: rows, dropoutKeys: keys)
        _ = try backend.softmaxCrossEntropy(
            logits: logits, labels: labels, rows: rows, classes: 3, gradient: gradient, gradientScale: 1 / Float(rows))
        try network.backward(input: input, rows: rows, logitGradient: gradient, dropoutKeys: keys)
        let weightGradients = try network.weightGradients.map { try TestSupport.values(of: $0, on: backend) }
        let biasGradients = try network.biasGradients.map { try TestSupport.values(of: $0, on: backend) }

        let h = testCase.step
        for layer in 0..<network.layerCount {
            var weights = layers[layer].weights.storage
            for index in weights.indices {
                let original = weights[index]
                weights[index] = original + h
                try upload(weights, into: network.weights[layer], backend: backend)
                let plus = try loss()
                weights[index] = original - h
                try upload(weights, into: network.weights[layer], backend: backend)
                let minus = try loss()
                weights[index] = original
                try upload(weights, into: network.weights[layer], backend: backend)
                let numeric = (plus - minus) / Double(2 * h)
                let analytic = Double(weightGradients[layer][index])
                #expect(abs(numeric - analytic) <= 2e-3 + 1e-2 * abs(analytic),
                        "layer \(layer) weight \(index): numeric \(numeric), analytic \(analytic)")
            }
            var bias = layers[layer].bias
            for index in bias.indices {
                let original = bias[index]
                bias[index] = original + h
                try upload(bias, into: network.biases[layer], backend: backend)
                let plus = try loss()
                bias[index] = original - h
                try upload(bias, into: network.biases[layer], backend: backend)
                let minus = try loss()
                bias[index] = original
                try upload(bias, into: network.biases[layer], backend: backend)
                let numeric = (plus - minus) / Double(2 * h)
                let analytic = Double(biasGradients[layer][index])
                #expect(abs(numeric - analytic) <= 2e-3 + 1e-2 * abs(analytic),
                        "layer \(layer) bias \(index): numeric \(numeric), analytic \(analytic)")
            }
        }
    }

    @Test func softmaxCrossEntropyGradientMatchesFiniteDifferences() throws {
        let backend = CPUBackend()
        let rows = 3
        let classes = 4
        var logitValues: [Float] = [0.2, -1.0, 0.5, 2.0, 1.0, 1.0, -0.5, 0.0, -2.0, 0.3, 0.9, -0.1]
        let labels = try TestSupport.buffer([3, 0, 2], on: backend)
        let gradient = try backend.makeBuffer(count: rows * classes)
        let logits = try TestSupport.buffer(logitValues, on: backend)
        _ = try backend.softmaxCrossEntropy(
            logits: logits, labels: labels, rows: rows, classes: classes, gradient: gradient, gradientScale: 1 / Float(rows))
        let analytic = try TestSupport.values(of: gradient, on: backend)
        let h: Float = 1e-2
        for index in logitValues.indices {
            func loss(_ values: [Float]) throws -> Double {
                let buffer = try TestSupport.buffer(values, on: backend)
                return try backend.softmaxCrossEntropy(
                    logits: buffer, labels: labels, rows: rows, classes: classes, gradient: nil, gradientScale: 0
                ).lossSum / Double(rows)
            }
            let original = logitValues[index]
            logitValues[index] = original + h
            let plus = try loss(logitValues)
            logitValues[index] = original - h
            let minus = try loss(logitValues)
            logitValues[index] = original
            let numeric = (plus - minus) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[index])) < 1e-3, "logit \(index)")
        }
    }

    @Test func lossAndAccuracyOfKnownLogits() throws {
        let backend = CPUBackend()
        let logits = try TestSupport.buffer([0, 0, 3, 1], on: backend)
        let labels = try TestSupport.buffer([1, 1], on: backend)
        let summary = try backend.softmaxCrossEntropy(
            logits: logits, labels: labels, rows: 2, classes: 2, gradient: nil, gradientScale: 0)
        // Row 0: log 2 (tie: arg-max is class 0, wrong). Row 1: log(1 + e²) (predicts class 0, wrong).
        #expect(abs(summary.lossSum - (log(2) + log(1 + exp(2)))) < 1e-5)
        #expect(summary.correct == 0)
    }

    private func upload(_ values: [Float], into buffer: DeviceBuffer, backend: CPUBackend) throws {
        try values.withUnsafeBufferPointer { try backend.upload($0, to: buffer) }
    }
}
