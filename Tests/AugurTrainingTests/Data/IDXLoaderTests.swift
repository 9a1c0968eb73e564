import Foundation
import Testing
@testable import AugurTraining

@Suite struct IDXLoaderTests {
    /// Three 2×2 unsigned-byte images.
    static let images: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2]
        + [0, 255, 51, 102] + [255, 255, 0, 0] + [1, 2, 3, 4]
    static let labels: [UInt8] = [0, 0, 0x08, 1, 0, 0, 0, 3] + [7, 0, 2]

    @Test func loadsImagesAndLabels() throws {
        let imagesPath = try TestSupport.temporaryFile(named: "train-images-idx3-ubyte", contents: Self.images)
        let labelsPath = try TestSupport.temporaryFile(named: "train-labels-idx1-ubyte", contents: Self.labels)
        let dataset = try IDXLoader.load(images: imagesPath, labels: labelsPath)
        #expect(dataset.sampleCount == 3)
        #expect(dataset.featureCount == 4)
        #expect(dataset.classCount == 8)
        #expect(dataset.labels == [7, 0, 2])
        #expect(dataset.features[0, 1] == 1)
        #expect(abs(dataset.features[0, 2] - 0.2) < 1e-6)
        let viaCatalog = try DatasetCatalog.load("idx:\(imagesPath),\(labelsPath)")
        #expect(viaCatalog == dataset)
    }

    @Test func catalogFindsTheMNISTPairInADirectory() throws {
        let imagesPath = try TestSupport.temporaryFile(named: "train-images-idx3-ubyte", contents: Self.images)
        let folder = String(imagesPath.dropLast("/train-images-idx3-ubyte".count))
        try Data(Self.labels).write(to: URL(fileURLWithPath: folder + "/train-labels-idx1-ubyte"))
        let dataset = try DatasetCatalog.load(folder)
        #expect(dataset.labels == [7, 0, 2])
    }

    @Test func decodesBigEndianFloats() throws {
        let bytes: [UInt8] = [0, 0, 0x0D, 1, 0, 0, 0, 2] + [0x3F, 0x80, 0, 0] + [0xC0, 0, 0, 0]
        let contents = try IDXLoader.decode(bytes, source: "floats")
        #expect(contents.dimensions == [2])
        #expect(contents.values == [1, -2])
    }

    @Test func gzipFilesGetAHint() {
        let error = #expect(throws: DatasetError.self) {
            try IDXLoader.decode([0x1F, 0x8B, 8, 0, 0, 0], source: "train-images-idx3-ubyte.gz")
        }
        #expect(error?.description.contains("gunzip it first") == true)
        #expect(error?.description.contains("byte offset 0") == true)
    }

    @Test func truncatedDataGivesTheOffsetAndSizes() {
        let error = #expect(throws: DatasetError.self) {
            try IDXLoader.decode(Array(Self.images.dropLast(2)), source: "images")
        }
        #expect(error == .malformedIDX(
            path: "images", offset: 16,
            message: "the header promises 3×2×2 values (12 bytes) but 10 bytes follow: the file is truncated."))
    }

    @Test func headerCutShort() {
        #expect(throws: DatasetError.self) { try IDXLoader.decode([0, 0, 8, 3, 0, 0], source: "images") }
        #expect(throws: DatasetError.self) { try IDXLoader.decode([0, 0], source: "images") }
    }

    @Test func unknownElementType() {
        let error = #expect(throws: DatasetError.self) { try IDXLoader.decode([0, 0, 0x07, 1, 0, 0, 0, 0], source: "x") }
        #expect(error?.description.contains("unknown element type 0x07") == true)
    }

    @Test func countsMustAgree() throws {
        let imagesPath = try TestSupport.temporaryFile(named: "images", contents: Self.images)
        let labelsPath = try TestSupport.temporaryFile(named: "labels", contents: [0, 0, 0x08, 1, 0, 0, 0, 2, 1, 1])
        #expect(throws: DatasetError.self) { try IDXLoader.load(images: imagesPath, labels: labelsPath) }
    }
}
