import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct HaltonSequenceTests {
    @Test func basesAreTheFirstPrimes() {
        #expect(HaltonSequence(dimensions: 10, seed: 0).bases == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29])
        #expect(HaltonSequence.primes(count: 1_000).last == 7_919)
    }

    @Test func unscrambledPointsAreRadicalInverses() {
        let halton = HaltonSequence(dimensions: 2, seed: 0, scrambled: false)
        #expect(halton.point(at: 0) == [0, 0])
        #expect(halton.point(at: 1) == [0.5, 1.0 / 3])
        #expect(halton.point(at: 2) == [0.25, 2.0 / 3])
        let fourth = halton.point(at: 4)
        #expect(fourth[0] == 0.125)
        #expect(abs(fourth[1] - 4.0 / 9) < 1e-15)
    }

    /// The first b^k points of coordinate j hit every interval of width b^-k once, scrambled or not.
    @Test(arguments: [false, true])
    func oneDimensionalProjectionsAreStratified(scrambled: Bool) {
        let halton = HaltonSequence(dimensions: 4, seed: 13, scrambled: scrambled)
        for (dimension, count) in [(0, 256), (1, 243), (2, 125), (3, 343)] {
            // Unscrambled points sit exactly on slab edges such as 81/243; allow for the rounding of 81 · (1/3)^5.
            let slabs = Set((0..<count).map { Int(halton.point(at: UInt64($0))[dimension] * Double(count) + 1e-9) })
            #expect(slabs.count == count, "dimension \(dimension)")
        }
    }

    @Test func scramblingDependsOnTheSeed() {
        let a = HaltonSequence(dimensions: 5, seed: 1)
        let b = HaltonSequence(dimensions: 5, seed: 2)
        #expect(a.point(at: 3) == HaltonSequence(dimensions: 5, seed: 1).point(at: 3))
        #expect(a.point(at: 3) != b.point(at: 3))
    }

    @Test func coordinatesStayInTheHalfOpenCube() {
        let halton = HaltonSequence(dimensions: 30, seed: 3)
        for index in [0, 1, 1_000, 1 << 40, UInt64.max] as [UInt64] {
            #expect(halton.point(at: index).allSatisfy { $0 >= 0 && $0 < 1 })
        }
    }
}
