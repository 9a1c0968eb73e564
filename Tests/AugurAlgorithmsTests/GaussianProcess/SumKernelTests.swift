import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The sum of the product (ARD) and the additive Matérn-5/2 kernels, each with its own lengthscales and variance
/// (``Matern52Kernel/Form/sum``): its covariance, its likelihood's gradient, its posterior's gradient, its fit and
/// its place in the cache.
@Suite struct SumKernelTests {
    static let hyperparameters = GaussianProcessHyperparameters(
        sumVector: [log(0.4), log(1.5), log(0.2), log(0.8), log(1e-3), 0.1, log(0.3), log(0.1), log(2.0), log(0.5)])

    @Test func theCovarianceIsTheProductsPlusTheAdditiveOnesWithBothVariancesOnItsDiagonal() throws {
        var generator = SeededGenerator(seed: 31)
        let points = AdditiveKernelTests.randomPoints(count: 30, dimensions: 3, generator: &generator)
        let kernel = Self.hyperparameters.kernel
        #expect(kernel.form == .sum && kernel.isSum)
        let product = Matern52Kernel(lengthscales: [0.4, 1.5, 0.2], signalVariance: 0.8)
        let additive = Matern52Kernel(lengthscales: [0.3, 0.1, 2.0], signalVariance: 0.5, form: .additive)
        let expected = product.covariance(points)
        let additiveCovariance = additive.covariance(points)
        let covariance = kernel.covariance(points)
        let cross = kernel.crossCovariance(points, points)
        #expect(abs(kernel.priorVariance - 1.3) < 1e-12)
        for i in 0..<30 {
            #expect(abs(covariance[i, i] - 1.3) < 1e-12)
            for j in 0..<30 {
                #expect(abs(covariance[i, j] - expected[i, j] - additiveCovariance[i, j]) < 1e-12)
                #expect(abs(cross[i, j] - covariance[i, j]) < 1e-12)
            }
        }
    }

    /// The variables round-trip: the prior's layout, its bounds and its start from either kind of fit.
    @Test func theSumPriorsLayoutRoundTrips() {
        var prior = HyperparameterPrior(dimensions: 3)
        prior.sumKernel = true
        prior.warpedFeatures = [0, 1]
        #expect(prior.lowerBounds.count == 10 && prior.upperBounds.count == 10 && prior.defaultStart.count == 10)
        #expect(prior.hyperparameters(Self.hyperparameters.vector) == Self.hyperparameters)
        #expect(prior.start(from: Self.hyperparameters) == Self.hyperparameters.vector)
        let product = GaussianProcessHyperparameters(logLengthscales: [0, 1, 2], logSignalVariance: 0.5, logNoiseVariance: -5, mean: 0.2)
        let shift = 0.5 * log(3.0)
        let start = prior.start(from: product)
        #expect(Array(start[0..<6]) == product.vector)
        for k in 0..<3 { #expect(abs(start[6 + k] - (product.logLengthscales[k] - shift)) < 1e-12) }
        #expect(start[9] == 0.5)
        #expect(prior.hyperparameters(prior.defaultStart).kernel.priorVariance.isApproximatelyEqual(to: 1))
    }

    @Test(arguments: [
        [-1.0, -0.5, 0.3, 0.2, -4.0, 0.1, -1.2, 0.4, -0.3, -0.7],
        [0.5, -2.0, 1.0, -1.0, -1.0, -0.3, 0.2, -1.5, 1.0, -2.0],
        [-3.0, 1.0, -0.5, 1.5, -9.0, 0.7, -0.5, -0.5, -0.5, 0.3],
    ])
    func theLikelihoodGradientMatchesFiniteDifferences(theta: [Double]) {
        let (points, values) = MarginalLikelihoodTests.data(count: 25, dimensions: 3, seed: 14)
        var prior = HyperparameterPrior(dimensions: 3)
        prior.sumKernel = true
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior, form: .sum)
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

    @Test func theLikelihoodValueMatchesTheClosedForm() throws {
        let (points, values) = MarginalLikelihoodTests.data(count: 12, dimensions: 3, seed: 15)
        let theta = Self.hyperparameters.vector
        var covariance = Self.hyperparameters.kernel.covariance(points)
        covariance.addToDiagonal(Self.hyperparameters.noiseVariance)
        let cholesky = try CholeskyFactor(covariance)
        let residuals = values.map { $0 - Self.hyperparameters.mean }
        let fit = zip(residuals, cholesky.solve(residuals)).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = 0.5 * fit + 0.5 * cholesky.logDeterminant + 6 * log(2 * Double.pi)
        var prior = HyperparameterPrior(dimensions: 3)
        prior.sumKernel = true
        var gradient = [Double](repeating: 0, count: theta.count)
        var priorGradient = gradient
        let value = MarginalLikelihood(points: points, values: values, prior: prior, form: .sum).negativeLogPosterior(theta, gradient: &gradient)
        #expect(abs(value - expected - prior.negativeLogDensity(theta, gradient: &priorGradient)) < 1e-10)
    }

    @Test(arguments: [UInt64(4), 5])
    func thePosteriorGradientMatchesFiniteDifferencesAndTheBatchedPrediction(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let points = AdditiveKernelTests.randomPoints(count: 30, dimensions: 3, generator: &generator)
        let values = (0..<30).map { AdditiveKernelTests.separable(points.row($0)) + points[$0, 0] * points[$0, 1] }
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: Self.hyperparameters, form: .sum)
        for _ in 0..<5 {
            let point = (0..<3).map { _ in generator.nextUnit() }
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

    /// A fantasy or an extension of the factor keeps the sum: the result predicts as a model conditioned from scratch
    /// on all the points does.
    @Test func conditioningAndAppendingKeepTheForm() throws {
        var generator = SeededGenerator(seed: 6)
        let points = AdditiveKernelTests.randomPoints(count: 21, dimensions: 3, generator: &generator)
        let values = (0..<21).map { AdditiveKernelTests.separable(points.row($0)) }
        let first = Matrix(rows: 20, columns: 3, elements: (0..<3).flatMap { k in (0..<20).map { points[$0, k] } })
        let last = points.row(20)
        let partial = try GaussianProcessModel(points: first, values: Array(values.prefix(20)), hyperparameters: Self.hyperparameters, form: .sum)
        let full = try GaussianProcessModel(points: points, values: values, hyperparameters: Self.hyperparameters, form: .sum)
        let conditioned = partial.conditioned(on: last, value: values[20])
        let appended = try partial.appending(points: Matrix(rows: 1, columns: 3, elements: last), values: values)
        let queries = AdditiveKernelTests.randomPoints(count: 10, dimensions: 3, generator: &generator)
        let expected = full.predict(queries)
        for model in [conditioned, appended] {
            #expect(model.form == .sum)
            let predicted = model.predict(queries)
            for j in 0..<10 {
                #expect(abs(predicted.mean[j] - expected.mean[j]) < 1e-8)
                #expect(abs(predicted.variance[j] - expected.variance[j]) < 1e-8)
            }
        }
    }

    /// The sum is fitted from the two fits and is at least as probable as the better of them under its own prior
    /// (each is one of its starts, up to the other term's smallest variance); deterministic.
    @Test(arguments: [UInt64(7), 8])
    func theSumFitIsAtLeastAsProbableAsEitherStartAndDeterministic(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let points = AdditiveKernelTests.randomPoints(count: 40, dimensions: 4, generator: &generator)
        let raw = (0..<40).map { AdditiveKernelTests.separable(points.row($0)) + 2 * points[$0, 0] * points[$0, 1] }
        let mean = raw.reduce(0, +) / 40
        let deviation = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 39).squareRoot()
        let values = raw.map { ($0 - mean) / deviation }
        let prior = HyperparameterPrior(dimensions: 4)
        func fit() throws -> (model: GaussianProcessModel, product: GaussianProcessModel?) {
            try #require(GaussianProcessDesigner.fitKernel(.sum, points: points, values: values, prior: prior, starts: [prior.defaultStart],
                                                           options: GaussianProcessDesigner.fullRefitOptions))
        }
        let (sum, product) = try fit()
        #expect(sum.form == .sum && sum.hyperparameters.additiveTerm != nil)
        #expect(product?.form == .product)
        #expect(try fit().model.hyperparameters == sum.hyperparameters)
        var sumPrior = prior
        sumPrior.sumKernel = true
        var gradient = [Double](repeating: 0, count: sumPrior.lowerBounds.count)
        let fitted = GaussianProcessModel.negativeLogPosterior(points: points, values: values, prior: sumPrior,
                                                               theta: sum.hyperparameters.vector, form: .sum, gradient: &gradient)
        var productOnly = try #require(product).hyperparameters
        productOnly.additiveTerm = .init(logLengthscales: [0, 0, 0, 0], logSignalVariance: sumPrior.logSignalBounds.lower)
        let start = GaussianProcessModel.negativeLogPosterior(points: points, values: values, prior: sumPrior,
                                                              theta: sumPrior.start(from: productOnly), form: .sum, gradient: &gradient)
        #expect(fitted <= start + 1e-9)
    }

    /// A background refit with the sum choice stores the sum with its form and the product fit beside it, and the
    /// next suggestion is served from a sum model.
    @Test func aBackgroundRefitWithTheSumKeepsItAndServesIt() throws {
        let history = GaussianProcessCacheTests.separableHistory(GaussianProcessDesigner.backgroundRefitThreshold + 12)
        let first = Array(history.prefix(GaussianProcessDesigner.backgroundRefitThreshold + 10))
        let search = GaussianProcessDesigner.SearchOptions(kernel: .sum, additiveAfter: 50)
        let cache = GaussianProcessCache(refitsInBackground: true)
        try GaussianProcessCacheTests.suggestSeparable(first, cache: cache, search: search)
        let refit = try #require(cache.takePendingRefit())
        #expect(refit.kernel == .sum)
        refit.run()
        let entry = try #require(cache.load(featureCount: 4))
        #expect(entry.form == .sum && entry.model?.form == .sum)
        #expect(entry.hyperparameters.additiveTerm != nil)
        #expect(entry.productHyperparameters?.additiveTerm == nil)
        try GaussianProcessCacheTests.suggestSeparable(history, cache: cache, search: search)
        let served = try #require(cache.load(featureCount: 4))
        #expect(served.hyperparameters == entry.hyperparameters)
        #expect(served.model?.form == .sum && served.model?.points.rows == history.count)
    }
}

extension Double {
    fileprivate func isApproximatelyEqual(to other: Double) -> Bool { abs(self - other) <= 1e-12 * max(1, abs(other)) }
}
