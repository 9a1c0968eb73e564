import Foundation
import Testing
@testable import AugurTraining

/// A run resumed from a checkpoint goes on where the first stopped: same weights and optimizer state, epochs numbered
/// on (what population-based training's hand-over needs).
@Suite struct TrainingCheckpointTests {
    static func configuration(optimizer: OptimizerKind = .adam, epochs: Int = 2) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.device = .cpu
        configuration.threads = 1
        configuration.hiddenLayers = [16]
        configuration.epochs = epochs
        configuration.learningRate = 0.01
        configuration.schedule = .constant
        configuration.optimizer = optimizer
        configuration.seed = 5
        return configuration
    }

    @Test(arguments: [OptimizerKind.sgd, .adam, .adamw])
    func aResumedRunGoesOnWhereTheFirstStopped(optimizer: OptimizerKind) throws {
        let dataset = try TestSupport.blobs(samples: 240, features: 6, classes: 3, seed: 2)
        let split = dataset.split(validationFraction: 0.25, seed: 1)
        let first = try Trainer().train(training: split.training, validation: split.validation,
                                        configuration: Self.configuration(optimizer: optimizer), keepsCheckpoint: true)
        let checkpoint = try #require(first.checkpoint)
        #expect(checkpoint.epochs == 2)
        #expect(checkpoint.optimizer == optimizer)
        #expect(checkpoint.optimizerSteps > 0)
        #expect(checkpoint.weights.flatMap { $0 } == first.model.layers.flatMap { $0.weights.storage })

        let resumed = try Trainer().train(training: split.training, validation: split.validation,
                                          configuration: Self.configuration(optimizer: optimizer), resumingFrom: checkpoint,
                                          keepsCheckpoint: true)
        #expect(resumed.epochs.map(\.epoch) == [3, 4])
        #expect(resumed.checkpoint?.epochs == 4)
        // Resumed, the first epoch starts from trained weights: its loss is far below a fresh run's first epoch's.
        let fresh = try #require(first.epochs.first?.trainingLoss)
        let continued = try #require(resumed.epochs.first?.trainingLoss)
        #expect(continued < fresh * 0.8)
    }

    /// The hand-over loses nothing: two epochs and two more resumed from the checkpoint give exactly the model of
    /// one four-epoch run (same weights, optimizer state, batch order and dropout masks), whatever the optimizer.
    @Test(arguments: [OptimizerKind.sgd, .adam, .adamw])
    func aRunSplitByItsCheckpointEqualsOneUninterruptedRun(optimizer: OptimizerKind) throws {
        let dataset = try TestSupport.blobs(samples: 240, features: 6, classes: 3, seed: 4)
        let split = dataset.split(validationFraction: 0.25, seed: 1)
        var configuration = Self.configuration(optimizer: optimizer, epochs: 4)
        configuration.momentum = 0.9
        configuration.dropout = 0.2
        configuration.batchSize = 32
        let whole = try Trainer().train(training: split.training, validation: split.validation,
                                        configuration: configuration, keepsCheckpoint: true)
        configuration.epochs = 2
        let first = try Trainer().train(training: split.training, validation: split.validation,
                                        configuration: configuration, keepsCheckpoint: true)
        let second = try Trainer().train(training: split.training, validation: split.validation, configuration: configuration,
                                         resumingFrom: first.checkpoint, keepsCheckpoint: true)
        #expect(second.epochs.map(\.epoch) == [3, 4])
        #expect(second.epochs.map(\.trainingLoss) == Array(whole.epochs.suffix(2).map(\.trainingLoss)))
        #expect(second.epochs.last?.validationLoss == whole.epochs.last?.validationLoss)
        #expect(second.checkpoint == whole.checkpoint)
    }

    @Test func aCheckpointSurvivesTheFileRoundTrip() throws {
        let dataset = try TestSupport.blobs(samples: 120, features: 4, classes: 2, seed: 3)
        let result = try Trainer().train(on: dataset, configuration: Self.configuration(epochs: 1), keepsCheckpoint: true)
        let checkpoint = try #require(result.checkpoint)
        let path = NSTemporaryDirectory() + "augur-checkpoint-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.write(to: path)
        #expect(try TrainingCheckpoint.read(from: path) == checkpoint)
    }

    @Test func aCheckpointOfAnotherShapeIsRefused() throws {
        let dataset = try TestSupport.blobs(samples: 120, features: 4, classes: 2, seed: 3)
        let result = try Trainer().train(on: dataset, configuration: Self.configuration(epochs: 1), keepsCheckpoint: true)
        var wider = Self.configuration(epochs: 1)
        wider.hiddenLayers = [32]
        #expect {
            try Trainer().train(on: dataset, configuration: wider, resumingFrom: result.checkpoint)
        } throws: { error in
            guard case TrainingError.checkpoint(let reason) = error else { return false }
            return reason.contains("[4, 16, 2]") && reason.contains("[4, 32, 2]")
        }
    }

    @Test func aFileThatIsNoCheckpointIsRefusedWithItsPath() throws {
        let path = NSTemporaryDirectory() + "augur-not-a-checkpoint-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\"weights\": 3}".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try TrainingCheckpoint.read(from: path)
        } throws: { error in
            "\(error)".contains(path)
        }
    }
}
