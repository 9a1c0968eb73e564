import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The search options against local optima: exploring steps, the exploring radius and diverse refinement starts.
@Suite(.serialized) struct GaussianProcessSearchOptionsTests {
    typealias Fixture = GaussianProcessDesignerTests

    static func history(count: Int, seed: UInt64) throws -> [Trial] {
        let problem = Fixture.hartmann6
        let spec = Fixture.spec(lower: problem.lower, upper: problem.upper, seed: seed)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8))
        var trials: [Trial] = []
        for index in 0..<count {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: trials, trialCount: index)).first)
            trials.append(Fixture.trial(id: index + 1, assignment, value: problem.evaluate(Fixture.point(assignment, dimensions: 6))))
        }
        return trials
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func anExploringStepWithARadiusStaysAwayFromTheIncumbent(seed: UInt64) throws {
        let history = try Self.history(count: 24, seed: seed)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: seed)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 1, explorationBeta: 0, explorationRadius: 0.25)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let proposal = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: history.count)).first)
        let best = try #require(history.min { ($0.finalValue(of: "y") ?? .infinity) < ($1.finalValue(of: "y") ?? .infinity) })
        let incumbent = Fixture.point(best.parameters, dimensions: 6)
        let point = Fixture.point(proposal.parameters, dimensions: 6)
        let distance = zip(point, incumbent).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        #expect(distance >= 0.25 * 6.0.squareRoot() - 1e-9)
    }

    @Test func anExploringStepWithABetaScoresByUCBAndSaysSo() throws {
        let history = try Self.history(count: 15, seed: 4)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 4)
        // Trial 15 is model suggestion 7 (initialTrials 8): 7 % 4 == 3, an exploring step with period 4.
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 4, explorationBeta: 3)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let exploring = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 15)).first)
        let regular = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 16)).first)
        func acquisition(_ proposal: DesignProposal) -> String? {
            proposal.metadata.first { $0.key == "acquisition" }.flatMap { if case .text(let text) = $0.value { text } else { nil } }
        }
        #expect(acquisition(exploring) == "ucb(beta=3)")
        #expect(acquisition(regular) == "logei")
    }

    /// An exploring step with its own warping is the step a designer with that warping everywhere would make; the
    /// other steps are the default designer's.
    @Test func anExplorationWarpingChangesTheExploringStepsOnly() throws {
        let history = try Self.history(count: 15, seed: 5)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 5)
        let settings = GaussianProcessSettings(initialTrials: 8)
        func designer(_ search: GaussianProcessDesigner.SearchOptions) throws -> GaussianProcessDesigner {
            try GaussianProcessDesigner(spec: spec, settings: settings, search: search)
        }
        let mixed = try designer(.init(explorationPeriod: 4, explorationWarping: .standardize))
        let standardized = try designer(.init(explorationPeriod: 4, outputWarping: .standardize))
        let vizier = try designer(.init(explorationPeriod: 4))
        // Trial 15 is model suggestion 7 (initialTrials 8): 7 % 4 == 3, an exploring step; 16 is not.
        let exploring = DesignRequest(count: 2, history: history, trialCount: 15)
        let regular = DesignRequest(count: 2, history: history, trialCount: 16)
        #expect(try mixed.propose(exploring) == standardized.propose(exploring))
        #expect(try mixed.propose(regular) == vizier.propose(regular))
        #expect(try mixed.suggest(exploring) != vizier.suggest(exploring))
    }

    static func acquisition(_ proposal: DesignProposal) -> String? {
        proposal.metadata.first { $0.key == "acquisition" }.flatMap { if case .text(let text) = $0.value { text } else { nil } }
    }

    @Test func aThompsonStepProposesTheBestPointOfAPosteriorDrawAndSaysSo() throws {
        let history = try Self.history(count: 15, seed: 4)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 4)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 4, thompsonExploration: true)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let request = DesignRequest(count: 1, history: history, trialCount: 15)
        let exploring = try #require(try designer.propose(request).first)
        #expect(Self.acquisition(exploring) == "thompson")
        #expect(try designer.propose(request).first?.parameters == exploring.parameters)
        // Another seed draws another sample, hence (almost surely) another point.
        let reseeded = try GaussianProcessDesigner(spec: Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 5),
                                                   settings: GaussianProcessSettings(initialTrials: 8), search: search)
        #expect(try reseeded.propose(request).first?.parameters != exploring.parameters)
    }

    @Test func aRefinedThompsonStepClimbsTheExploringUCBFromTheDrawAndSaysSo() throws {
        let history = try Self.history(count: 15, seed: 4)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 4)
        let request = DesignRequest(count: 1, history: history, trialCount: 15)
        func proposal(refined: Bool) throws -> DesignProposal {
            let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 4, thompsonExploration: true, refinedThompson: refined)
            let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
            return try #require(try designer.propose(request).first)
        }
        let refined = try proposal(refined: true)
        #expect(Self.acquisition(refined) == "thompson+ucb(beta=3)")
        #expect(try proposal(refined: true) == refined)
        // The same draw (same seed and history), then a gradient climb away from the draw's pick; the value recorded is
        // the UCB there, not the draw's.
        let plain = try proposal(refined: false)
        #expect(plain.parameters != refined.parameters)
        let value = refined.metadata.first { $0.key == "acquisition_value" }.flatMap { if case .text(let text) = $0.value { Double(text) } else { nil } }
        #expect(value?.isFinite == true)
    }

    @Test func aRestartExploresAtEveryMultipleOfTheStagnationCount() throws {
        // Trial 1 is far better than any other, so trials 2...12 are 11 observations without improvement.
        var history = try Self.history(count: 12, seed: 6)
        history[0] = Fixture.trial(id: 1, history[0].parameters, value: -10)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 6)
        func acquisition(restartAfter: Int) throws -> String? {
            let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8),
                                                       search: GaussianProcessDesigner.SearchOptions(restartAfter: restartAfter))
            return Self.acquisition(try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 12)).first))
        }
        #expect(try acquisition(restartAfter: 11) == "ucb(beta=3)")
        #expect(try acquisition(restartAfter: 5) == "logei")
        #expect(try acquisition(restartAfter: 0) == "logei")
    }

    /// The law behind the model's incumbent: `y − σₙ²α` is the posterior mean of the latent function at the observed
    /// points, what `predict` computes there the long way; with noise it sits below a lucky observation.
    @Test(arguments: [1e-4, 0.05, 0.5])
    func posteriorMeansAtObservationsAreThePredictionsThere(noiseVariance: Double) throws {
        var generator = SeededGenerator(seed: 31)
        let points = Matrix(rows: 15, columns: 2, elements: (0..<30).map { _ in generator.nextUnit() })
        let values = (0..<15).map { _ in generator.nextGaussian() }
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: GaussianProcessHyperparameters(
            logLengthscales: [log(0.3), log(0.6)], logSignalVariance: 0, logNoiseVariance: log(noiseVariance), mean: 0.1))
        let means = GaussianProcessDesigner.posteriorMeansAtObservations(model)
        let predicted = model.predict(points).mean
        for i in 0..<15 { #expect(abs(means[i] - predicted[i]) < 1e-8) }
        if noiseVariance >= 0.05 { #expect(try #require(means.max()) < (try #require(values.max()))) }
    }

    /// The law of the near-tie break: the point chosen scores within the tolerance of the best new point and has the
    /// highest posterior mean of all new points that do; known points are never chosen; without ties the best stays.
    @Test(arguments: [0.0, 0.3, 2.0, 50.0])
    func thePlateauChoiceIsTheHighestMeanAmongTheNearTies(tolerance: Double) throws {
        let space = SearchSpace([.double("x", min: 0, max: 1), .integer("n", min: 1, max: 9), .categorical("c", ["a", "b", "c"])])
        let encoding = FeatureEncoding(space: space)
        var generator = SeededGenerator(seed: 41)
        let legal = (0..<60).map { _ -> [Double] in
            encoding.snapped(encoding.features(atUnit: [generator.nextUnit(), generator.nextUnit(), generator.nextUnit()]))
        }
        let observed = Array(legal.prefix(12))
        var elements = [Double](repeating: 0, count: observed.count * encoding.dimensions)
        for (row, point) in observed.enumerated() {
            for k in 0..<encoding.dimensions { elements[row + k * observed.count] = point[k] }
        }
        let model = try GaussianProcessModel(
            points: Matrix(rows: observed.count, columns: encoding.dimensions, elements: elements),
            values: observed.map { sin(6 * $0[0]) + 0.1 * $0[1] + $0[2] },
            hyperparameters: GaussianProcessHyperparameters(logLengthscales: [Double](repeating: log(0.4), count: encoding.dimensions),
                                                            logSignalVariance: 0, logNoiseVariance: log(1e-4), mean: 0))
        let excluded = Set(observed.map { encoding.assignment(of: $0) } + [encoding.assignment(of: legal[12])])
        // Proposals best first, scores falling by 0.1 per place.
        let proposals = legal.enumerated().map { AcquisitionOptimizer.Proposal(features: $0.element, score: -0.1 * Double($0.offset)) }
        let first = try #require(proposals.first { !excluded.contains(encoding.assignment(of: $0.features)) })
        let best = (first.features, encoding.assignment(of: first.features), first.score)
        let chosen = GaussianProcessDesigner.plateauChoice(among: proposals, best: best, tolerance: tolerance, model: model,
                                                           encoding: encoding, excluded: excluded)
        #expect(!excluded.contains(chosen.assignment))
        #expect(chosen.score >= best.2 - tolerance)
        let tied = proposals.filter { $0.score >= best.2 - tolerance && !excluded.contains(encoding.assignment(of: $0.features)) }
        let means = model.predict(Matrix(rows: tied.count, columns: encoding.dimensions, elements: (0..<encoding.dimensions).flatMap { k in
            tied.map { $0.features[k] }
        })).mean
        let chosenMean = model.predictWithGradient(at: chosen.features).mean
        #expect(means.allSatisfy { $0 <= chosenMean + 1e-12 })
        if tolerance == 0 { #expect(chosen.assignment == best.1) }
    }

    /// Near-ties preferring new discrete values: the point chosen is tied and has a combination of finite and
    /// categorical values no known point has, the best-scoring such; when none is tied the best point stays.
    @Test func theNewDiscreteChoiceIsTheBestTiedUntriedCombination() throws {
        let space = SearchSpace([.double("x", min: 0, max: 1), .integer("n", min: 1, max: 9), .categorical("c", ["a", "b"])])
        let encoding = FeatureEncoding(space: space)
        func features(_ x: Double, _ n: Int, _ c: String) throws -> [Double] {
            try #require(encoding.features(of: ["x": .double(x), "n": .integer(n), "c": .string(c)]))
        }
        let known: Set<ParameterAssignment> = [["x": .double(0.5), "n": .integer(3), "c": .string("a")],
                                               ["x": .double(0.1), "n": .integer(4), "c": .string("a")]]
        let proposals = [
            AcquisitionOptimizer.Proposal(features: try features(0.52, 3, "a"), score: -1.0),  // best, a tried combination
            AcquisitionOptimizer.Proposal(features: try features(0.2, 4, "a"), score: -1.1),   // tried combination
            AcquisitionOptimizer.Proposal(features: try features(0.5, 3, "b"), score: -1.3),   // new combination, tied
            AcquisitionOptimizer.Proposal(features: try features(0.5, 5, "a"), score: -1.4),   // new, tied, lower
            AcquisitionOptimizer.Proposal(features: try features(0.5, 6, "b"), score: -3.0),   // new, not tied
        ]
        let first = proposals[0]
        let best = (encoding.snapped(first.features), encoding.assignment(of: encoding.snapped(first.features)), first.score)
        let chosen = GaussianProcessDesigner.newDiscreteChoice(among: proposals, best: best, tolerance: 0.5, encoding: encoding, excluded: known)
        #expect(chosen.assignment["n"] == .integer(3) && chosen.assignment["c"] == .string("b"))
        let narrow = GaussianProcessDesigner.newDiscreteChoice(among: proposals, best: best, tolerance: 0.2, encoding: encoding, excluded: known)
        #expect(narrow.assignment == best.1)
    }

    @Test func anExploitingStepMaximizesTheMeanAndSaysSo() throws {
        let history = try Self.history(count: 18, seed: 4)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 4)
        // initialTrials 8: trial 18 is model suggestion 10 (10 % 5 == 0, exploits), 19 is 11 (logei), 17 is 9 (explores).
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, exploitationPeriod: 5)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let exploiting = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 18)).first)
        let regular = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 19)).first)
        let exploring = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 17)).first)
        #expect(Self.acquisition(exploiting) == "mean")
        #expect(Self.acquisition(regular) == "logei")
        #expect(Self.acquisition(exploring) == "ucb(beta=3)")
        func predictedMean(_ proposal: DesignProposal) -> Double? {
            proposal.metadata.first { $0.key == "predicted_mean" }.flatMap { if case .text(let text) = $0.value { Double(text) } else { nil } }
        }
        // Minimized: the exploiting step expects a value at least as low as the best observed one, up to the fit's noise.
        let bestObserved = try #require(history.compactMap { $0.finalValue(of: "y") }.min())
        #expect(try #require(predictedMean(exploiting)) <= bestObserved + 0.05)
    }

    /// A noise floor bounds the fitted noise from below and moves the prior to it; the default start stays in the box.
    @Test(arguments: [0.0, 1e-2, 0.3])
    func aNoiseFloorBoundsTheFittedNoise(floor: Double) throws {
        let history = try Self.history(count: 16, seed: 11)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 11)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8),
                                                   search: GaussianProcessDesigner.SearchOptions(noiseFloor: floor))
        let prior = designer.hyperparameterPrior(dimensions: 6)
        #expect(prior.logNoiseBounds.lower == (floor > 0 ? log(floor) : log(1e-7)))
        #expect(prior.noiseLocation == max(log(1e-3), prior.logNoiseBounds.lower))
        let start = prior.defaultStart
        #expect(zip(start, zip(prior.lowerBounds, prior.upperBounds)).allSatisfy { $0.0 >= $0.1.0 && $0.0 <= $0.1.1 })
        var generator = SeededGenerator(seed: 11)
        let data = TrainingData(request: DesignRequest(count: 1, history: history, trialCount: 16), objective: spec.objective,
                                encoding: designer.encoding)
        let model = try #require(designer.fitModel(data, generator: &generator)?.model)
        #expect(model.hyperparameters.noiseVariance >= max(floor, 1e-7) * (1 - 1e-9))
    }

    /// Up to `additiveAfter` observations a fit asked for the additive kernel is the product kernel's fit, the same as
    /// one asked for the product kernel; past it the additive kernel is fitted.
    @Test func theKernelChoiceWaitsForAdditiveAfterObservations() throws {
        let history = try Self.history(count: 20, seed: 5)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 5)
        func fit(after: Int, kernel: GaussianProcessDesigner.SearchOptions.KernelChoice) throws -> GaussianProcessModel {
            let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, kernel: kernel, additiveAfter: after)
            let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
            let data = TrainingData(request: DesignRequest(count: 1, history: history, trialCount: 20), objective: spec.objective,
                                    encoding: designer.encoding)
            var generator = SeededGenerator(seed: 5)
            return try #require(designer.fitModel(data, kernel: kernel, generator: &generator)?.model)
        }
        let product = try fit(after: 0, kernel: .product)
        let waiting = try fit(after: 20, kernel: .additive)
        #expect(waiting.form == .product)
        #expect(waiting.hyperparameters == product.hyperparameters)
        #expect(try fit(after: 19, kernel: .additive).form == .additive)
    }

    @Test(arguments: [GaussianProcessDesigner.SearchOptions(diverseRefinements: 4),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 3, explorationRadius: 0.25),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 2, thompsonExploration: true, restartAfter: 3),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, incumbentFromModel: true),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, plateauTolerance: 0.5),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, exploitationPeriod: 5),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, noiseFloor: 0.01),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, plateauTolerance: 0.5,
                                                            plateauPrefersNewDiscrete: true),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 2, discreteNeighbourhood: true, explorationPortfolio: .improvement),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 2, thompsonExploration: true, refinedThompson: true),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .halfRank),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .standardize),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                            warpingSelection: [.vizier, .standardize]),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, evolutionaryPeriod: 2),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 2, discreteNeighbourhood: true, explorationKernel: .additive),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, kernel: .byEvidence)])
    func everyOptionKeepsSuggestionsDeterministicNewAndInTheBox(search: GaussianProcessDesigner.SearchOptions) throws {
        // Model suggestions 14 and 15 (8 initial trials): an exploring step of period 5 and of period 2, an exploiting
        // step of period 5 and an evolutionary step of period 2 all fall on one of them.
        _ = try Self.expectDeterministicNewBatchesInTheBox(search: search)
    }

    /// Asks a designer with `search` (Hartmann-6's box, 8 initial trials, seed 9, a 20-trial history) for batches of
    /// `count` at model suggestions 14 and 15 and expects each to be deterministic, of distinct new assignments, and
    /// inside the box; returns the designer and the history for further checks.
    static func expectDeterministicNewBatchesInTheBox(search: GaussianProcessDesigner.SearchOptions, count: Int = 3) throws
        -> (designer: GaussianProcessDesigner, history: [Trial]) {
        let history = try Self.history(count: 20, seed: 9)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 9)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        for trialCount in [22, 23] {
            let request = DesignRequest(count: count, history: history, trialCount: trialCount)
            let batch = try designer.suggest(request)
            #expect(batch == (try designer.suggest(request)))
            #expect(batch.count == count && Set(batch).count == count)
            #expect(Set(batch).isDisjoint(with: history.map(\.parameters)))
            for assignment in batch {
                #expect(Fixture.point(assignment, dimensions: 6).allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
        return (designer, history)
    }
}
