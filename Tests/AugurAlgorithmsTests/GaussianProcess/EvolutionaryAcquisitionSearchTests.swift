import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The evolutionary (firefly) stage of the acquisition search: it finds the maximum of a multimodal surface from
/// candidates that all miss its basin, is a pure function of its generator, and never leaves the designer's
/// suggestion with a lower acquisition value than the search without it.
@Suite struct EvolutionaryAcquisitionSearchTests {
    typealias Fixture = GaussianProcessDesignerTests

    /// A Gaussian process interpolating `sin(3πx)·sin(3πy)·(0.5 + xy)` on a 10 × 10 grid: nine bumps of different
    /// heights, the highest near (0.83, 0.83). Scored by UCB with β = 0, the acquisition is the posterior mean.
    static func multimodalModel() throws -> GaussianProcessModel {
        var rows: [[Double]] = []
        var values: [Double] = []
        for i in 0..<10 {
            for j in 0..<10 {
                let x = (Double(i) + 0.5) / 10
                let y = (Double(j) + 0.5) / 10
                rows.append([x, y])
                values.append(Foundation.sin(3 * .pi * x) * Foundation.sin(3 * .pi * y) * (0.5 + x * y))
            }
        }
        let hyperparameters = GaussianProcessHyperparameters(logLengthscales: [Foundation.log(0.2), Foundation.log(0.2)], logSignalVariance: 0,
                                                             logNoiseVariance: Foundation.log(1e-6), mean: 0)
        return try GaussianProcessModel(points: Matrix(rowMajor: rows), values: values, hyperparameters: hyperparameters)
    }

    static let meanOnly = AcquisitionEvaluator(function: .upperConfidenceBound, beta: 0, incumbent: 0)

    /// The largest posterior mean on a 201 × 201 grid, and where.
    static func gridMaximum(_ model: GaussianProcessModel) -> (point: [Double], value: Double) {
        let steps = 201
        var rows: [[Double]] = []
        for i in 0..<steps {
            for j in 0..<steps { rows.append([Double(i) / Double(steps - 1), Double(j) / Double(steps - 1)]) }
        }
        let scores = AcquisitionOptimizer(refinements: 0, refinementIterations: 0).scores(model: model, evaluator: meanOnly,
                                                                                          candidates: Matrix(rowMajor: rows))
        let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
        return (rows[best], scores[best])
    }

    /// Twenty random candidates, none within 0.3 of `avoiding`.
    static func candidates(avoiding center: [Double], seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed, stream: 11)
        var rows: [[Double]] = []
        while rows.count < 20 {
            let point = [generator.nextUnit(), generator.nextUnit()]
            if zip(point, center).reduce(0, { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }) >= 0.09 { rows.append(point) }
        }
        return Matrix(rowMajor: rows)
    }

    static func search(_ model: GaussianProcessModel, _ candidates: Matrix, seed: UInt64) -> (points: [[Double]], scores: [Double]) {
        let scores = AcquisitionOptimizer(refinements: 0, refinementIterations: 0).scores(model: model, evaluator: meanOnly, candidates: candidates)
        var generator = SeededGenerator(seed: seed, stream: 12)
        return EvolutionaryAcquisitionSearch(poolSize: 12, generations: 80)
            .search(model: model, evaluator: meanOnly, candidates: candidates, scores: scores, lower: [0, 0], upper: [1, 1], movable: [0, 1],
                    generator: &generator)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func findsTheHighestBumpFromCandidatesThatAllMissIt(seed: UInt64) throws {
        let model = try Self.multimodalModel()
        let maximum = Self.gridMaximum(model)
        #expect(maximum.point[0] > 0.7 && maximum.point[1] > 0.7)
        let candidates = Self.candidates(avoiding: maximum.point, seed: seed)
        let before = AcquisitionOptimizer(refinements: 0, refinementIterations: 0).scores(model: model, evaluator: Self.meanOnly, candidates: candidates)
        #expect((before.max() ?? .infinity) < maximum.value - 0.1)

        let found = Self.search(model, candidates, seed: seed)
        let best = try #require(found.scores.indices.max { found.scores[$0] < found.scores[$1] })
        #expect(found.scores[best] >= maximum.value - 1e-3)
        #expect(zip(found.points[best], maximum.point).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } < 0.02 * 0.02)
        #expect(found.points.allSatisfy { $0.allSatisfy { (0...1).contains($0) } })
    }

    @Test func isAPureFunctionOfItsGenerator() throws {
        let model = try Self.multimodalModel()
        let candidates = Self.candidates(avoiding: [0.83, 0.83], seed: 9)
        let first = Self.search(model, candidates, seed: 9)
        let second = Self.search(model, candidates, seed: 9)
        #expect(first.points == second.points)
        #expect(first.scores == second.scores)
        #expect(first.points.count >= 12)
    }

    @Test func poolSizeFollowsTheDimensionAndIsCapped() {
        #expect(EvolutionaryAcquisitionSearch.poolSize(features: 1) == 11)
        #expect(EvolutionaryAcquisitionSearch.poolSize(features: 6) == 21)
        #expect(EvolutionaryAcquisitionSearch.poolSize(features: 1_000) == 100)
    }

    static func acquisitionValue(_ proposal: DesignProposal) -> Double? {
        proposal.metadata.first { $0.key == "acquisition_value" }.flatMap { if case .text(let text) = $0.value { Double(text) } else { nil } }
    }

    /// The evolutionary stage refines the starts the plain search refines, and more: the designer's suggestion never
    /// has a lower acquisition value with it; and it stays a pure function of the seed and the history.
    @Test(arguments: [UInt64(1), 2, 3])
    func theDesignerWithTheStageNeverEndsLowerAndStaysDeterministic(seed: UInt64) throws {
        let history = try GaussianProcessSearchOptionsTests.history(count: 20, seed: seed)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: seed)
        let settings = GaussianProcessSettings(initialTrials: 8)
        let plain = try GaussianProcessDesigner(spec: spec, settings: settings, search: GaussianProcessDesigner.SearchOptions())
        let evolutionary = try GaussianProcessDesigner(spec: spec, settings: settings,
                                                      search: GaussianProcessDesigner.SearchOptions(evolutionaryPeriod: 1))
        let request = DesignRequest(count: 1, history: history, trialCount: history.count)
        let plainProposal = try #require(try plain.propose(request).first)
        let without = try #require(Self.acquisitionValue(plainProposal))
        let withStage = try #require(try evolutionary.propose(request).first)
        let value = try #require(Self.acquisitionValue(withStage))
        #expect(value >= without - 1e-5 * Swift.max(1, abs(without)))
        #expect(try evolutionary.propose(request).first?.parameters == withStage.parameters)
        #expect(GaussianProcessDesigner.SearchOptions.standard.evolutionaryPeriod == 0)
    }

    /// In a mixed space the stage moves the numeric features only: a batch is legal, new and the same on every call.
    @Test func inAMixedSpaceABatchIsLegalNewAndDeterministic() throws {
        let history = try DiscreteNeighbourhoodSearchTests.history(count: 16, seed: 3)
        let spec = DiscreteNeighbourhoodSearchTests.spec(seed: 3)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, evolutionaryPeriod: 1)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let request = DesignRequest(count: 3, history: history, trialCount: history.count)
        let batch = try designer.suggest(request)
        #expect(batch == (try designer.suggest(request)))
        #expect(batch.count == 3 && Set(batch).count == 3)
        #expect(Set(batch).isDisjoint(with: history.map(\.parameters)))
        for assignment in batch {
            #expect(spec.searchSpace.isValid(assignment))
        }
    }
}
