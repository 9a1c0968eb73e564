import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct GaussianProcessModelTests {
    let hyperparameters = GaussianProcessHyperparameters(logLengthscales: [log(0.4)], logSignalVariance: log(2.0),
                                                         logNoiseVariance: log(0.01), mean: 0.3)

    func matern(_ r: Double) -> Double {
        let s = 5.0.squareRoot() * r / 0.4
        return 2 * (1 + s + s * s / 3) * exp(-s)
    }

    @Test func posteriorMatchesTheTwoPointClosedForm() throws {
        let x = [0.1, 0.7]
        let y = [1.0, -0.5]
        let model = try GaussianProcessModel(points: Matrix(rows: 2, columns: 1, elements: x), values: y, hyperparameters: hyperparameters)
        let query = 0.35
        // Explicit 2 × 2 inverse of K + σₙ² I.
        let a = 2 + 0.01, b = matern(0.6), determinant = a * a - b * b
        let inverse = [[a / determinant, -b / determinant], [-b / determinant, a / determinant]]
        let k = [matern(abs(query - x[0])), matern(abs(query - x[1]))]
        let residual = [y[0] - 0.3, y[1] - 0.3]
        var mean = 0.3
        var explained = 0.0
        for i in 0..<2 {
            for j in 0..<2 {
                mean += k[i] * inverse[i][j] * residual[j]
                explained += k[i] * inverse[i][j] * k[j]
            }
        }
        let prediction = model.predict(Matrix(rows: 1, columns: 1, elements: [query]))
        #expect(abs(prediction.mean[0] - mean) < 1e-12)
        #expect(abs(prediction.variance[0] - (2 - explained)) < 1e-12)
        let single = model.predictWithGradient(at: [query])
        #expect(abs(single.mean - mean) < 1e-12)
        #expect(abs(single.variance - (2 - explained)) < 1e-12)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        var generator = SeededGenerator(seed: 2)
        let points = Matrix(rows: 12, columns: 3, elements: (0..<36).map { _ in generator.nextUnit() })
        let values = (0..<12).map { _ in generator.nextGaussian() }
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: GaussianProcessHyperparameters(
            logLengthscales: [log(0.3), log(0.5), log(0.8)], logSignalVariance: 0, logNoiseVariance: log(1e-4), mean: 0))
        let point = [0.42, 0.13, 0.77]
        let prediction = model.predictWithGradient(at: point)
        for k in 0..<3 {
            var plus = point
            var minus = point
            plus[k] += 1e-6
            minus[k] -= 1e-6
            let meanDifference = (model.predictWithGradient(at: plus).mean - model.predictWithGradient(at: minus).mean) / 2e-6
            let varianceDifference = (model.predictWithGradient(at: plus).variance - model.predictWithGradient(at: minus).variance) / 2e-6
            #expect(abs(meanDifference - prediction.meanGradient[k]) < 1e-6 * max(1, abs(meanDifference)))
            #expect(abs(varianceDifference - prediction.varianceGradient[k]) < 1e-6 * max(1, abs(varianceDifference)))
        }
    }

    @Test func conditioningOnAFantasyEqualsRefitting() throws {
        let x = [0.1, 0.7, 0.9]
        let y = [1.0, -0.5, 0.2]
        let small = try GaussianProcessModel(points: Matrix(rows: 2, columns: 1, elements: Array(x.prefix(2))), values: Array(y.prefix(2)),
                                             hyperparameters: hyperparameters)
        let extended = small.conditioned(on: [x[2]], value: y[2])
        let full = try GaussianProcessModel(points: Matrix(rows: 3, columns: 1, elements: x), values: y, hyperparameters: hyperparameters)
        let queries = Matrix(rows: 3, columns: 1, elements: [0.0, 0.5, 0.95])
        let (extendedMean, extendedVariance) = extended.predict(queries)
        let (fullMean, fullVariance) = full.predict(queries)
        for j in 0..<3 {
            #expect(abs(extendedMean[j] - fullMean[j]) < 1e-10)
            #expect(abs(extendedVariance[j] - fullVariance[j]) < 1e-10)
        }
    }

    @Test func duplicatePointsDoNotBreakTheFactorization() throws {
        let hyperparameters = GaussianProcessHyperparameters(logLengthscales: [0], logSignalVariance: 0, logNoiseVariance: log(1e-7), mean: 0)
        let model = try GaussianProcessModel(points: Matrix(rows: 3, columns: 1, elements: [0.5, 0.5, 0.5]), values: [1, 1.1, 0.9],
                                             hyperparameters: hyperparameters)
        let prediction = model.predict(Matrix(rows: 1, columns: 1, elements: [0.5]))
        #expect(prediction.mean[0].isFinite)
        #expect(abs(prediction.mean[0] - 1) < 0.05)
    }

    /// The law behind incremental conditioning: a model extended by k points predicts what a model conditioned on all
    /// of them from scratch predicts, at any split.
    @Test(arguments: [(1, 1), (6, 1), (10, 5), (25, 12)])
    func appendingPointsEqualsConditioningAfresh(leading n: Int, appended k: Int) throws {
        var generator = SeededGenerator(seed: UInt64(100 * n + k))
        let d = 3
        let theta = GaussianProcessHyperparameters(logLengthscales: [log(0.3), log(0.5), log(0.8)], logSignalVariance: log(1.5),
                                                   logNoiseVariance: log(1e-4), mean: -0.2)
        let all = Matrix(rows: n + k, columns: d, elements: (0..<((n + k) * d)).map { _ in generator.nextUnit() })
        let values = (0..<(n + k)).map { _ in generator.nextGaussian() }
        var leading = Matrix(rows: n, columns: d)
        var added = Matrix(rows: k, columns: d)
        for column in 0..<d {
            for i in 0..<n { leading[i, column] = all[i, column] }
            for i in 0..<k { added[i, column] = all[n + i, column] }
        }
        // The leading model saw other values: appending replaces them all.
        let first = try GaussianProcessModel(points: leading, values: (0..<n).map { _ in generator.nextGaussian() }, hyperparameters: theta)
        let extended = try first.appending(points: added, values: values)
        let fresh = try GaussianProcessModel(points: all, values: values, hyperparameters: theta)
        let queries = Matrix(rows: 20, columns: d, elements: (0..<(20 * d)).map { _ in generator.nextUnit() })
        let (extendedMean, extendedVariance) = extended.predict(queries)
        let (freshMean, freshVariance) = fresh.predict(queries)
        for j in 0..<20 {
            #expect(abs(extendedMean[j] - freshMean[j]) < 1e-6)
            #expect(abs(extendedVariance[j] - freshVariance[j]) < 1e-6)
        }
        #expect(extended.points == all)
    }

    @Test func aPosteriorSampleIsSeededAndFollowsThePosterior() throws {
        let x = [0.1, 0.4, 0.7]
        let y = [1.0, -0.5, 0.2]
        let model = try GaussianProcessModel(points: Matrix(rows: 3, columns: 1, elements: x), values: y, hyperparameters: hyperparameters)
        let queries = Matrix(rows: 4, columns: 1, elements: [0.1, 0.4, 0.95, 0.96])
        var first = SeededGenerator(seed: 5)
        var second = SeededGenerator(seed: 5)
        let draw = try #require(model.posteriorSample(queries, using: &first))
        #expect(draw == model.posteriorSample(queries, using: &second))
        // Over many draws each coordinate has the posterior's mean and variance, and the two close queries move together.
        let (mean, variance) = model.predict(queries)
        var generator = SeededGenerator(seed: 6)
        let draws = (0..<2_000).compactMap { _ in model.posteriorSample(queries, using: &generator) }
        #expect(draws.count == 2_000)
        for j in 0..<4 {
            let average = draws.reduce(0) { $0 + $1[j] } / 2_000
            let spread = draws.reduce(0) { $0 + ($1[j] - average) * ($1[j] - average) } / 1_999
            #expect(abs(average - mean[j]) < 4 * (variance[j] / 2_000).squareRoot() + 1e-3)
            #expect(abs(spread - variance[j]) < 0.15 * variance[j] + 1e-3)
        }
        let apart = draws.reduce(0) { $0 + ($1[2] - $1[3]) * ($1[2] - $1[3]) } / 2_000
        #expect(apart < 0.05 * variance[2])
    }
}
