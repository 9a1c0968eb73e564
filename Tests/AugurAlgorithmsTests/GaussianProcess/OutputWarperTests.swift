import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct OutputWarperTests {
    @Test func preservesOrderAndStandardizes() {
        let values = [0.3, -2.0, 5.0, 1.0, 0.9, -40.0, 2.5]
        let warped = OutputWarper().warp(values)
        for i in values.indices {
            for j in values.indices where values[i] < values[j] {
                #expect(warped[i] < warped[j])
            }
        }
        let mean = warped.reduce(0, +) / Double(warped.count)
        let variance = warped.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(warped.count)
        #expect(abs(mean) < 1e-12)
        #expect(abs(variance - 1) < 1e-12)
    }

    @Test func tamesAnOutlierOnTheBadSide() {
        let regular = (0..<20).map { Double($0) / 10 }
        let withOutlier = regular + [-1e9]
        let warped = OutputWarper().warp(withOutlier)
        // Without warping the outlier would sit ~4.5 standard deviations out and squash every other value to one point.
        #expect(warped[20] > -4)
        let spread = warped[19] - warped[0]
        #expect(spread > 1)
    }

    @Test func equalValuesWarpToZero() {
        #expect(OutputWarper().warp([2, 2, 2]) == [0, 0, 0])
        #expect(OutputWarper().warp([]) == [])
    }

    // MARK: Every warping (`OutputWarping`)

    static func randomValues(_ generator: inout SeededGenerator, round: Int) -> [Double] {
        let scale: Double = Foundation.pow(10, Double(round % 7 - 3))
        var values: [Double] = []
        for _ in 0..<(2 + round % 40) {
            // A heavy left tail now and then, like a diverged run.
            let diverged = generator.nextUnit() < 0.1
            values.append(diverged ? -scale * 1e6 * generator.nextUnit() : scale * generator.nextGaussian())
        }
        return values
    }

    @Test(arguments: OutputWarping.allCases)
    func everyWarpingPreservesOrderAndStandardizes(warping: OutputWarping) {
        var generator = SeededGenerator(seed: 21)
        for round in 0..<100 {
            let values = Self.randomValues(&generator, round: round)
            let warped = OutputWarper(warping: warping).warp(values)
            #expect(warped.count == values.count)
            #expect(warped.allSatisfy { $0.isFinite })
            for i in values.indices {
                for j in values.indices where values[i] < values[j] {
                    #expect(warped[i] <= warped[j])
                }
                for j in values.indices where values[i] == values[j] {
                    #expect(warped[i] == warped[j])
                }
            }
            guard let best = values.indices.max(by: { values[$0] < values[$1] }), let worst = values.indices.min(by: { values[$0] < values[$1] }),
                  values[best] > values[worst] else { continue }
            #expect(warped[best] > warped[worst])
            let mean = warped.reduce(0, +) / Double(warped.count)
            let variance = warped.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(warped.count)
            #expect(abs(mean) < 1e-9)
            #expect(abs(variance - 1) < 1e-9)
        }
    }

    @Test(arguments: OutputWarping.allCases)
    func everyWarpingIsDeterministicAndIgnoresTheOrderOfTheValues(warping: OutputWarping) {
        var generator = SeededGenerator(seed: 22)
        for round in 0..<50 {
            let values = Self.randomValues(&generator, round: round)
            let warper = OutputWarper(warping: warping)
            let warped = warper.warp(values)
            #expect(warper.warp(values) == warped)
            let permutation = Array(values.indices.reversed())
            let permutedWarped = warper.warp(permutation.map { values[$0] })
            for (position, index) in permutation.enumerated() {
                #expect(abs(permutedWarped[position] - warped[index]) < 1e-9)
            }
        }
    }

    @Test(arguments: OutputWarping.allCases)
    func everyWarpingStaysFiniteOnHugeValuesAndIgnoresTheScale(warping: OutputWarping) {
        let warper = OutputWarper(warping: warping)
        let huge = [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, 0, 1, -5e307, 1e308, -1e308]
        let warped = warper.warp(huge)
        #expect(warped.allSatisfy { $0.isFinite })
        for i in huge.indices {
            for j in huge.indices where huge[i] < huge[j] { #expect(warped[i] <= warped[j]) }
        }
        #expect(warped[0] > warped[1])
        // Positive scales do not change the warped values: here by 2⁶⁰⁰ (past the point where squares would overflow).
        let values = [0.3, -2.0, 5.0, 1.0, 0.9, -40.0, 2.5]
        let scaled = warper.warp(values.map { $0 * 0x1p600 })
        for (a, b) in zip(warper.warp(values), scaled) { #expect(abs(a - b) < 1e-12) }
    }

    @Test func standardizeIsAffineAndHalfRankKeepsTheUpperHalfAffine() {
        let values = [0.3, -2.0, 5.0, 1.0, 0.9, -40.0, 2.5, 1.7, -3.0]
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        for (warped, value) in zip(OutputWarper(warping: .standardize).warp(values), values) {
            #expect(abs(warped - (value - mean) / deviation) < 1e-12)
        }
        // At or above the median (0.9) half-rank keeps the values, so their warped differences keep their ratios.
        let halfRank = OutputWarper(warping: .halfRank).warp(values)
        let ratio = (halfRank[2] - halfRank[3]) / (values[2] - values[3])
        for i in values.indices where values[i] > 1 {
            #expect(abs((halfRank[i] - halfRank[3]) - ratio * (values[i] - 1)) < 1e-12)
        }
        // The log warp stretches the best values: the vizier warping puts the best two further apart than half-rank.
        let vizier = OutputWarper(warping: .vizier).warp(values)
        #expect(vizier[2] - vizier[6] > halfRank[2] - halfRank[6])
    }

    /// Shekel-like values: a flat plateau and two far better wells. The root-mean-square spread of the upper half is
    /// the wells' and spreads the plateau's bad half over several units; the robust spread keeps it flat.
    @Test func aRobustSpreadKeepsAPlateauFlatBesideFarBetterValues() {
        var generator = SeededGenerator(seed: 23)
        let plateau = (0..<40).map { _ in 0.3 + 0.05 * generator.nextUnit() }
        let values = plateau + [6, 9]
        let vizier = OutputWarper(warping: .vizier).warp(values)
        let robust = OutputWarper(warping: .robustHalfRank).warp(values)
        func plateauWidth(_ warped: [Double]) -> Double { (warped.prefix(40).max() ?? 0) - (warped.prefix(40).min() ?? 0) }
        #expect(plateauWidth(robust) < 0.2)
        #expect(plateauWidth(vizier) > 1)
        // Without such outliers the two spreads agree roughly and so do the warpings.
        let gaussian = (0..<200).map { _ in generator.nextGaussian() }
        for (a, b) in zip(OutputWarper(warping: .vizier).warp(gaussian), OutputWarper(warping: .robustHalfRank).warp(gaussian)) {
            #expect(abs(a - b) < 0.25)
        }
    }

    @Test func byShapeStandardizesAPlateauWithFarBetterValuesAndWarpsALongBadTail() {
        var generator = SeededGenerator(seed: 24)
        let plateau = (0..<40).map { _ in 0.3 + 0.05 * generator.nextUnit() } + [6, 9]
        #expect(OutputWarper(warping: .byShape).warp(plateau) == OutputWarper(warping: .standardize).warp(plateau))
        let badTail = (0..<20).map { Double($0) / 10 } + [-1e9, -50, -30]
        #expect(OutputWarper(warping: .byShape).warp(badTail) == OutputWarper(warping: .vizier).warp(badTail))
    }

    @Test func theOutlierTamingComesFromTheHalfRank() {
        let withOutlier = (0..<20).map { Double($0) / 10 } + [-1e9]
        #expect(OutputWarper(warping: .halfRank).warp(withOutlier)[20] > -4)
        // Standardization alone squashes the other values together, which is what the half-rank is there to prevent.
        let standardized = OutputWarper(warping: .standardize).warp(withOutlier)
        #expect(standardized[19] - standardized[0] < 1e-6)
    }
}

@Suite struct NormalDistributionTests {
    @Test(arguments: [0.001, 0.02, 0.2, 0.5, 0.8, 0.975, 0.9999])
    func quantileInvertsTheDistribution(p: Double) {
        #expect(abs(NormalDistribution.cumulative(NormalDistribution.quantile(p)) - p) < 1e-8 * max(p, 1e-3) * 100)
    }

    @Test(arguments: [3.0, 0.5, 0.0, -0.99, -1.0, -2.5, -10.0, -30.0])
    func logExpectedImprovementMatchesTheDirectFormula(z: Double) {
        let direct = log(NormalDistribution.density(z) + z * NormalDistribution.cumulative(z))
        let (value, derivative) = NormalDistribution.logExpectedImprovementFactor(z)
        #expect(abs(value - direct) < 1e-8 * max(1, abs(direct)))
        let step = 1e-5
        let numeric = (NormalDistribution.logExpectedImprovementFactor(z + step).value - NormalDistribution.logExpectedImprovementFactor(z - step).value) / (2 * step)
        #expect(abs(numeric - derivative) < 1e-5 * max(1, abs(derivative)))
    }

    @Test func logExpectedImprovementStaysFiniteAndMonotoneFarBelowTheIncumbent() {
        var previous = -Double.infinity
        for z in stride(from: -1e4, through: 2, by: 7.3) {
            let (value, derivative) = NormalDistribution.logExpectedImprovementFactor(z)
            #expect(value.isFinite && derivative > 0)
            #expect(value > previous)
            previous = value
        }
        // Around z = -40 the plain formula has underflowed to log(0) = -inf; the stable one is about -z²/2.
        let deep = NormalDistribution.logExpectedImprovementFactor(-40).value
        #expect(abs(deep - (-800 - 0.5 * log(2 * Double.pi) - 2 * log(40.0))) < 0.01)
    }

    @Test func logCumulativeIsAccurateInTheTail() {
        for z in [-0.5, -1.0, -3.0, -8.0] {
            #expect(abs(NormalDistribution.logCumulative(z).value - log(NormalDistribution.cumulative(z))) < 1e-9)
        }
        #expect(NormalDistribution.logCumulative(-100).value.isFinite)
    }
}
