import Testing
@testable import AugurTraining

@Suite struct TensorTests {
    @Test func rowMajorLayout() throws {
        let tensor = try #require(Tensor(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6]))
        #expect(tensor[1, 0] == 4)
        #expect(Array(tensor.row(1)) == [4, 5, 6])
        #expect(tensor.gatheringRows([1, 1, 0]).storage == [4, 5, 6, 4, 5, 6, 1, 2, 3])
    }

    @Test func valueCountMustMatchTheShape() {
        #expect(Tensor(rows: 2, columns: 2, values: [1, 2, 3]) == nil)
    }

    @Test func standardizationCentresAndScalesEachFeature() throws {
        var features = try #require(Tensor(rows: 4, columns: 2, values: [1, 5, 2, 5, 3, 5, 4, 5]))
        FeatureScaling.standardize.apply(to: &features)
        let first = (0..<4).map { features[$0, 0] }
        #expect(abs(first.reduce(0, +)) < 1e-6)
        #expect(abs(first.map { $0 * $0 }.reduce(0, +) / 4 - 1) < 1e-5)
        #expect((0..<4).allSatisfy { features[$0, 1] == 0 })
    }

    @Test func splitIsSeededAndDisjoint() throws {
        let dataset = try TestSupport.blobs(samples: 50, features: 3, classes: 2, seed: 4)
        let first = dataset.split(validationFraction: 0.2, seed: 9)
        let again = dataset.split(validationFraction: 0.2, seed: 9)
        #expect(first.validation == again.validation)
        #expect(first.validation.sampleCount == 10)
        #expect(first.training.sampleCount == 40)
        let other = dataset.split(validationFraction: 0.2, seed: 10)
        #expect(other.validation != first.validation)
    }
}
