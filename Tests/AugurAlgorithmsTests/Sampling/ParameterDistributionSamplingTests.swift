import AugurAlgorithms
import AugurCore
import Foundation
import Testing

/// Katib's `normal` and `logNormal` distributions, as random and quasi-random search draw them: mean at the middle
/// of the range, σ a sixth of it (in the logarithm for `logNormal`), truncated to `[min, max]`.
@Suite struct ParameterDistributionSamplingTests {
    @Test func uniformLeavesTheDrawAlone() {
        for u in [0, 0.1, 0.5, 0.99, 1.0] {
            #expect(ParameterDistribution.uniform.unitCoordinate(forUniform: u) == u)
        }
    }

    @Test func normalIsATruncatedNormalAroundTheMiddle() {
        let normal = ParameterDistribution.normal
        #expect(abs(normal.unitCoordinate(forUniform: 0.5) - 0.5) < 1e-9)
        #expect(normal.unitCoordinate(forUniform: 0) == 0)
        #expect(normal.unitCoordinate(forUniform: 1) == 1)
        // Φ(1) ≈ 0.8413 of the mass lies below μ + σ; truncation at ±3σ moves it by less than 0.002.
        let oneSigma = normal.unitCoordinate(forUniform: 0.8413)
        #expect(abs(oneSigma - (0.5 + 1.0 / 6)) < 0.002)
        let draws = stride(from: 0.0, through: 1.0, by: 0.001).map { normal.unitCoordinate(forUniform: $0) }
        #expect(zip(draws, draws.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test func randomSearchDrawsKatibsNormalAndLogNormal() throws {
        let space = SearchSpace([
            .double("lr", min: 0.01, max: 0.05, distribution: .normal),
            .double("decay", min: 1e-4, max: 1, scale: .log, distribution: .normal),
        ])
        let designer = try RandomDesigner(searchSpace: space, seed: 3)
        let suggestions = try designer.suggest(DesignRequest(count: 4_000, trialCount: 0))
        let lr = suggestions.compactMap { $0["lr"]?.doubleValue }
        let logDecay = suggestions.compactMap { $0["decay"]?.doubleValue }.map(log10)
        #expect(lr.allSatisfy { $0 >= 0.01 && $0 <= 0.05 })
        #expect(logDecay.allSatisfy { $0 >= -4 && $0 <= 0 })
        func meanAndDeviation(_ values: [Double]) -> (Double, Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            return (mean, variance.squareRoot())
        }
        let (lrMean, lrDeviation) = meanAndDeviation(lr)
        #expect(abs(lrMean - 0.03) < 0.0005)
        #expect(abs(lrDeviation - 0.04 / 6) < 0.0005)
        let (decayMean, decayDeviation) = meanAndDeviation(logDecay)
        #expect(abs(decayMean + 2) < 0.05)
        #expect(abs(decayDeviation - 4.0 / 6) < 0.05)
        #expect(try RandomDesigner(searchSpace: space, seed: 3).suggest(DesignRequest(count: 5, trialCount: 0))
            == Array(suggestions.prefix(5)))
    }

    @Test func quasiRandomSearchKeepsIntegersOnTheirLattice() throws {
        let space = SearchSpace([.integer("batch", min: 32, max: 64, scale: .log, distribution: .normal)])
        let designer = try QuasiRandomDesigner(searchSpace: space, sequence: .sobol, seed: 1)
        let values = try designer.suggest(DesignRequest(count: 512, trialCount: 0)).compactMap { $0["batch"]?.doubleValue }
        #expect(values.allSatisfy { $0 >= 32 && $0 <= 64 && $0 == $0.rounded() })
        let middle = values.filter { abs(log2($0) - 5.5) < 0.25 }.count
        let edges = values.filter { abs(log2($0) - 5.5) > 0.4 }.count
        #expect(middle > 3 * edges)
    }
}
