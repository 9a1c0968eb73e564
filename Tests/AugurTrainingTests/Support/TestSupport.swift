import Foundation
import Testing
@testable import AugurTraining

/// Helpers shared by the training-core tests.
enum TestSupport {
    /// A fresh file path in the temporary directory, with `contents` written to it.
    static func temporaryFile(named name: String, contents: [UInt8]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("augur-training-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func temporaryFile(named name: String, text: String) throws -> String {
        try temporaryFile(named: name, contents: Array(text.utf8))
    }

    /// Uploads `values` to a new buffer on `backend`.
    static func buffer(_ values: [Float], on backend: any ComputeBackend) throws -> DeviceBuffer {
        let buffer = try backend.makeBuffer(count: values.count)
        try values.withUnsafeBufferPointer { try backend.upload($0, to: buffer) }
        return buffer
    }

    /// Downloads all of `buffer`.
    static func values(of buffer: DeviceBuffer, on backend: any ComputeBackend) throws -> [Float] {
        var values = [Float](repeating: 0, count: buffer.count)
        try values.withUnsafeMutableBufferPointer { try backend.download(buffer, into: $0) }
        return values
    }

    /// A small random classification dataset (Gaussian blobs), deterministic for `seed`.
    static func blobs(samples: Int, features: Int, classes: Int, seed: UInt64) throws -> Dataset {
        var random = TrainingRandom(seed: seed)
        var values: [Float] = []
        var labels: [Int] = []
        for sample in 0..<samples {
            let label = sample % classes
            for feature in 0..<features {
                let centre: Double = feature % classes == label ? 1.5 : 0
                values.append(Float(centre + 0.5 * random.nextGaussian()))
            }
            labels.append(label)
        }
        let tensor = try #require(Tensor(rows: samples, columns: features, values: values))
        return try Dataset(name: "blobs", features: tensor, labels: labels, classCount: classes)
    }
}
