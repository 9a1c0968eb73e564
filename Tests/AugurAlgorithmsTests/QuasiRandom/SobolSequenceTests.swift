import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct SobolSequenceTests {
    @Test func firstPointsMatchTheClassicSequence() throws {
        let sobol = try SobolSequence(dimensions: 3, seed: 0, scrambled: false)
        #expect(sobol.point(at: 0) == [0, 0, 0])
        #expect(sobol.point(at: 1) == [0.5, 0.5, 0.5])
        #expect(sobol.point(at: 2) == [0.75, 0.25, 0.25])
        #expect(sobol.point(at: 3) == [0.25, 0.75, 0.75])
        #expect(sobol.point(at: 8) == [0.1875, 0.3125, 0.9375])
    }

    /// Reference values from SciPy's `qmc.Sobol(d=1024, scramble=False, bits=32)`, which reads the same Joe–Kuo file.
    @Test(arguments: [
        (UInt64(1_000), [943_718_400, 415_236_096, 2_227_175_424, 297_795_584, 2_059_403_264, 801_112_064, 3_066_036_224]),
        (UInt64(123_457), [2_261_286_912, 2_932_375_552, 3_467_149_312, 3_217_195_008, 3_740_827_648, 1_828_683_776, 4_067_196_928]),
    ])
    func matchesSciPyAcrossTheTable(index: UInt64, expected: [UInt64]) throws {
        let sobol = try SobolSequence(dimensions: 1_024, seed: 0, scrambled: false)
        let point = sobol.point(at: index)
        let dimensions = [0, 1, 2, 9, 39, 99, 1_023]
        #expect(dimensions.map { UInt64(point[$0] * 0x1p32) } == expected)
    }

    /// The first 2^k points put exactly one point in each slab of width 2^-k along every coordinate, scrambled or not.
    @Test(arguments: [false, true])
    func oneDimensionalProjectionsAreStratified(scrambled: Bool) throws {
        let dimensions = 40
        let sobol = try SobolSequence(dimensions: dimensions, seed: 77, scrambled: scrambled)
        for k in [4, 8, 10] {
            let count = 1 << k
            let points = (0..<count).map { sobol.point(at: UInt64($0)) }
            for dimension in 0..<dimensions {
                let slabs = Set(points.map { Int($0[dimension] * Double(count)) })
                #expect(slabs.count == count, "dimension \(dimension), 2^\(k) points")
            }
        }
    }

    /// Coordinates 1 and 2 form a (0, m, 2)-net: 4^m points fill each 2^-m × 2^-m square once.
    @Test(arguments: [false, true])
    func firstTwoCoordinatesFormANet(scrambled: Bool) throws {
        let sobol = try SobolSequence(dimensions: 2, seed: 5, scrambled: scrambled)
        let side = 16
        let boxes = Set((0..<side * side).map { index in
            let point = sobol.point(at: UInt64(index))
            return Int(point[0] * Double(side)) * side + Int(point[1] * Double(side))
        })
        #expect(boxes.count == side * side)
    }

    @Test func scramblingDependsOnTheSeed() throws {
        let a = try SobolSequence(dimensions: 4, seed: 1)
        let b = try SobolSequence(dimensions: 4, seed: 2)
        let again = try SobolSequence(dimensions: 4, seed: 1)
        #expect(a.point(at: 5) == again.point(at: 5))
        #expect(a.point(at: 5) != b.point(at: 5))
        #expect(a.point(at: 0) != [0, 0, 0, 0])
    }

    @Test func coversTheWholeTableAndNoMore() throws {
        #expect(try SobolSequence(dimensions: SobolSequence.maximumDimensions, seed: 1).dimensions == 1_024)
        #expect(throws: DesignerError.tooManyDimensions(sequence: .sobol, dimensions: 1_025, maximum: 1_024)) {
            try SobolSequence(dimensions: 1_025, seed: 1)
        }
    }
}
