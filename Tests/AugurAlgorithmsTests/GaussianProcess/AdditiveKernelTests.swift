import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The additive form of the Matérn-5/2 kernel (``Matern52Kernel/Form/additive``): its covariance, its likelihood's
/// gradient, its posterior's gradient, and what it is for, a separable function.
@Suite struct AdditiveKernelTests {
    static func randomPoints(count: Int, dimensions: Int, generator: inout SeededGenerator) -> Matrix {
        Matrix(rows: count, columns: dimensions, elements: (0..<(count * dimensions)).map { _ in generator.nextUnit() })
    }

    /// A separable function with two basins per coordinate, like Styblinski–Tang's.
    static func separable(_ point: [Double]) -> Double {
        point.reduce(0) { $0 + sin(7 * $1) + 0.5 * cos(3 * $1) }
    }

    let kernel = Matern52Kernel(lengthscales: [0.3, 1.2, 0.05, 4.0], signalVariance: 1.7, form: .additive)

    @Test func theCovarianceIsTheMeanOfOneDimensionalProfilesTimesTheVariance() {
        let a = Matrix(rows: 1, columns: 4, elements: [0.1, 0.9, 0.5, 0.0])
        let b = Matrix(rows: 1, columns: 4, elements: [0.4, 0.2, 0.52, 1.0])
        var expected = 0.0
        for k in 0..<4 {
            let s = 5.0.squareRoot() * abs(a[0, k] - b[0, k]) / kernel.lengthscales[k]
            expected += (1 + s + s * s / 3) * exp(-s)
        }
        expected *= 1.7 / 4
        #expect(abs(kernel.crossCovariance(a, b)[0, 0] - expected) < 1e-14)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func theCovarianceIsSymmetricPositiveSemidefiniteWithTheVarianceOnItsDiagonal(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let points = Self.randomPoints(count: 40, dimensions: 4, generator: &generator)
        let covariance = kernel.covariance(points)
        let cross = kernel.crossCovariance(points, points)
        for i in 0..<40 {
            #expect(abs(covariance[i, i] - 1.7) < 1e-12)
            for j in 0..<40 {
                #expect(covariance[i, j] == covariance[j, i])
                #expect(abs(covariance[i, j] - cross[i, j]) < 1e-12)
            }
        }
        for _ in 0..<20 {
            let vector = (0..<40).map { _ in generator.nextGaussian() }
            let image = covariance.multiplied(by: vector)
            let quadratic = zip(vector, image).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(quadratic >= -1e-9 * vector.reduce(0) { $0 + $1 * $1 })
        }
        var jittered = covariance
        jittered.addToDiagonal(1e-8)
        _ = try CholeskyFactor(jittered)
    }

    /// The symmetric covariance computes each pair once and mirrors it: the same bits as the cross-covariance, with the
    /// exponentials the likelihood's gradient reuses in the documented order, none past the limit.
    @Test func theSymmetricCovarianceIsTheCrossCovarianceToTheLastBitAndKeepsItsExponentials() {
        var generator = SeededGenerator(seed: 21)
        let scaled = kernel.scaled(Self.randomPoints(count: 30, dimensions: 4, generator: &generator))
        let cross = kernel.additiveCrossCovariance(scaledA: scaled, scaledB: scaled)
        let kept = kernel.additiveSymmetricCovariance(scaled: scaled, keepingExponentials: true)
        #expect(kept.covariance.elements == cross.elements)
        let exponentials = kept.exponentials ?? []
        #expect(exponentials.count == 4 * 30 * 29 / 2)
        var pair = 0
        for k in 0..<4 {
            for j in 0..<30 {
                for i in (j + 1)..<30 where pair < exponentials.count {
                    #expect(exponentials[pair] == exp(-5.0.squareRoot() * abs(scaled[i, k] - scaled[j, k])))
                    pair += 1
                }
            }
        }
        let limited = kernel.additiveSymmetricCovariance(scaled: scaled, keepingExponentials: true, limit: exponentials.count - 1)
        #expect(limited.exponentials == nil)
        #expect(limited.covariance.elements == cross.elements)
    }

    /// Reusing the covariance's exponentials in the gradient changes nothing: the value and gradient are the same bits
    /// as when the gradient computes them again.
    @Test func theLikelihoodIsTheSameWithAndWithoutTheKeptExponentials() {
        let (points, values) = MarginalLikelihoodTests.data(count: 25, dimensions: 3, seed: 12)
        let kept = MarginalLikelihood(points: points, values: values, prior: HyperparameterPrior(dimensions: 1), form: .additive)
        var computed = kept
        computed.exponentialsLimit = 0
        let theta = [-1.0, -0.5, 0.3, 0.2, -4.0, 0.1]
        var keptGradient = [Double](repeating: 0, count: theta.count)
        var computedGradient = keptGradient
        #expect(kept.negativeLogPosterior(theta, gradient: &keptGradient) == computed.negativeLogPosterior(theta, gradient: &computedGradient))
        #expect(keptGradient == computedGradient)
    }

    @Test(arguments: [
        [-1.0, -0.5, 0.3, 0.2, -4.0, 0.1],
        [0.5, -2.0, 1.0, -1.0, -1.0, -0.3],
        [-3.0, 1.0, -0.5, 1.5, -9.0, 0.7],
    ])
    func theLikelihoodGradientMatchesFiniteDifferences(theta: [Double]) {
        let (points, values) = MarginalLikelihoodTests.data(count: 25, dimensions: 3, seed: 11)
        let likelihood = MarginalLikelihood(points: points, values: values, prior: HyperparameterPrior(dimensions: 1), form: .additive)
        var gradient = [Double](repeating: 0, count: theta.count)
        let value = likelihood.negativeLogPosterior(theta, gradient: &gradient)
        #expect(value.isFinite)
        var scratch = gradient
        for k in 0..<theta.count {
            let step = 1e-6
            var plus = theta
            var minus = theta
            plus[k] += step
            minus[k] -= step
            let difference = (likelihood.negativeLogPosterior(plus, gradient: &scratch) - likelihood.negativeLogPosterior(minus, gradient: &scratch)) / (2 * step)
            #expect(abs(difference - gradient[k]) <= 1e-5 * max(1, abs(difference)), "∂/∂θ\(k): analytic \(gradient[k]) vs numeric \(difference)")
        }
    }

    /// With input warping the additive likelihood's gradient covers the warp's concentrations too.
    @Test(arguments: [
        [-1.0, -0.5, 0.3, 0.2, -4.0, 0.1, 0.3, -0.4, -0.2, 0.5],
        [0.5, -2.0, 1.0, -1.0, -1.0, -0.3, -0.8, 0.9, 0.1, 0.0],
    ])
    func theWarpedLikelihoodGradientMatchesFiniteDifferences(theta: [Double]) {
        let (points, values) = MarginalLikelihoodTests.data(count: 25, dimensions: 3, seed: 12)
        var prior = HyperparameterPrior(dimensions: 1)
        prior.warpedFeatures = [0, 2]
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior, form: .additive)
        var gradient = [Double](repeating: 0, count: theta.count)
        let value = likelihood.negativeLogPosterior(theta, gradient: &gradient)
        #expect(value.isFinite)
        var scratch = gradient
        for k in 0..<theta.count {
            let step = 1e-6
            var plus = theta
            var minus = theta
            plus[k] += step
            minus[k] -= step
            let difference = (likelihood.negativeLogPosterior(plus, gradient: &scratch) - likelihood.negativeLogPosterior(minus, gradient: &scratch)) / (2 * step)
            #expect(abs(difference - gradient[k]) <= 1e-5 * max(1, abs(difference)), "∂/∂θ\(k): analytic \(gradient[k]) vs numeric \(difference)")
        }
    }

    /// With input warping the additive model conditions on the warped inputs and its posterior gradient goes
    /// through the warp.
    @Test func theWarpedPosteriorGradientMatchesFiniteDifferencesAndTheBatchedPrediction() throws {
        var generator = SeededGenerator(seed: 6)
        let points = Self.randomPoints(count: 30, dimensions: 3, generator: &generator)
        let values = (0..<30).map { Self.separable(points.row($0) + [0.5]) }
        let hyperparameters = GaussianProcessHyperparameters(vector: [log(0.3), log(0.6), log(0.2), 0.3, log(1e-4), 0.1, 0.4, -0.3, -0.5, 0.2],
                                                             warpedFeatures: [0, 1])
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: hyperparameters, form: .additive)
        for _ in 0..<5 {
            let point = (0..<3).map { _ in 0.05 + 0.9 * generator.nextUnit() }
            let single = model.predictWithGradient(at: point)
            let batched = model.predict(Matrix(rows: 1, columns: 3, elements: point))
            #expect(abs(single.mean - batched.mean[0]) < 1e-10)
            #expect(abs(single.variance - batched.variance[0]) < 1e-10)
            for k in 0..<3 {
                let step = 1e-6
                var plus = point
                var minus = point
                plus[k] += step
                minus[k] -= step
                let high = model.predictWithGradient(at: plus)
                let low = model.predictWithGradient(at: minus)
                let meanSlope = (high.mean - low.mean) / (2 * step)
                let varianceSlope = (high.variance - low.variance) / (2 * step)
                #expect(abs(meanSlope - single.meanGradient[k]) <= 1e-5 * max(1, abs(meanSlope)))
                #expect(abs(varianceSlope - single.varianceGradient[k]) <= 1e-5 * max(1, abs(varianceSlope)))
            }
        }
    }

    @Test func theLikelihoodValueMatchesTheClosedForm() throws {
        let (points, values) = MarginalLikelihoodTests.data(count: 8, dimensions: 2, seed: 3)
        let theta = [-0.7, 0.2, 0.4, -3.0, 0.25]
        let hyperparameters = GaussianProcessHyperparameters(vector: theta)
        var kernel = hyperparameters.kernel
        kernel.form = .additive
        var covariance = kernel.covariance(points)
        covariance.addToDiagonal(hyperparameters.noiseVariance)
        let cholesky = try CholeskyFactor(covariance)
        let residuals = values.map { $0 - hyperparameters.mean }
        let fit = zip(residuals, cholesky.solve(residuals)).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = 0.5 * fit + 0.5 * cholesky.logDeterminant + 4 * log(2 * Double.pi)
        let prior = HyperparameterPrior(dimensions: 2)
        var gradient = [Double](repeating: 0, count: theta.count)
        var priorGradient = gradient
        let value = MarginalLikelihood(points: points, values: values, prior: prior, form: .additive).negativeLogPosterior(theta, gradient: &gradient)
        #expect(abs(value - expected - prior.negativeLogDensity(theta, gradient: &priorGradient)) < 1e-10)
    }

    @Test(arguments: [UInt64(4), 5])
    func thePosteriorGradientMatchesFiniteDifferencesAndTheBatchedPrediction(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let points = Self.randomPoints(count: 30, dimensions: 4, generator: &generator)
        let values = (0..<30).map { Self.separable(points.row($0)) }
        let hyperparameters = GaussianProcessHyperparameters(logLengthscales: [log(0.3), log(0.6), log(0.2), log(2.0)], logSignalVariance: 0.3,
                                                             logNoiseVariance: log(1e-4), mean: 0.1)
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: hyperparameters, form: .additive)
        #expect(model.form == .additive)
        for _ in 0..<5 {
            let point = (0..<4).map { _ in generator.nextUnit() }
            let single = model.predictWithGradient(at: point)
            let batched = model.predict(Matrix(rows: 1, columns: 4, elements: point))
            #expect(abs(single.mean - batched.mean[0]) < 1e-10)
            #expect(abs(single.variance - batched.variance[0]) < 1e-10)
            for k in 0..<4 {
                let step = 1e-6
                var plus = point
                var minus = point
                plus[k] += step
                minus[k] -= step
                let high = model.predictWithGradient(at: plus)
                let low = model.predictWithGradient(at: minus)
                let meanSlope = (high.mean - low.mean) / (2 * step)
                let varianceSlope = (high.variance - low.variance) / (2 * step)
                #expect(abs(meanSlope - single.meanGradient[k]) <= 1e-5 * max(1, abs(meanSlope)))
                #expect(abs(varianceSlope - single.varianceGradient[k]) <= 1e-5 * max(1, abs(varianceSlope)))
            }
        }
    }

    /// A fantasy or an extension of the factor keeps the additive form: the result predicts as a model fitted from
    /// scratch on all the points does.
    @Test func conditioningAndAppendingKeepTheForm() throws {
        var generator = SeededGenerator(seed: 6)
        let points = Self.randomPoints(count: 21, dimensions: 3, generator: &generator)
        let values = (0..<21).map { Self.separable(points.row($0)) }
        let hyperparameters = GaussianProcessHyperparameters(logLengthscales: [log(0.3), log(0.6), log(0.2)], logSignalVariance: 0,
                                                             logNoiseVariance: log(1e-3), mean: 0)
        var first = Matrix(rows: 20, columns: 3)
        for i in 0..<20 {
            for k in 0..<3 { first[i, k] = points[i, k] }
        }
        let last = points.row(20)
        let partial = try GaussianProcessModel(points: first, values: Array(values.prefix(20)), hyperparameters: hyperparameters, form: .additive)
        let full = try GaussianProcessModel(points: points, values: values, hyperparameters: hyperparameters, form: .additive)
        let conditioned = partial.conditioned(on: last, value: values[20])
        let appended = try partial.appending(points: Matrix(rows: 1, columns: 3, elements: last), values: values)
        let queries = Self.randomPoints(count: 10, dimensions: 3, generator: &generator)
        let expected = full.predict(queries)
        for model in [conditioned, appended] {
            #expect(model.form == .additive)
            let predicted = model.predict(queries)
            for j in 0..<10 {
                #expect(abs(predicted.mean[j] - expected.mean[j]) < 1e-8)
                #expect(abs(predicted.variance[j] - expected.variance[j]) < 1e-8)
            }
        }
    }

    /// What the additive kernel is for: with 60 points in 6-D the fitted additive GP predicts a separable function
    /// on held-out points far better than the fitted product one, and choosing by evidence picks it.
    @Test(arguments: [UInt64(7), 8, 9])
    func anAdditiveFitPredictsASeparableFunctionBetterOnHeldOutPoints(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let points = Self.randomPoints(count: 60, dimensions: 6, generator: &generator)
        let values = (0..<60).map { Self.separable(points.row($0)) }
        let mean = values.reduce(0, +) / 60
        let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 59).squareRoot()
        let standardized = values.map { ($0 - mean) / deviation }
        let prior = HyperparameterPrior(dimensions: 6)
        let starts = [prior.defaultStart]
        let options = GaussianProcessDesigner.fullRefitOptions
        let product = try #require(GaussianProcessDesigner.fitKernel(.product, points: points, values: standardized, prior: prior,
                                                                     starts: starts, options: options)?.model)
        let additive = try #require(GaussianProcessDesigner.fitKernel(.additive, points: points, values: standardized, prior: prior,
                                                                      starts: starts, options: options)?.model)
        let chosen = try #require(GaussianProcessDesigner.fitKernel(.byEvidence, points: points, values: standardized, prior: prior,
                                                                    starts: starts, options: options)?.model)
        #expect(product.form == .product && additive.form == .additive && chosen.form == .additive)
        let held = Self.randomPoints(count: 200, dimensions: 6, generator: &generator)
        let truth = (0..<200).map { (Self.separable(held.row($0)) - mean) / deviation }
        func rootMeanSquareError(_ model: GaussianProcessModel) -> Double {
            let predicted = model.predict(held).mean
            return (zip(predicted, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 200).squareRoot()
        }
        #expect(rootMeanSquareError(additive) < 0.5 * rootMeanSquareError(product))
    }

    /// On a function whose coordinates interact the product kernel has the larger evidence.
    @Test func choosingByEvidenceKeepsTheProductKernelOnAnInteraction() throws {
        var generator = SeededGenerator(seed: 12)
        let points = Self.randomPoints(count: 40, dimensions: 2, generator: &generator)
        let values = (0..<40).map { i in sin(6 * points[i, 0] * points[i, 1]) + 4 * (points[i, 0] - 0.5) * (points[i, 1] - 0.5) }
        let prior = HyperparameterPrior(dimensions: 2)
        let chosen = try #require(GaussianProcessDesigner.fitKernel(.byEvidence, points: points, values: values, prior: prior,
                                                                    starts: [prior.defaultStart], options: GaussianProcessDesigner.fullRefitOptions)?.model)
        #expect(chosen.form == .product)
    }

    @Test func anAdditiveFitIsDeterministic() throws {
        let (points, values) = MarginalLikelihoodTests.data(count: 30, dimensions: 4, seed: 13)
        let prior = HyperparameterPrior(dimensions: 4)
        func fit() throws -> GaussianProcessModel {
            try #require(GaussianProcessDesigner.fitKernel(.additive, points: points, values: values, prior: prior, starts: [prior.defaultStart],
                                                           options: GaussianProcessDesigner.fullRefitOptions)?.model)
        }
        #expect(try fit().hyperparameters == (try fit().hyperparameters))
    }
}
