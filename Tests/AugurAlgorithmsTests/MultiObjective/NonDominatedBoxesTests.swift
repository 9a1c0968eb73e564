import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct NonDominatedBoxesTests {
    /// Random points in `dimensions` objectives, on a coarse lattice when `coarse` (ties in some coordinates).
    static func points(_ count: Int, dimensions: Int, coarse: Bool, generator: inout SeededGenerator) -> [[Double]] {
        (0..<count).map { _ in (0..<dimensions).map { _ in coarse ? Double(Int(generator.nextUnit() * 6)) / 6 : generator.nextUnit() } }
    }

    /// The boxes tile the region the front does not dominate: clipped to an upper corner `u`, their volumes add up to
    /// the volume of `[r, u]` less the front's hypervolume, and no two of them overlap.
    @Test(arguments: 0..<24)
    func boxesTileTheRegionTheFrontDoesNotDominate(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 23)
        let dimensions = 2 + seed % 3
        let front = Self.points(1 + generator.nextIndex(below: 40), dimensions: dimensions, coarse: seed % 2 == 0, generator: &generator)
        let reference = [Double](repeating: 0.05, count: dimensions)
        let corner = [Double](repeating: 1.2, count: dimensions)
        let boxes = NonDominatedBoxes(front: front, reference: reference)
        var clipped = 0.0
        for box in 0..<boxes.count {
            #expect(zip(boxes.lower[box], boxes.upper[box]).allSatisfy { $0 < $1 })
            clipped += (0..<dimensions).reduce(1.0) { $0 * max(0, min(boxes.upper[box][$1], corner[$1]) - boxes.lower[box][$1]) }
            for other in 0..<box {
                let overlap = (0..<dimensions).allSatisfy { k in
                    min(boxes.upper[box][k], boxes.upper[other][k]) > max(boxes.lower[box][k], boxes.lower[other][k])
                }
                #expect(!overlap, "boxes \(other) and \(box) overlap")
            }
        }
        let expected = pow(1.15, Double(dimensions)) - Hypervolume.of(front, reference: reference)
        #expect(abs(clipped - expected) <= 1e-12 * max(1, expected))
    }

    /// Two objectives give one box per front point plus one; three give O(f), not O(f²), boxes.
    @Test func boxCountsGrowLinearlyWithTheFront() {
        let arc2 = (0..<30).map { i -> [Double] in let t = (Double(i) + 0.5) / 30 * .pi / 2; return [cos(t), sin(t)] }
        #expect(NonDominatedBoxes(front: arc2, reference: [0, 0]).count == 31)
        var generator = SeededGenerator(seed: 5)
        let sphere = (0..<60).map { _ -> [Double] in
            let v = (0..<3).map { _ in abs(generator.nextGaussian()) + 1e-9 }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
        let boxes = NonDominatedBoxes(front: sphere, reference: [0, 0, 0])
        #expect(boxes.count <= 4 * sphere.count + 1, "\(boxes.count) boxes for 60 points")
    }

    /// The improvement over the boxes is the hypervolume a point adds: HV(front ∪ {y}) − HV(front), also for points
    /// below the reference in some coordinate and points the front dominates.
    @Test(arguments: [2, 3, 4])
    func improvementIsTheHypervolumeAdded(dimensions: Int) {
        var generator = SeededGenerator(seed: UInt64(dimensions), stream: 29)
        let reference = [Double](repeating: 0, count: dimensions)
        for _ in 0..<200 {
            let front = Self.points(1 + generator.nextIndex(below: 12), dimensions: dimensions, coarse: false, generator: &generator)
            let boxes = NonDominatedBoxes(front: front, reference: reference)
            let candidate = (0..<dimensions).map { _ in generator.nextUnit() * 1.2 - 0.1 }
            let expected = Hypervolume.of(front + [candidate], reference: reference) - Hypervolume.of(front, reference: reference)
            #expect(abs(boxes.improvement(of: candidate) - expected) < 1e-12, "\(candidate) against \(front)")
        }
    }

    /// The closed-form expectation is the improvement of the means when the deviations vanish, and agrees with a
    /// Monte-Carlo average of the improvement over Gaussian draws (within four standard errors).
    @Test(arguments: [2, 3])
    func expectedImprovementMatchesItsDefinition(dimensions: Int) {
        var generator = SeededGenerator(seed: UInt64(dimensions), stream: 31)
        let reference = [Double](repeating: 0, count: dimensions)
        for _ in 0..<6 {
            let front = Self.points(2 + generator.nextIndex(below: 15), dimensions: dimensions, coarse: false, generator: &generator)
            let boxes = NonDominatedBoxes(front: front, reference: reference)
            let means = (0..<dimensions).map { _ in 0.3 + 0.6 * generator.nextUnit() }
            let zero = [Double](repeating: 0, count: dimensions)
            #expect(abs(boxes.expectedImprovement(means: means, deviations: zero) - boxes.improvement(of: means)) < 1e-15)
            let deviations = (0..<dimensions).map { _ in 0.05 + 0.25 * generator.nextUnit() }
            let draws = 20_000
            var sum = 0.0, squares = 0.0
            for _ in 0..<draws {
                let sample = (0..<dimensions).map { means[$0] + deviations[$0] * generator.nextGaussian() }
                let value = boxes.improvement(of: sample)
                sum += value
                squares += value * value
            }
            let average = sum / Double(draws)
            let standardError = ((squares / Double(draws) - average * average) / Double(draws)).squareRoot()
            let exact = boxes.expectedImprovement(means: means, deviations: deviations)
            #expect(abs(exact - average) <= 4 * standardError + 1e-12, "exact \(exact), Monte Carlo \(average) ± \(standardError)")
        }
    }

    @Test func emptyFrontLeavesTheWholeOrthant() {
        let boxes = NonDominatedBoxes(front: [[-1, 5]], reference: [0, 0])
        #expect(boxes.count == 1)
        #expect(boxes.improvement(of: [2, 3]) == 6)
    }
}
