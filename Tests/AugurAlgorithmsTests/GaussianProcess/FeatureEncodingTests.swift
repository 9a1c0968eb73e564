import AugurCore
import Testing
@testable import AugurAlgorithms

@Suite struct FeatureEncodingTests {
    let space = SearchSpace([
        .double("lr", min: 1e-4, max: 1e-1, scale: .log),
        .integer("layers", min: 1, max: 8),
        .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
        .discrete("batch", [32, 64, 128]),
    ])

    @Test func givesCategoriesOneFeatureEach() {
        let encoding = FeatureEncoding(space: space)
        #expect(encoding.dimensions == 6)
        #expect(encoding.numericFeatures == [0, 1, 5])
        let features = encoding.features(of: ["lr": .double(1e-4), "layers": .integer(8), "optimizer": .string("adam"), "batch": .double(64)])
        #expect(features == [0, 15.0 / 16.0, 0, 1, 0, 0.5])
    }

    @Test func roundTripsAssignments() throws {
        let encoding = FeatureEncoding(space: space)
        let assignment: ParameterAssignment = ["lr": .double(0.01), "layers": .integer(3), "optimizer": .string("rmsprop"), "batch": .double(128)]
        let features = try #require(encoding.features(of: assignment))
        let decoded = encoding.assignment(of: features)
        #expect(decoded["layers"] == .integer(3))
        #expect(decoded["optimizer"] == .string("rmsprop"))
        #expect(decoded["batch"] == .double(128))
        #expect(abs((decoded["lr"]?.doubleValue ?? 0) - 0.01) < 1e-12)
    }

    @Test func snapsRelaxedFeaturesToLegalValues() {
        let encoding = FeatureEncoding(space: space)
        let snapped = encoding.snapped([0.3, 0.52, 0.2, 0.7, 0.1, 0.9])
        #expect(snapped[2...4] == [0, 1, 0])
        #expect(snapped[1] == 4.5 / 8)
        #expect(space.isValid(encoding.assignment(of: snapped)))
    }

    @Test func rejectsForeignAssignments() {
        let encoding = FeatureEncoding(space: space)
        #expect(encoding.features(of: ["lr": .double(0.01)]) == nil)
        #expect(encoding.features(of: ["lr": .double(0.01), "layers": .integer(3), "optimizer": .string("lamb"), "batch": .double(128)]) == nil)
    }
}
