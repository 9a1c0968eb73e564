import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The search options against local optima: exploring steps, the exploring radius and diverse refinement starts.
@Suite struct GaussianProcessSearchOptionsTests {
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

    @Test(arguments: [GaussianProcessDesigner.SearchOptions(diverseRefinements: 4),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 3, explorationRadius: 0.25),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 2, thompsonExploration: true, restartAfter: 3),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, incumbentFromModel: true),
                      GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, evolutionaryPeriod: 2)])
    func everyOptionKeepsSuggestionsDeterministicNewAndInTheBox(search: GaussianProcessDesigner.SearchOptions) throws {
        let history = try Self.history(count: 20, seed: 9)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 9)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        for trialCount in 20..<25 {
            let request = DesignRequest(count: 3, history: history, trialCount: trialCount)
            let batch = try designer.suggest(request)
            #expect(batch == (try designer.suggest(request)))
            #expect(batch.count == 3 && Set(batch).count == 3)
            #expect(Set(batch).isDisjoint(with: history.map(\.parameters)))
            for assignment in batch {
                #expect(Fixture.point(assignment, dimensions: 6).allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
    }
}
