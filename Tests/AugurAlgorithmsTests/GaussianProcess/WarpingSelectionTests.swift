import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// Choosing the output warping from the study's own data (``GaussianProcessDesigner/SearchOptions/warpingSelection``):
/// the warped GP's evidence for the raw values, log-Jacobian included.
@Suite struct WarpingSelectionTests {
    /// `count` points in the unit square and a smooth random function there (a sum of random cosines, like a draw
    /// from a GP with a lengthscale of about 0.3), deterministic in `seed`.
    static func smoothSample(count: Int, seed: UInt64) -> (points: Matrix, values: [Double]) {
        var generator = SeededGenerator(seed: seed)
        let waves = (0..<12).map { _ in
            (weight: generator.nextGaussian(), frequency: [3 * generator.nextGaussian(), 3 * generator.nextGaussian()],
             phase: 2 * Double.pi * generator.nextUnit())
        }
        var points = Matrix(rows: count, columns: 2)
        var values: [Double] = []
        for i in 0..<count {
            let x = [generator.nextUnit(), generator.nextUnit()]
            points[i, 0] = x[0]
            points[i, 1] = x[1]
            values.append(waves.reduce(0) { $0 + $1.weight * Foundation.cos($1.frequency[0] * x[0] + $1.frequency[1] * x[1] + $1.phase) }
                          / Double(waves.count).squareRoot())
        }
        return (points, values)
    }

    /// The evidence of each warping of `raw`, each fitted as the designer fits it (default start and its budget).
    static func evidences(points: Matrix, raw: [Double], warpings: [OutputWarping]) throws -> [Double] {
        let prior = HyperparameterPrior(dimensions: points.columns)
        return try warpings.map { warping in
            let warped = OutputWarper(warping: warping).warp(raw)
            let model = try GaussianProcessModel.fit(points: points, values: warped, prior: prior, starts: [prior.defaultStart],
                                                     options: GaussianProcessDesigner.fullRefitOptions)
            return GaussianProcessDesigner.warpedEvidence(points: points, raw: raw, warped: warped,
                                                          theta: model.hyperparameters.vector, prior: prior)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func aPlainGaussianSampleSelectsStandardization(seed: UInt64) throws {
        let sample = Self.smoothSample(count: 60, seed: seed)
        let evidence = try Self.evidences(points: sample.points, raw: sample.values, warpings: [.vizier, .standardize])
        #expect(evidence[1] > evidence[0], "vizier \(evidence[0]), standardize \(evidence[1])")
    }

    /// Larger is better: `−exp(−6f)` has the long bad tail of a diverging run, which the half-rank is made for. The
    /// evidence prefers the Vizier warping on 4 of these 5 samples, not all: on seed 5 (and with the milder `−exp(−3f)`
    /// on seeds 2 and 5 too) standardization with a short lengthscale scores higher. That unreliability is one reason
    /// the criterion did not choose well on the benchmark (docs/algorithms.md, "Round 2: the output warping chosen").
    @Test func aSampleWithALongBadTailMostlySelectsTheVizierWarping() throws {
        var preferred: [UInt64] = []
        for seed in UInt64(1)...5 {
            let sample = Self.smoothSample(count: 60, seed: seed)
            let raw = sample.values.map { -Foundation.exp(-6 * $0) }
            let evidence = try Self.evidences(points: sample.points, raw: raw, warpings: [.vizier, .standardize])
            if evidence[0] > evidence[1] { preferred.append(seed) }
        }
        #expect(preferred == [1, 2, 3, 4])
    }

    @Test func standardizationsLogJacobianIsMinusNLogSigmaUpToTheSharedConstant() {
        let raw = [3.0, -1.5, 0.25, 8.0, 2.0, 2.0, -4.0]
        let n = Double(raw.count)
        let mean = raw.reduce(0, +) / n
        let sigma = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        let largest = raw.map(abs).max() ?? 1
        let expected = n * Foundation.log(largest / sigma)
        let warped = OutputWarper(warping: .standardize).warp(raw)
        #expect(abs(OutputWarper.logJacobian(raw: raw, warped: warped) - expected) < 1e-9)
        // Scaling the raw values moves every warping's log-Jacobian by the same constant, here none at all.
        let scaled = raw.map { $0 * 1e200 }
        #expect(abs(OutputWarper.logJacobian(raw: scaled, warped: OutputWarper(warping: .standardize).warp(scaled)) - expected) < 1e-9)
    }

    @Test(arguments: OutputWarping.allCases)
    func theLogJacobianIsFiniteAndIgnoresOrder(warping: OutputWarping) {
        var generator = SeededGenerator(seed: 77)
        for round in 0..<50 {
            let raw = OutputWarperTests.randomValues(&generator, round: round)
            let warped = OutputWarper(warping: warping).warp(raw)
            let value = OutputWarper.logJacobian(raw: raw, warped: warped)
            #expect(value.isFinite)
            let order = raw.indices.reversed()
            #expect(abs(OutputWarper.logJacobian(raw: order.map { raw[$0] }, warped: order.map { warped[$0] }) - value) <= 1e-9 * Swift.max(1, abs(value)))
        }
        #expect(OutputWarper.logJacobian(raw: [1, 1, 1], warped: [0, 0, 0]) == 0)
        #expect(OutputWarper.logJacobian(raw: [], warped: []) == 0)
    }

    @Test(arguments: [1e-6, 1e-2])
    func leaveOneOutMeansArePredictionsOfTheModelWithoutThePoint(noiseVariance: Double) throws {
        let sample = Self.smoothSample(count: 25, seed: 11)
        let warped = OutputWarper(warping: .standardize).warp(sample.values)
        let hyperparameters = GaussianProcessHyperparameters(logLengthscales: [Foundation.log(0.3), Foundation.log(0.4)], logSignalVariance: 0.2,
                                                             logNoiseVariance: Foundation.log(noiseVariance), mean: 0.1)
        let model = try GaussianProcessModel(points: sample.points, values: warped, hyperparameters: hyperparameters)
        let means = GaussianProcessDesigner.leaveOneOutMeans(model)
        for left in [0, 7, 24] {
            let kept = (0..<25).filter { $0 != left }
            var points = Matrix(rows: 24, columns: 2)
            for (row, i) in kept.enumerated() {
                points[row, 0] = sample.points[i, 0]
                points[row, 1] = sample.points[i, 1]
            }
            let without = try GaussianProcessModel(points: points, values: kept.map { warped[$0] }, hyperparameters: hyperparameters)
            var query = Matrix(rows: 1, columns: 2)
            query[0, 0] = sample.points[left, 0]
            query[0, 1] = sample.points[left, 1]
            #expect(abs(without.predict(query).mean[0] - means[left]) < 1e-6)
        }
    }

    @Test func rankAgreementIsHighForASmoothFunctionAndLowForNoise() throws {
        let sample = Self.smoothSample(count: 60, seed: 3)
        var generator = SeededGenerator(seed: 5)
        let noise = sample.values.map { _ in generator.nextGaussian() }
        let prior = HyperparameterPrior(dimensions: 2)
        func agreement(_ raw: [Double]) throws -> Double {
            let warped = OutputWarper(warping: .standardize).warp(raw)
            let model = try GaussianProcessModel.fit(points: sample.points, values: warped, prior: prior, starts: [prior.defaultStart],
                                                     options: GaussianProcessDesigner.fullRefitOptions)
            return GaussianProcessDesigner.leaveOneOutRankAgreement(model, raw: raw)
        }
        #expect(try agreement(sample.values) > 0.5)
        #expect(abs(try agreement(noise)) < 0.3)
    }

    @Test func theFirstOfEqualEvidencesWinsAndNonFiniteOnesLose() {
        #expect(GaussianProcessDesigner.mostEvident([("a", 1.0), ("b", 1.0)]) == "a")
        #expect(GaussianProcessDesigner.mostEvident([("a", -Double.infinity), ("b", -5)]) == "b")
        #expect(GaussianProcessDesigner.mostEvident([("a", Double.nan), ("b", -5)]) == "b")
        #expect(GaussianProcessDesigner.mostEvident([(String, Double)]()) == nil)
    }
}
