import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// Input warping: the Kumaraswamy CDF per numeric feature, fitted with the other hyperparameters.
@Suite struct InputWarpTests {
    static let concentrations: [(Double, Double)] = [(0.2, 0.2), (0.2, 5), (1, 1), (5, 0.2), (0.5, 2), (3, 3), (1, 0.3)]

    @Test(arguments: concentrations)
    func theWarpIsIncreasingAndMapsTheUnitIntervalOntoItself(a: Double, b: Double) {
        #expect(InputWarp.value(0, a: a, b: b) == 0)
        #expect(InputWarp.value(1, a: a, b: b) == 1)
        var previous = 0.0
        for step in 1...1_000 {
            let x = Double(step) / 1_000
            let warped = InputWarp.value(x, a: a, b: b)
            #expect(warped >= previous && warped <= 1, "w(\(x)) = \(warped) after \(previous)")
            #expect(InputWarp.derivative(x, a: a, b: b) > 0)
            previous = warped
        }
    }

    @Test(arguments: concentrations)
    func theSlopeAndTheConcentrationPartialsMatchFiniteDifferences(a: Double, b: Double) {
        for x in [0.03, 0.2, 0.5, 0.77, 0.96] {
            let step = 1e-7
            let slope = (InputWarp.value(x + step, a: a, b: b) - InputWarp.value(x - step, a: a, b: b)) / (2 * step)
            #expect(abs(InputWarp.derivative(x, a: a, b: b) - slope) <= 1e-5 * max(1, abs(slope)))
            let partials = InputWarp.valueAndLogConcentrationPartials(x, a: a, b: b)
            #expect(partials.value == InputWarp.value(x, a: a, b: b))
            let byLogA = (InputWarp.value(x, a: a * exp(step), b: b) - InputWarp.value(x, a: a * exp(-step), b: b)) / (2 * step)
            let byLogB = (InputWarp.value(x, a: a, b: b * exp(step)) - InputWarp.value(x, a: a, b: b * exp(-step))) / (2 * step)
            #expect(abs(partials.byLogA - byLogA) <= 1e-5 * max(1, abs(byLogA)), "∂w/∂log a at \(x)")
            #expect(abs(partials.byLogB - byLogB) <= 1e-5 * max(1, abs(byLogB)), "∂w/∂log b at \(x)")
        }
        // At the ends w does not depend on a or b.
        for x in [0.0, 1.0] {
            let partials = InputWarp.valueAndLogConcentrationPartials(x, a: a, b: b)
            #expect(partials.byLogA == 0 && partials.byLogB == 0)
        }
    }

    static func data() -> (Matrix, [Double]) {
        var generator = SeededGenerator(seed: 21)
        let points = Matrix(rows: 20, columns: 3, elements: (0..<60).map { _ in generator.nextUnit() })
        // Fast near the low end of the first feature: what a warp with a < 1 straightens out.
        let values = (0..<20).map { i in sin(8 * points[i, 0].squareRoot()) + points[i, 1] + 0.05 * generator.nextGaussian() }
        return (points, values)
    }

    @Test func unitConcentrationsReproduceTheUnwarpedModelExactly() throws {
        let (points, values) = Self.data()
        let plain = GaussianProcessHyperparameters(logLengthscales: [log(0.3), log(0.6), log(1.2)], logSignalVariance: 0.2,
                                                   logNoiseVariance: log(1e-3), mean: 0.1)
        var identity = plain
        identity.inputWarp = InputWarp(features: [0, 1, 2], logA: [0, 0, 0], logB: [0, 0, 0])
        let unwarped = try GaussianProcessModel(points: points, values: values, hyperparameters: plain)
        let warped = try GaussianProcessModel(points: points, values: values, hyperparameters: identity)
        let queries = Matrix(rows: 4, columns: 3, elements: [0, 0.3, 0.9, 1, 0.5, 0.2, 0.7, 0.01, 0.25, 0.5, 0.75, 1])
        #expect(unwarped.predict(queries).mean == warped.predict(queries).mean)
        #expect(unwarped.predict(queries).variance == warped.predict(queries).variance)
        let point = [0.4, 0.9, 0.05]
        let a = unwarped.predictWithGradient(at: point)
        let b = warped.predictWithGradient(at: point)
        #expect(a.mean == b.mean && a.variance == b.variance && a.meanGradient == b.meanGradient && a.varianceGradient == b.varianceGradient)
        #expect(unwarped.conditioned(on: point, value: 0.3).predict(queries).mean == warped.conditioned(on: point, value: 0.3).predict(queries).mean)

        // The likelihood at the identity warp is the unwarped one, and so are the other partial derivatives.
        var prior = HyperparameterPrior(dimensions: 3)
        var plainGradient = [Double](repeating: 0, count: 6)
        let plainValue = MarginalLikelihood(points: points, values: values, prior: prior).negativeLogPosterior(plain.vector, gradient: &plainGradient)
        prior.warpedFeatures = [0, 1, 2]
        var warpedGradient = [Double](repeating: 0, count: 12)
        let warpedValue = MarginalLikelihood(points: points, values: values, prior: prior).negativeLogPosterior(identity.vector, gradient: &warpedGradient)
        #expect(plainValue == warpedValue)
        #expect(Array(warpedGradient.prefix(6)) == plainGradient)
    }

    @Test(arguments: [
        [-1.0, -0.5, 0.3, 0.2, -4.0, 0.1, -0.7, 0.4, 0.3, -0.2, 0.9, 1.2],
        [0.5, -2.0, 1.0, -1.0, -1.0, -0.3, 1.1, -1.3, -0.5, 0.6, 0.0, -0.8],
    ])
    func theLikelihoodGradientWithWarpingMatchesFiniteDifferences(theta: [Double]) {
        let (points, values) = Self.data()
        var prior = HyperparameterPrior(dimensions: 3)
        prior.warpedFeatures = [0, 1, 2]
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior)
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

    @Test(arguments: [AcquisitionFunction.logExpectedImprovement, .upperConfidenceBound])
    func theAcquisitionGradientGoesThroughTheWarp(function: AcquisitionFunction) throws {
        let (points, values) = Self.data()
        var hyperparameters = GaussianProcessHyperparameters(logLengthscales: [log(0.3), log(0.6), log(1.2)], logSignalVariance: 0.2,
                                                             logNoiseVariance: log(1e-3), mean: 0.1)
        // Only two features warped: the third passes through.
        hyperparameters.inputWarp = InputWarp(features: [0, 2], logA: [log(0.4), log(2.5)], logB: [log(1.7), log(0.6)])
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: hyperparameters)
        let evaluator = AcquisitionEvaluator(function: function, beta: 3, incumbent: values.max() ?? 0)
        func score(_ point: [Double]) -> Double {
            let prediction = model.predict(Matrix(rows: 1, columns: 3, elements: point))
            return evaluator.score(mean: prediction.mean[0], variance: prediction.variance[0])
        }
        for point in [[0.42, 0.13, 0.77], [0.08, 0.6, 0.35], [0.9, 0.95, 0.1]] {
            let prediction = model.predictWithGradient(at: point)
            let derivatives = evaluator.scoreDerivatives(mean: prediction.mean, variance: prediction.variance)
            for k in 0..<3 {
                var plus = point
                var minus = point
                plus[k] += 1e-6
                minus[k] -= 1e-6
                let difference = (score(plus) - score(minus)) / 2e-6
                let analytic = derivatives.mean * prediction.meanGradient[k] + derivatives.variance * prediction.varianceGradient[k]
                #expect(abs(difference - analytic) <= 1e-5 * max(1, abs(difference)), "∂/∂x\(k) at \(point): \(analytic) vs \(difference)")
            }
        }
    }

    @Test func aWarpedFitBeatsTheIdentityWarpAndStretchesTheFastEnd() throws {
        let (points, values) = Self.data()
        var prior = HyperparameterPrior(dimensions: 3)
        prior.warpedFeatures = [0, 1, 2]
        let model = try GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: [prior.defaultStart],
                                                 options: BoundedLBFGS.Options())
        let warp = try #require(model.hyperparameters.inputWarp)
        #expect(warp.features == [0, 1, 2])
        var gradient = [Double](repeating: 0, count: 12)
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior)
        #expect(likelihood.negativeLogPosterior(model.hyperparameters.vector, gradient: &gradient)
            < likelihood.negativeLogPosterior(prior.defaultStart, gradient: &gradient))
        // sin(8√x) varies fastest near x = 0: the warp spreads that end out (w'(0.05) > 1).
        let (a, b) = warp.concentrations(0)
        #expect(InputWarp.derivative(0.05, a: a, b: b) > 1)
    }

    @Test func theOptionWarpsNumericFeaturesOnTheStepsItNames() throws {
        typealias Options = GaussianProcessDesigner.SearchOptions
        let mixed = StudySpec(name: "mixed", searchSpace: SearchSpace([
            .double("rate", min: 1e-4, max: 1, scale: .log), .categorical("kind", ["a", "b", "c"]), .integer("width", min: 1, max: 64),
        ]), objective: Objective(metric: "y", goal: .minimize), algorithm: .gaussianProcess(GaussianProcessSettings()), seed: 1)
        let linear = GaussianProcessDesignerTests.spec(lower: [0, 0], upper: [1, 1], seed: 1)
        func features(_ spec: StudySpec, _ warping: Options.InputWarping, exploring: Bool) throws -> [Int] {
            try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(), search: Options(inputWarping: warping))
                .warpedFeatures(exploring: exploring)
        }
        // The mixed space's features: rate 0, kind 1–3 (one-hot, never warped), width 4.
        #expect(try features(mixed, .off, exploring: false) == [])
        #expect(try features(mixed, .allSteps, exploring: true) == [0, 4])
        #expect(try features(mixed, .regularSteps, exploring: false) == [0, 4])
        #expect(try features(mixed, .regularSteps, exploring: true) == [])
        #expect(try features(mixed, .scaledSpaces, exploring: true) == [0, 4])
        #expect(try features(linear, .scaledSpaces, exploring: false) == [])
        #expect(try features(linear, .allSteps, exploring: false) == [0, 1])
        #expect(Options.standard.inputWarping == .off)
    }

    /// With warping on every step the suggestions stay deterministic, new and in the box, and the fit warps every feature.
    @Test func warpedSuggestionsAreDeterministicNewAndInTheBox() throws {
        typealias Fixture = GaussianProcessDesignerTests
        let history = try GaussianProcessSearchOptionsTests.history(count: 20, seed: 9)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 9)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                           inputWarping: .allSteps)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        // Model suggestion 14 explores (period 5), 15 does not.
        for trialCount in [22, 23] {
            let request = DesignRequest(count: 2, history: history, trialCount: trialCount)
            let batch = try designer.suggest(request)
            #expect(batch == (try designer.suggest(request)))
            #expect(batch.count == 2 && Set(batch).count == 2)
            #expect(Set(batch).isDisjoint(with: history.map(\.parameters)))
            for assignment in batch {
                #expect(Fixture.point(assignment, dimensions: 6).allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
        var generator = SeededGenerator(seed: 9)
        let data = TrainingData(request: DesignRequest(count: 1, history: history, trialCount: 23), objective: spec.objective,
                                encoding: designer.encoding)
        let warp = try #require(designer.fitModel(data, generator: &generator)?.model.hyperparameters.inputWarp)
        #expect(warp.features == Array(0..<6))
    }
}
