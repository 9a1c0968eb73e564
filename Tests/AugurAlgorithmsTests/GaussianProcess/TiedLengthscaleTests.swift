import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// One lengthscale per categorical parameter (``HyperparameterPrior/tiedLengthscales``).
@Suite struct TiedLengthscaleTests {
    /// Points with one numeric feature and a three-category one-hot block (features 1–3); the value depends on the
    /// numeric feature and on whether the category is the first.
    static func data(count: Int, seed: UInt64) -> (Matrix, [Double]) {
        var generator = SeededGenerator(seed: seed)
        var elements = [Double](repeating: 0, count: count * 4)
        var values: [Double] = []
        for i in 0..<count {
            let x = generator.nextUnit()
            let category = Int(generator.nextUnit() * 3) % 3
            elements[i] = x
            elements[i + (1 + category) * count] = 1
            values.append(sin(5 * x) + (category == 0 ? 1 : 0) + 0.05 * generator.nextGaussian())
        }
        return (Matrix(rows: count, columns: 4, elements: elements), values)
    }

    static func prior() -> HyperparameterPrior {
        var prior = HyperparameterPrior(dimensions: 4)
        prior.tiedLengthscales = [[1, 2, 3]]
        return prior
    }

    @Test func tyingMapsGroupsToOneVariable() throws {
        let tying = try #require(Self.prior().tying)
        // Four lengthscales, signal, noise and mean: seven variables, five once the block is tied.
        #expect(tying.members == [[0], [1, 2, 3], [4], [5], [6]])
        #expect(tying.expanded([0.1, 0.2, 0.3, 0.4, 0.5]) == [0.1, 0.2, 0.2, 0.2, 0.3, 0.4, 0.5])
        #expect(tying.reduced([0.1, 0.0, 0.3, 0.6, 0.3, 0.4, 0.5]) == [0.1, 0.3, 0.3, 0.4, 0.5])
        #expect(tying.reducedGradient([1, 1, 2, 3, 4, 5, 6]) == [1, 6, 4, 5, 6])
        #expect(HyperparameterPrior(dimensions: 4).tying == nil)
    }

    @Test(arguments: [[-1.0, 0.3, 0.1, -4.0, 0.2], [0.5, -0.8, 1.0, -2.0, -0.4]])
    func reducedGradientMatchesFiniteDifferences(reduced: [Double]) throws {
        let (points, values) = Self.data(count: 20, seed: 4)
        let prior = Self.prior()
        let tying = try #require(prior.tying)
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior)
        var gradient = [Double](repeating: 0, count: reduced.count)
        let value = likelihood.negativeLogPosterior(reduced: reduced, tying: tying, gradient: &gradient)
        #expect(value.isFinite)
        var scratch = gradient
        for k in reduced.indices {
            let step = 1e-6
            var plus = reduced
            var minus = reduced
            plus[k] += step
            minus[k] -= step
            let difference = (likelihood.negativeLogPosterior(reduced: plus, tying: tying, gradient: &scratch)
                - likelihood.negativeLogPosterior(reduced: minus, tying: tying, gradient: &scratch)) / (2 * step)
            #expect(abs(difference - gradient[k]) <= 1e-5 * max(1, abs(difference)), "∂/∂θ\(k): analytic \(gradient[k]) vs numeric \(difference)")
        }
    }

    @Test func thePriorOfATiedLengthscaleCountsOnce() throws {
        let (points, values) = Self.data(count: 20, seed: 4)
        let tied = Self.prior()
        let tying = try #require(tied.tying)
        let reduced = [-0.5, 0.4, 0.2, -3.0, 0.1]
        var gradient = [Double](repeating: 0, count: reduced.count)
        let value = MarginalLikelihood(points: points, values: values, prior: tied).negativeLogPosterior(reduced: reduced, tying: tying, gradient: &gradient)
        var full = [Double](repeating: 0, count: 7)
        let untied = MarginalLikelihood(points: points, values: values, prior: HyperparameterPrior(dimensions: 4))
            .negativeLogPosterior(tying.expanded(reduced), gradient: &full)
        let z = (0.4 - tied.lengthscaleLocation) / tied.lengthscaleScale
        #expect(abs(untied - value - 2 * 0.5 * z * z) < 1e-9)
    }

    @Test func aTiedFitHasOneLengthscalePerGroupAndImprovesOnItsStart() throws {
        let (points, values) = Self.data(count: 30, seed: 9)
        let prior = Self.prior()
        let tying = try #require(prior.tying)
        let model = try GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: [prior.defaultStart],
                                                 options: BoundedLBFGS.Options())
        let lengthscales = model.hyperparameters.logLengthscales
        #expect(lengthscales[1] == lengthscales[2] && lengthscales[2] == lengthscales[3])
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior)
        var gradient = [Double](repeating: 0, count: 5)
        let start = likelihood.negativeLogPosterior(reduced: tying.reduced(prior.defaultStart), tying: tying, gradient: &gradient)
        let fitted = likelihood.negativeLogPosterior(reduced: tying.reduced(model.hyperparameters.vector), tying: tying, gradient: &gradient)
        #expect(fitted < start)
    }

    @Test func theDesignerTiesEachCategoricalBlockWhenAsked() throws {
        let space = SearchSpace([
            .double("x", min: 0, max: 1),
            .categorical("kind", ["a", "b", "c"]),
            .categorical("flag", ["on", "off"]),
        ])
        var search = GaussianProcessDesigner.SearchOptions.standard
        let spec = Fixtures.spec(space, algorithm: .gaussianProcess(GaussianProcessSettings()))
        let untied = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(), search: search)
        #expect(untied.hyperparameterPrior(dimensions: 6).tiedLengthscales.isEmpty)
        search.tiedCategoryLengthscales = true
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(), search: search)
        #expect(designer.hyperparameterPrior(dimensions: 6).tiedLengthscales == [[1, 2, 3], [4, 5]])
    }
}
