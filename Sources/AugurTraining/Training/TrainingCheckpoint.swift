import Foundation

/// Everything training needs to go on where an earlier run stopped: the network's weights and biases, the
/// optimizer's state (its step count and its per-parameter moments or velocities) and how many epochs and batches
/// are done. A population-based-training trial starts from its parent's checkpoint and leaves its own.
///
/// Stored as JSON with each buffer's values as little-endian 32-bit floats in base64 (`write(to:)`, `read(from:)`).
public struct TrainingCheckpoint: Sendable, Hashable, Codable {
    /// The current format; `read(from:)` refuses others.
    public static let currentVersion = 1
    /// The usual file name inside a checkpoint directory.
    public static let fileName = "training-checkpoint.json"

    public var version: Int
    /// Inputs, hidden widths and classes, as `TrainingSession` builds the network.
    public var layerSizes: [Int]
    /// Per layer, `fanIn × fanOut` values in the backend's layout.
    public var weights: [[Float]]
    public var biases: [[Float]]
    public var optimizer: OptimizerKind
    /// Optimizer steps taken (Adam's bias correction counts them).
    public var optimizerSteps: Int
    /// Per parameter group (weights and biases of each layer in turn): SGD's velocity or Adam's first moment.
    public var firstState: [[Float]]
    /// Adam's second moment per group (a single value per group for SGD).
    public var secondState: [[Float]]
    /// Epochs trained so far; a run resumed from here numbers its epochs on from this.
    public var epochs: Int
    /// Batches trained so far (the dropout masks are keyed by it).
    public var steps: Int

    public init(layerSizes: [Int], weights: [[Float]], biases: [[Float]], optimizer: OptimizerKind, optimizerSteps: Int,
                firstState: [[Float]], secondState: [[Float]], epochs: Int, steps: Int) {
        version = Self.currentVersion
        self.layerSizes = layerSizes
        self.weights = weights
        self.biases = biases
        self.optimizer = optimizer
        self.optimizerSteps = optimizerSteps
        self.firstState = firstState
        self.secondState = secondState
        self.epochs = epochs
        self.steps = steps
    }

    private enum CodingKeys: String, CodingKey {
        case version, layerSizes, weights, biases, optimizer, optimizerSteps, firstState, secondState, epochs, steps
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        layerSizes = try container.decode([Int].self, forKey: .layerSizes)
        weights = try container.decode([Data].self, forKey: .weights).map(Self.floats)
        biases = try container.decode([Data].self, forKey: .biases).map(Self.floats)
        optimizer = try container.decode(OptimizerKind.self, forKey: .optimizer)
        optimizerSteps = try container.decode(Int.self, forKey: .optimizerSteps)
        firstState = try container.decode([Data].self, forKey: .firstState).map(Self.floats)
        secondState = try container.decode([Data].self, forKey: .secondState).map(Self.floats)
        epochs = try container.decode(Int.self, forKey: .epochs)
        steps = try container.decode(Int.self, forKey: .steps)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(layerSizes, forKey: .layerSizes)
        try container.encode(weights.map(Self.bytes), forKey: .weights)
        try container.encode(biases.map(Self.bytes), forKey: .biases)
        try container.encode(optimizer, forKey: .optimizer)
        try container.encode(optimizerSteps, forKey: .optimizerSteps)
        try container.encode(firstState.map(Self.bytes), forKey: .firstState)
        try container.encode(secondState.map(Self.bytes), forKey: .secondState)
        try container.encode(epochs, forKey: .epochs)
        try container.encode(steps, forKey: .steps)
    }

    /// Writes the checkpoint to `path` (atomically: a reader never sees half a file).
    public func write(to path: String) throws(TrainingError) {
        do {
            try JSONEncoder().encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .checkpoint("cannot write the training checkpoint '\(path)': \(error.localizedDescription)")
        }
    }

    /// Reads a checkpoint `write(to:)` wrote.
    public static func read(from path: String) throws(TrainingError) -> TrainingCheckpoint {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .checkpoint("cannot read the training checkpoint '\(path)': \(error.localizedDescription)")
        }
        let checkpoint: TrainingCheckpoint
        do {
            checkpoint = try JSONDecoder().decode(TrainingCheckpoint.self, from: data)
        } catch {
            throw .checkpoint("'\(path)' is not a training checkpoint Augur wrote: \(error)")
        }
        guard checkpoint.version == currentVersion else {
            throw .checkpoint("'\(path)' is a training checkpoint of format \(checkpoint.version); this Augur reads format "
                + "\(currentVersion)")
        }
        return checkpoint
    }

    private static func bytes(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    private static func floats(_ data: Data) throws -> [Float] {
        guard data.count % 4 == 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "a buffer of \(data.count) bytes is no list of floats"))
        }
        var values: [Float] = []
        values.reserveCapacity(data.count / 4)
        var index = data.startIndex
        while index < data.endIndex {
            var bits: UInt32 = 0
            for offset in 0..<4 { bits |= UInt32(data[index + offset]) << (8 * UInt32(offset)) }
            values.append(Float(bitPattern: bits))
            index += 4
        }
        return values
    }
}
