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
