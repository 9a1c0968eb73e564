import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The acquisition search in mixed spaces: exact scores at legal values, moves one legal value at a time, and no point
/// a trial already has.
@Suite struct DiscreteNeighbourhoodSearchTests {
    static let space = SearchSpace([.double("x", min: 0, max: 1), .integer("n", min: 1, max: 20), .categorical("c", ["a", "b", "c", "d"]),
                                    .integer("batch", min: 8, max: 512, scale: .log)])

    /// A mixed objective with its minimum at x = 0.3, n = 14, c = "c", batch = 64.
    static func objective(_ assignment: ParameterAssignment) -> Double {
        let x = assignment["x"]?.doubleValue ?? 0
        let n = assignment["n"]?.doubleValue ?? 0
        let batch = assignment["batch"]?.doubleValue ?? 1
        let offsets: [String: Double] = ["a": 0.6, "b": 0.3, "c": 0, "d": 0.9]
        let category = if case .string(let name)? = assignment["c"] { offsets[name] ?? 1 } else { 1.0 }
        return (x - 0.3) * (x - 0.3) + 0.01 * (n - 14) * (n - 14) + category + 0.1 * pow(log2(batch) - 6, 2)
    }

    static func spec(seed: UInt64) -> StudySpec {
        StudySpec(name: "test", searchSpace: space, objective: Objective(metric: "y", goal: .minimize),
                  algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 8)), seed: seed)
    }

    static func history(count: Int, seed: UInt64) throws -> [Trial] {
        let designer = try GaussianProcessDesigner(spec: spec(seed: seed), settings: GaussianProcessSettings(initialTrials: 8))
        var trials: [Trial] = []
        for index in 0..<count {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: trials, trialCount: index)).first)
            trials.append(GaussianProcessDesignerTests.trial(id: index + 1, assignment, value: objective(assignment)))
        }
        return trials
    }

    @Test func neighboursMoveOneParameterByOneLegalValue() throws {
        let encoding = FeatureEncoding(space: Self.space)
        let start: ParameterAssignment = ["x": .double(0.25), "n": .integer(1), "c": .string("b"), "batch": .integer(8)]
        let features = try #require(encoding.features(of: start))
        let neighbours = DiscreteNeighbourhoodSearch(encoding: encoding).neighbours(of: features).map(encoding.assignment(of:))
        // n = 1 and batch = 8 are at their lower bounds: one step up each, and the three other categories.
        let expected: Set<ParameterAssignment> = [
            ["x": .double(0.25), "n": .integer(2), "c": .string("b"), "batch": .integer(8)],
            ["x": .double(0.25), "n": .integer(1), "c": .string("a"), "batch": .integer(8)],
            ["x": .double(0.25), "n": .integer(1), "c": .string("c"), "batch": .integer(8)],
            ["x": .double(0.25), "n": .integer(1), "c": .string("d"), "batch": .integer(8)],
            ["x": .double(0.25), "n": .integer(1), "c": .string("b"), "batch": .integer(9)],
        ]
        #expect(neighbours.count == expected.count)
        #expect(Set(neighbours) == expected)

        let middle: ParameterAssignment = ["x": .double(0.25), "n": .integer(7), "c": .string("b"), "batch": .integer(100)]
        let around = DiscreteNeighbourhoodSearch(encoding: encoding).neighbours(of: try #require(encoding.features(of: middle)))
            .map(encoding.assignment(of:))
        #expect(Set(around.compactMap { $0["n"] }) == [.integer(6), .integer(7), .integer(8)])
        #expect(Set(around.compactMap { $0["batch"] }) == [.integer(99), .integer(100), .integer(101)])
        #expect(around.allSatisfy { $0["x"] == .double(0.25) })
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func scoresExactlyAtLegalValuesAndBeatsSnappingTheContinuousOptimum(seed: UInt64) throws {
        let history = try Self.history(count: 20, seed: seed)
        let designer = try GaussianProcessDesigner(spec: Self.spec(seed: seed), settings: GaussianProcessSettings(initialTrials: 8))
        let data = TrainingData(request: DesignRequest(count: 1, history: history, trialCount: history.count), objective: designer.spec.objective,
                                encoding: designer.encoding)
        var generator = SeededGenerator(seed: seed, stream: 5)
        let model = try #require(designer.fitModel(data, generator: &generator)).model
        let evaluator = AcquisitionEvaluator(function: .logExpectedImprovement, beta: 1.8, incumbent: model.values.max() ?? 0)
        let (candidates, lower, upper) = designer.candidateSet(model: model, data: data, generator: &generator)
        let proposals = AcquisitionOptimizer(refinements: 4, refinementIterations: 30)
            .maximize(model: model, evaluator: evaluator, candidates: candidates, lower: lower, upper: upper, movable: designer.encoding.numericFeatures)
        let found = DiscreteNeighbourhoodSearch(encoding: designer.encoding)
            .search(proposals: proposals, model: model, evaluator: evaluator, lower: lower, upper: upper, excluded: data.knownAssignments)

        func exactScore(_ features: [Double]) -> Double {
            let prediction = model.predictWithGradient(at: features)
            return evaluator.score(mean: prediction.mean, variance: prediction.variance)
        }
        let leading = try #require(found.first)
        #expect(found.allSatisfy { designer.encoding.snapped($0.features) == $0.features })
        #expect(found.allSatisfy { !data.knownAssignments.contains(designer.encoding.assignment(of: $0.features)) })
        #expect(Set(found.map { designer.encoding.assignment(of: $0.features) }).count == found.count)
        for proposal in found.prefix(10) {
            #expect(abs(proposal.score - exactScore(proposal.features)) <= 1e-9 * Swift.max(1, abs(proposal.score)))
        }
        // What the designer did before: the best continuous proposal whose snapped point is new.
        let snappedFirst = try #require(proposals.lazy.map { designer.encoding.snapped($0.features) }
            .first { !data.knownAssignments.contains(designer.encoding.assignment(of: $0)) })
        #expect(leading.score >= exactScore(snappedFirst) - 1e-9)
    }

    @Test func aSmallDiscreteSpaceIsUsedUpInBatchesWithoutARepeat() throws {
        let space = SearchSpace([.integer("a", min: 0, max: 3), .integer("b", min: 0, max: 3), .categorical("c", ["p", "q"])])
        let spec = StudySpec(name: "test", searchSpace: space, objective: Objective(metric: "y", goal: .minimize),
                             algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 4)), seed: 3)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 4))
        var history: [Trial] = []
        var seen: Set<ParameterAssignment> = []
        while history.count < 40 {
            let batch = try designer.suggest(DesignRequest(count: 3, history: history, trialCount: history.count))
            guard !batch.isEmpty else { break }
            for assignment in batch {
                #expect(space.isValid(assignment))
                #expect(seen.insert(assignment).inserted)
                let a = assignment["a"]?.doubleValue ?? 0, b = assignment["b"]?.doubleValue ?? 0
                let value = (a - 2) * (a - 2) + (b - 1) * (b - 1) + (assignment["c"] == .string("q") ? 0 : 0.5)
                history.append(GaussianProcessDesignerTests.trial(id: history.count + 1, assignment, value: value))
            }
        }
        // 32 points in all: every one proposed once, then nothing.
        #expect(seen.count == 32)
        #expect(history.count == 32)
    }

    @Test func pendingDiscretePointsAreNotSuggestedAgain() throws {
        let history = try Self.history(count: 14, seed: 7)
        let designer = try GaussianProcessDesigner(spec: Self.spec(seed: 7), settings: GaussianProcessSettings(initialTrials: 8))
        let first = try designer.suggest(DesignRequest(count: 4, history: history, trialCount: history.count))
        let second = try designer.suggest(DesignRequest(count: 4, history: history, trialCount: history.count + 4, pending: first))
        #expect(Set(first).count == 4)
        #expect(Set(second).count == 4)
        #expect(Set(first).isDisjoint(with: second))
        #expect(Set(first + second).isDisjoint(with: history.map(\.parameters)))
    }
}
