import Testing
@testable import AugurTraining

@Suite struct TrainerTests {
    /// XOR is not linearly separable: a network that fits it needs a working hidden layer and back-propagation.
    @Test func tinyNetworkLearnsXOR() throws {
        let points: [Float] = [0, 0, 0, 1, 1, 0, 1, 1]
        let xorLabels = [0, 1, 1, 0]
        let features = try #require(Tensor(rows: 16, columns: 2, values: (0..<4).flatMap { _ in points }))
        let training = try Dataset(name: "xor", features: features, labels: (0..<4).flatMap { _ in xorLabels })
        let validation = try Dataset(name: "xor", features: try #require(Tensor(rows: 4, columns: 2, values: points)), labels: xorLabels)
        var configuration = TrainingConfiguration()
        configuration.hiddenLayers = [8]
        configuration.activation = .tanh
        configuration.learningRate = 0.05
        configuration.batchSize = 4
        configuration.epochs = 150
        configuration.schedule = .constant
        configuration.device = .cpu
        let result = try Trainer().train(training: training, validation: validation, configuration: configuration)
        #expect(result.finalReport?.validationAccuracy == 1)
        #expect((result.finalReport?.validationLoss ?? 1) < 0.1)
        #expect(result.model.predictions(for: validation.features) == xorLabels)
    }

    /// The same seed gives bit-identical metrics and weights. OpenBLAS runs single-threaded here so that the
    /// summation order of every product is fixed.
    @Test func fixedSeedIsDeterministicOnCPU() throws {
        let dataset = try TestSupport.blobs(samples: 300, features: 12, classes: 3, seed: 5)
        var configuration = TrainingConfiguration()
        configuration.device = .cpu
        configuration.threads = 1
        configuration.epochs = 3
        configuration.dropout = 0.2
        configuration.seed = 77
        let first = try Trainer().train(on: dataset, configuration: configuration)
        let second = try Trainer().train(on: dataset, configuration: configuration)
        #expect(first.epochs.map(\.trainingLoss) == second.epochs.map(\.trainingLoss))
        #expect(first.epochs.map(\.validationLoss) == second.epochs.map(\.validationLoss))
        #expect(first.model == second.model)

        configuration.seed = 78
        let other = try Trainer().train(on: dataset, configuration: configuration)
        #expect(other.epochs.map(\.trainingLoss) != first.epochs.map(\.trainingLoss))
    }

    @Test func digitsReachHighAccuracyWithTheDefaults() throws {
        var configuration = TrainingConfiguration()
        configuration.device = .cpu
        let result = try Trainer().train(on: try Dataset.digits(), configuration: configuration)
        #expect(result.stopReason == .completed)
        #expect(result.epochs.count == configuration.epochs)
        #expect((result.finalReport?.validationAccuracy ?? 0) >= 0.97)
        #expect(result.trainingSamples + result.validationSamples == 1797)
    }

    @Test func stopIsHonouredBeforeTheNextEpoch() throws {
        let dataset = try TestSupport.blobs(samples: 120, features: 4, classes: 2, seed: 1)
        var configuration = TrainingConfiguration()
        configuration.device = .cpu
        configuration.epochs = 10
        var seen: [Int] = []
        let result = try Trainer().train(on: dataset, configuration: configuration) { report in
            seen.append(report.epoch)
            return report.epoch == 2 ? .stop : .continue
        }
        #expect(seen == [1, 2])
        #expect(result.epochs.count == 2)
        #expect(result.stopReason == .stoppedByCaller)
    }

    @Test func taskCancellationEndsTrainingCleanly() async throws {
        let dataset = try TestSupport.blobs(samples: 120, features: 4, classes: 2, seed: 1)
        var configuration = TrainingConfiguration()
        configuration.device = .cpu
        configuration.epochs = 10
        let result = try await Task {
            try Trainer().train(on: dataset, configuration: configuration) { _ in
                // Cancel from inside the run, so the test does not depend on timing.
                withUnsafeCurrentTask { $0?.cancel() }
                return .continue
            }
        }.value
        #expect(result.stopReason == .cancelled)
        #expect(result.epochs.count == 1)
    }

    @Test func divergenceIsReported() throws {
        var dataset = try TestSupport.blobs(samples: 64, features: 4, classes: 2, seed: 2)
        dataset.features.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] *= 1e30 }
        }
        var configuration = TrainingConfiguration()
        configuration.device = .cpu
        configuration.optimizer = .sgd
        configuration.learningRate = 10
        configuration.epochs = 5
        let result = try Trainer().train(on: dataset, configuration: configuration)
        #expect(result.stopReason == .diverged)
        #expect(result.epochs.count < 5)
    }

    @Test func invalidConfigurationIsRejectedBeforeTraining() throws {
        var configuration = TrainingConfiguration()
        configuration.learningRate = -1
        configuration.dropout = 1
        let dataset = try TestSupport.blobs(samples: 20, features: 2, classes: 2, seed: 1)
        let error = #expect(throws: TrainingError.self) {
            try Trainer().train(on: dataset, configuration: configuration)
        }
        guard case .invalidHyperparameters(let problems) = error else {
            Issue.record("expected invalidHyperparameters, got \(String(describing: error))")
            return
        }
        #expect(Set(problems.map(\.name)) == ["learningRate", "dropout"])
    }

    @Test func singleClassDatasetIsUnusable() throws {
        let features = try #require(Tensor(rows: 4, columns: 1, values: [1, 2, 3, 4]))
        let dataset = try Dataset(name: "one", features: features, labels: [0, 0, 0, 0])
        #expect(throws: TrainingError.self) {
            try Trainer().train(on: dataset, configuration: TrainingConfiguration())
        }
    }
}
