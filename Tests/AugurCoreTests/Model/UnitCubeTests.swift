import Foundation
import Testing
import AugurCore

@Suite struct UnitCubeTests {
    static let finiteParameters: [ParameterSpec] = [
        .double("dropout", min: 0, max: 1, step: 0.1),
        .double("momentum", min: 0.5, max: 0.95, step: 0.05),
        .double("lr", min: 0.001, max: 0.1, scale: .log, step: 0.001),
        .integer("layers", min: 1, max: 8),
        .integer("units", min: 16, max: 512, step: 16, scale: .log),
        .integer("odd", min: 0, max: 10, step: 3),
        .integer("epochs", min: 1, max: 100, scale: .reverseLog),
        .double("beta", min: 0.5, max: 0.99, scale: .reverseLog, step: 0.01),
        .discrete("batch", [32, 64, 128]),
        .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
    ]
    static let allParameters: [ParameterSpec] = finiteParameters + [
        .double("weight", min: -2, max: 3),
        .double("decay", min: 1e-6, max: 1e-2, scale: .log),
        .double("momentum-rl", min: 0.1, max: 0.999, scale: .reverseLog),
    ]

    // MARK: Cardinality

    @Test(arguments: [
        (0.0, 1.0, 0.1, 11), (0.0, 0.3, 0.1, 4), (0.0, 0.7, 0.1, 8), (0.0, 1.05, 0.1, 11),
        (0.5, 0.95, 0.05, 10), (0.0, 1e6, 0.1, 10_000_001), (1.0, 1.0, 0.5, 1), (0.0, 1.0, 3.0, 1),
    ])
    func steppedDoubleCardinalityToleratesRounding(min: Double, max: Double, step: Double, expected: Int) {
        #expect(ParameterSpec.double("x", min: min, max: max, step: step).cardinality == expected)
    }

    @Test func cardinalityNeverTraps() {
        #expect(ParameterSpec.double("x", min: 0, max: 1).cardinality == nil)
        #expect(ParameterSpec.double("x", min: 0, max: 1, step: 1e-300).cardinality == nil)
        #expect(ParameterSpec.double("x", min: 0, max: .infinity, step: 1).cardinality == nil)
        #expect(ParameterSpec.integer("x", min: .min, max: .max).cardinality == nil)
        #expect(ParameterSpec.integer("x", min: 0, max: 10, step: 0).cardinality == 0)
        #expect(ParameterSpec.integer("x", min: 5, max: 1).cardinality == 0)
        #expect(ParameterSpec.integer("x", min: 0, max: 10, step: 3).cardinality == 4)
    }

    // MARK: Grid values

    @Test func steppedDoubleGridValuesAreClean() {
        let parameter = ParameterSpec.double("x", min: 0, max: 1, step: 0.1)
        let values = (0..<11).compactMap { parameter.gridValue(at: $0)?.doubleValue }
        #expect(values == [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
        #expect(parameter.gridValue(at: 11) == nil)
        #expect(parameter.gridValue(at: -1) == nil)
        let short = ParameterSpec.double("x", min: 0, max: 0.7, step: 0.1)
        #expect(short.gridValue(at: 7) == .double(0.7))
    }

    @Test func gridIndexInvertsGridValueForEveryFiniteParameter() throws {
        for parameter in Self.finiteParameters {
            let count = try #require(parameter.cardinality)
            for index in 0..<count {
                let value = try #require(parameter.gridValue(at: index))
                #expect(parameter.gridIndex(of: value) == index, "\(parameter.name)[\(index)] = \(value)")
                #expect(parameter.contains(value), "\(parameter.name)[\(index)] = \(value)")
            }
        }
    }

    @Test func gridIndexToleratesStoredNumbers() {
        let parameter = ParameterSpec.double("x", min: 0, max: 1, step: 0.1)
        #expect(parameter.gridIndex(of: .double(0.30000000000000004)) == 3)
        #expect(parameter.gridIndex(of: .integer(1)) == 10)
        #expect(parameter.gridIndex(of: .double(0.15)) == nil)
        #expect(parameter.gridIndex(of: .string("0.1")) == nil)
        #expect(ParameterSpec.integer("n", min: 0, max: 9, step: 3).gridIndex(of: .double(6)) == 2)
        #expect(ParameterSpec.integer("n", min: 0, max: 9, step: 3).gridIndex(of: .integer(4)) == nil)
        #expect(ParameterSpec.double("x", min: 0, max: 1).gridIndex(of: .double(0.5)) == nil)
    }

    // MARK: Unit mapping

    @Test func everyUnitValueIsLegal() {
        var generator = SeededGenerator(seed: 3)
        for parameter in Self.allParameters {
            for u in [0.0, 1.0, -1, 2, .nan] + (0..<500).map({ _ in generator.nextUnit() }) {
                let value = parameter.value(atUnit: u)
                #expect(parameter.contains(value), "\(parameter.name) at \(u) gave \(value)")
            }
        }
    }

    /// `value(atUnit:)` is idempotent through `unitPosition(of:)`: a value's position maps back to the value itself.
    @Test func unitPositionOfValueMapsBackToTheValue() throws {
        var generator = SeededGenerator(seed: 11)
        for parameter in Self.allParameters {
            for _ in 0..<500 {
                let value = parameter.value(atUnit: generator.nextUnit())
                let position = try #require(parameter.unitPosition(of: value))
                let again = parameter.value(atUnit: position)
                if parameter.cardinality == nil {
                    let (x, y) = (try #require(value.doubleValue), try #require(again.doubleValue))
                    #expect(abs(x - y) <= 1e-9 * max(1, abs(x)), "\(parameter.name): \(x) -> \(position) -> \(y)")
                } else {
                    #expect(again == value, "\(parameter.name): \(value) -> \(position) -> \(again)")
                }
            }
        }
    }

    /// On linear scale every lattice point owns an equal share of [0, 1], end points included.
    @Test(arguments: [
        ParameterSpec.double("x", min: 0, max: 1, step: 0.1),
        ParameterSpec.double("x", min: 0, max: 1.05, step: 0.1),
        ParameterSpec.integer("n", min: 0, max: 10, step: 3),
        ParameterSpec.integer("n", min: -3, max: 3),
    ])
    func linearLatticeCellsAreEqual(parameter: ParameterSpec) throws {
        let count = try #require(parameter.cardinality)
        let samples = 10_000
        var hits = Array(repeating: 0, count: count)
        for i in 0..<samples {
            let value = parameter.value(atUnit: (Double(i) + 0.5) / Double(samples))
            hits[try #require(parameter.gridIndex(of: value))] += 1
        }
        let expected = samples / count
        #expect(hits.allSatisfy { abs($0 - expected) <= 1 }, "\(hits)")
    }

    @Test func logScaleIntegersFavourSmallValues() {
        let parameter = ParameterSpec.integer("units", min: 1, max: 1000, scale: .log)
        #expect(parameter.value(atUnit: 0) == .integer(1))
        #expect(parameter.value(atUnit: 1) == .integer(1000))
        // The geometric middle of [0.5, 1000.5] is about 22.4.
        #expect(parameter.value(atUnit: 0.5) == .integer(22))
    }

    /// Vizier's reverse-log scale: `u = 1 − (log(max + min − x) − log(min)) / (log(max) − log(min))`, so the top of
    /// the range is spread out: on [0.1, 0.999], half of [0, 1] lands above 0.999 + 0.1 − √(0.1·0.999) ≈ 0.783.
    @Test func reverseLogScaleSpreadsTheTopOfTheRange() throws {
        let parameter = ParameterSpec.double("momentum", min: 0.1, max: 0.999, scale: .reverseLog)
        let middle = try #require(parameter.value(atUnit: 0.5).doubleValue)
        #expect(abs(middle - (0.999 + 0.1 - (0.1 * 0.999).squareRoot())) < 1e-12)
        #expect(parameter.value(atUnit: 0).doubleValue == 0.1)
        #expect(abs((parameter.value(atUnit: 1).doubleValue ?? 0) - 0.999) < 1e-12)
        let nearTop = try #require(parameter.unitPosition(of: .double(0.99)))
        let expected = 1 - (log(0.999 + 0.1 - 0.99) - log(0.1)) / (log(0.999) - log(0.1))
        #expect(abs(nearTop - expected) < 1e-12)
        let integers = ParameterSpec.integer("epochs", min: 1, max: 1000, scale: .reverseLog)
        #expect(integers.value(atUnit: 0) == .integer(1) && integers.value(atUnit: 1) == .integer(1000))
        #expect(integers.value(atUnit: 0.5) == .integer(1001 - 22), "the log lattice mirrored")
    }

    @Test func listCellCentresMapBack() {
        let parameter = ParameterSpec.categorical("optimizer", ["sgd", "adam", "rmsprop"])
        #expect(parameter.unitPosition(of: .string("adam")) == 0.5)
        #expect(parameter.value(atUnit: 0.5) == .string("adam"))
        #expect(parameter.unitPosition(of: .string("lbfgs")) == nil)
        #expect(parameter.unitPosition(of: .integer(1)) == nil)
    }

    @Test func searchSpaceRoundTripsThroughTheCube() throws {
        let space = SearchSpace(Self.finiteParameters)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            let assignment = space.assignment(atUnit: space.parameters.map { _ in generator.nextUnit() })
            #expect(space.isValid(assignment))
            let point = try #require(space.unitPoint(of: assignment))
            #expect(space.assignment(atUnit: point) == assignment)
        }
    }
}
