import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct MarginalLikelihoodTests {
    static func data(count: Int, dimensions: Int, seed: UInt64) -> (Matrix, [Double]) {
        var generator = SeededGenerator(seed: seed)
        let points = Matrix(rows: count, columns: dimensions, elements: (0..<(count * dimensions)).map { _ in generator.nextUnit() })
        let values = (0..<count).map { i in sin(6 * points[i, 0]) + (dimensions > 1 ? points[i, 1] * points[i, 1] : 0) + 0.1 * generator.nextGaussian() }
        return (points, values)
    }

    @Test(arguments: [
        [-1.0, -0.5, 0.3, 0.2, -4.0, 0.1],
        [0.5, -2.0, 1.0, -1.0, -1.0, -0.3],
        [-3.0, 1.0, -0.5, 1.5, -9.0, 0.7],
    ])
    func gradientMatchesFiniteDifferences(theta: [Double]) {
        let (points, values) = Self.data(count: 25, dimensions: 3, seed: 11)
        Self.expectGradientMatchesFiniteDifferences(MarginalLikelihood(points: points, values: values, prior: HyperparameterPrior(dimensions: 3)),
                                                    theta: theta)
    }

    /// Expects `likelihood`'s analytic gradient at `theta` to match central finite differences (step 10⁻⁶), each
    /// partial within 10⁻⁵ relative.
    static func expectGradientMatchesFiniteDifferences(_ likelihood: MarginalLikelihood, theta: [Double]) {
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

    @Test func valueMatchesTheClosedForm() throws {
        let (points, values) = Self.data(count: 6, dimensions: 2, seed: 3)
        let theta = [-0.7, 0.2, 0.4, -3.0, 0.25]
        let hyperparameters = GaussianProcessHyperparameters(vector: theta)
        var covariance = hyperparameters.kernel.covariance(points)
        covariance.addToDiagonal(hyperparameters.noiseVariance)
        let cholesky = try CholeskyFactor(covariance)
        let residuals = values.map { $0 - hyperparameters.mean }
        let alpha = cholesky.solve(residuals)
        let fit = zip(residuals, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = 0.5 * fit + 0.5 * cholesky.logDeterminant + 3 * log(2 * Double.pi)
        var gradient = [Double](repeating: 0, count: theta.count)
        var priorGradient = gradient
        let prior = HyperparameterPrior(dimensions: 2)
        let value = MarginalLikelihood(points: points, values: values, prior: prior).negativeLogPosterior(theta, gradient: &gradient)
        #expect(abs(value - expected - prior.negativeLogDensity(theta, gradient: &priorGradient)) < 1e-10)
    }

    @Test func fittingImprovesOnTheStartAndRecoversTheSignal() throws {
        let (points, values) = Self.data(count: 40, dimensions: 2, seed: 5)
        let prior = HyperparameterPrior(dimensions: 2)
        var gradient = [Double](repeating: 0, count: 5)
        let startValue = MarginalLikelihood(points: points, values: values, prior: prior).negativeLogPosterior(prior.defaultStart, gradient: &gradient)
        let model = try GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: [prior.defaultStart],
                                                 options: BoundedLBFGS.Options())
        let fitted = MarginalLikelihood(points: points, values: values, prior: prior)
            .negativeLogPosterior(model.hyperparameters.vector, gradient: &gradient)
        #expect(fitted < startValue)
        // sin(6x) varies faster than x², so the first lengthscale is the shorter one.
        #expect(model.hyperparameters.lengthscales[0] < model.hyperparameters.lengthscales[1])
        // The added noise has variance 0.01.
        #expect(model.hyperparameters.noiseVariance > 1e-4 && model.hyperparameters.noiseVariance < 0.1)
    }
}
