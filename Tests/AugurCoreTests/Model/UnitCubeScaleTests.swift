import Testing
@testable import AugurCore

/// Exact values of the unit-cube mapping: where log scales, clamping, lattices and lists put given points.
@Suite struct UnitCubeScaleTests {
    @Test func doubleEndsAndRoundTrip() throws {
        let parameter = ParameterSpec.double("x", min: -5, max: 10)
        for u in stride(from: 0.0, through: 1.0, by: 0.125) {
            let back = try #require(parameter.unitPosition(of: parameter.value(atUnit: u)))
            #expect(abs(back - u) < 1e-12)
        }
        #expect(parameter.value(atUnit: 0) == .double(-5))
        #expect(parameter.value(atUnit: 1) == .double(10))
    }

    @Test func logScaleIsUniformInTheLogarithm() throws {
        let parameter = ParameterSpec.double("lr", min: 1e-4, max: 1e-1, scale: .log)
        let middle = try #require(parameter.value(atUnit: 0.5).doubleValue)
        #expect(abs(middle - (1e-4 * 1e-1).squareRoot()) < 1e-12)
        let third = try #require(parameter.value(atUnit: 1.0 / 3).doubleValue)
        #expect(abs(third - 1e-3) < 1e-12)
        let position = try #require(parameter.unitPosition(of: .double(1e-2)))
        #expect(abs(position - 2.0 / 3) < 1e-12)
    }

    @Test func outOfRangeAndNaNCoordinatesAreClamped() {
        let parameter = ParameterSpec.double("x", min: 0, max: 2)
        #expect(parameter.value(atUnit: -3) == .double(0))
        #expect(parameter.value(atUnit: 7) == .double(2))
        #expect(parameter.value(atUnit: .nan) == .double(0))
        #expect(parameter.unitPosition(of: .double(5)) == 1)
        #expect(parameter.unitPosition(of: .double(-5)) == 0)
    }

    @Test func steppedDoubleSnapsToItsLattice() throws {
        let parameter = ParameterSpec.double("dropout", min: 0, max: 1, step: 0.3)
        #expect(parameter.cardinality == 4)
        #expect(parameter.value(atUnit: 0) == .double(0))
        let inner = try #require(parameter.value(atUnit: 0.32).doubleValue)
        #expect(abs(inner - 0.3) < 1e-12)
        // 1.0 is not on the lattice 0, 0.3, 0.6, 0.9: the top of the range maps to the last lattice point.
        let top = try #require(parameter.value(atUnit: 1).doubleValue)
        #expect(abs(top - 0.9) < 1e-12)
    }

    @Test func everyIntegerRoundTripsAndTheEndsAreReached() throws {
        for parameter in [ParameterSpec.integer("a", min: -3, max: 7), .integer("b", min: 1, max: 100, scale: .log),
                          .integer("c", min: 8, max: 512, step: 8, scale: .log), .integer("d", min: 0, max: 10, step: 5)] {
            guard case .integer(let low, let high, let step, _) = parameter.domain else { continue }
            for value in stride(from: low, through: high, by: step) {
                let u = try #require(parameter.unitPosition(of: .integer(value)))
                #expect(u >= 0 && u <= 1)
                #expect(parameter.value(atUnit: u) == .integer(value), "\(parameter.name) = \(value)")
            }
            #expect(parameter.value(atUnit: 0) == .integer(low))
            #expect(parameter.value(atUnit: 1) == .integer(high - (high - low) % step))
        }
    }

    @Test func integerEndpointsAreDrawnAsOftenAsInteriorValues() {
        let parameter = ParameterSpec.integer("layers", min: 1, max: 4)
        var counts: [Int: Int] = [:]
        let draws = 10_000
        for index in 0..<draws {
            if case .integer(let value) = parameter.value(atUnit: (Double(index) + 0.5) / Double(draws)) {
                counts[value, default: 0] += 1
            }
        }
        #expect(counts.keys.sorted() == [1, 2, 3, 4])
        #expect(counts.values.allSatisfy { abs($0 - draws / 4) <= 1 }, "\(counts)")
    }

    @Test func discreteValuesSitAtTheirCellCentres() throws {
        let batch = ParameterSpec.discrete("batch", [16, 32, 64, 128])
        for value in [16.0, 32, 64, 128] {
            let u = try #require(batch.unitPosition(of: .double(value)))
            #expect(batch.value(atUnit: u) == .double(value))
        }
        #expect(batch.unitPosition(of: .double(16)) == 0.125)
        #expect(batch.unitPosition(of: .integer(64)) == 0.625)
        #expect(batch.unitPosition(of: .double(48)) == nil)
        #expect(batch.value(atUnit: 1) == .double(128))
    }

    @Test func unitPointNeedsEveryParameterWithItsOwnType() {
        let space = SearchSpace([.double("x", min: 0, max: 1), .integer("layers", min: 1, max: 4),
                                 .categorical("optimizer", ["sgd", "adam"])])
        var assignment = space.assignment(atUnit: [0.5, 0.5, 0.5])
        #expect(space.unitPoint(of: assignment) != nil)
        assignment["layers"] = nil
        #expect(space.unitPoint(of: assignment) == nil)
        assignment["layers"] = .string("three")
        #expect(space.unitPoint(of: assignment) == nil)
    }
}
