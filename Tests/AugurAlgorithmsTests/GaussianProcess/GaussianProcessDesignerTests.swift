import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

/// A test function to minimize over a box, with its known minimum.
struct TestProblem: Sendable {
    var lower: [Double]
    var upper: [Double]
    var minimum: Double
    var evaluate: @Sendable ([Double]) -> Double
}

@Suite struct GaussianProcessDesignerTests {
    static let branin = TestProblem(lower: [-5.0, 0], upper: [10.0, 15], minimum: 0.397887357729738, evaluate: { (x: [Double]) -> Double in
        let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
        let term = x[1] - b * x[0] * x[0] + c * x[0] - 6
        return term * term + 10 * (1 - t) * cos(x[0]) + 10
    })

    static let hartmann6 = TestProblem(lower: [Double](repeating: 0, count: 6), upper: [Double](repeating: 1, count: 6), minimum: -3.322368011391339,
                            evaluate: { (x: [Double]) -> Double in
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a = [[10.0, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3.0, 3.5, 1.7, 10, 17, 8], [17.0, 8, 0.05, 10, 0.1, 14]]
        let p = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                 [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
        var value = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            value -= alpha[i] * exp(-inner)
        }
        return value
    })

    static func spec(lower: [Double], upper: [Double], seed: UInt64, initialTrials: Int = 8,
                     acquisition: AcquisitionFunction = .logExpectedImprovement) -> StudySpec {
        let parameters = lower.indices.map { ParameterSpec.double("x\($0)", min: lower[$0], max: upper[$0]) }
        return StudySpec(name: "test", searchSpace: SearchSpace(parameters), objective: Objective(metric: "y", goal: .minimize),
                         algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: initialTrials, acquisition: acquisition)), seed: seed)
    }

    static func point(_ assignment: ParameterAssignment, dimensions: Int) -> [Double] {
        (0..<dimensions).map { assignment["x\($0)"]?.doubleValue ?? .nan }
    }

    static func trial(id: Int, _ assignment: ParameterAssignment, value: Double?, state: TrialState = .completed) -> Trial {
        Trial(id: id, study: "test", parameters: assignment, state: state, createdAt: Date(timeIntervalSince1970: 0),
              finalMeasurement: value.map { TrialMeasurement(metrics: ["y": $0]) })
    }

    /// Best value found by `budget` sequential GP suggestions.
    static func optimize(lower: [Double], upper: [Double], evaluate: ([Double]) -> Double, budget: Int, seed: UInt64) throws -> Double {
        let spec = spec(lower: lower, upper: upper, seed: seed)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8))
        var history: [Trial] = []
        var best = Double.infinity
        for index in 0..<budget {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: history, trialCount: index)).first)
            let value = evaluate(point(assignment, dimensions: lower.count))
            best = min(best, value)
            history.append(trial(id: index + 1, assignment, value: value))
        }
        return best
    }

    static func randomSearch(lower: [Double], upper: [Double], evaluate: ([Double]) -> Double, budget: Int, seed: UInt64) -> Double {
        var generator = SeededGenerator(seed: seed, stream: 77)
        var best = Double.infinity
        for _ in 0..<budget {
            best = min(best, evaluate(lower.indices.map { lower[$0] + generator.nextUnit() * (upper[$0] - lower[$0]) }))
        }
        return best
    }

    @Test func theFactoryBuildsIt() throws {
        let designer = try DesignerFactory.make(for: Self.spec(lower: [0], upper: [1], seed: 1))
        #expect(designer is GaussianProcessDesigner)
        #expect(designer.historyScope == .finalMeasurements)
    }

    @Test func startsWithTheQuasiRandomDesign() throws {
        let spec = Self.spec(lower: [0, 0], upper: [1, 1], seed: 4, initialTrials: 5)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 5))
        let quasiRandom = try QuasiRandomDesigner(spec: spec)
        let request = DesignRequest(count: 3, history: [], trialCount: 0)
        #expect(try designer.suggest(request) == quasiRandom.suggest(request))
    }

    @Test func isDeterministicForASeedAndHistory() throws {
        let spec = Self.spec(lower: Self.branin.lower, upper: Self.branin.upper, seed: 9)
        let quasiRandom = try QuasiRandomDesigner(spec: spec)
        let initial = try quasiRandom.suggest(DesignRequest(count: 8, trialCount: 0))
        let history = initial.enumerated().map { Self.trial(id: $0 + 1, $1, value: Self.branin.evaluate(Self.point($1, dimensions: 2))) }
        let request = DesignRequest(count: 2, history: history, trialCount: history.count)
        let first = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8)).suggest(request)
        let second = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8)).suggest(request)
        #expect(first == second)
        #expect(first.count == 2)
        #expect(first.allSatisfy(spec.searchSpace.isValid))
    }

    @Test(arguments: AcquisitionFunction.allCases)
    func aBatchIsDistinctAndAvoidsPendingTrials(acquisition: AcquisitionFunction) throws {
        let spec = Self.spec(lower: Self.branin.lower, upper: Self.branin.upper, seed: 2, acquisition: acquisition)
        guard case .gaussianProcess(let settings) = spec.algorithm else { return }
        let quasiRandom = try QuasiRandomDesigner(spec: spec)
        let initial = try quasiRandom.suggest(DesignRequest(count: 10, trialCount: 0))
        var history = initial.prefix(8).enumerated().map { Self.trial(id: $0 + 1, $1, value: Self.branin.evaluate(Self.point($1, dimensions: 2))) }
        history.append(Self.trial(id: 9, initial[8], value: nil, state: .active))
        history.append(Self.trial(id: 10, initial[9], value: nil, state: .failed))
        let request = DesignRequest(count: 4, history: history, trialCount: 10, pending: [initial[8]])
        let batch = try GaussianProcessDesigner(spec: spec, settings: settings).suggest(request)
        #expect(batch.count == 4)
        let points = batch.map { Self.point($0, dimensions: 2) }
        for i in points.indices {
            // Scaled to the unit square, no two members of the batch and no pending trial are near-duplicates.
            let others = points[..<i] + [Self.point(initial[8], dimensions: 2)]
            for other in others {
                let distance = ((points[i][0] - other[0]) / 15 * (points[i][0] - other[0]) / 15
                    + (points[i][1] - other[1]) / 15 * (points[i][1] - other[1]) / 15).squareRoot()
                #expect(distance > 1e-3)
            }
        }
    }

    @Test func handlesMixedSpacesAndDoesNotRepeatAssignments() throws {
        let space = SearchSpace([.integer("layers", min: 1, max: 3), .categorical("optimizer", ["sgd", "adam"])])
        let spec = StudySpec(name: "test", searchSpace: space, objective: Objective(metric: "y", goal: .maximize),
                             algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 2)), seed: 5)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 2))
        var history: [Trial] = []
        var seen: Set<ParameterAssignment> = []
        while let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: history.count)).first {
            #expect(space.isValid(assignment))
            if history.count >= 2 { #expect(seen.insert(assignment).inserted) } else { seen.insert(assignment) }
            let layers = Double(assignment["layers"]?.doubleValue ?? 0)
            history.append(Self.trial(id: history.count + 1, assignment, value: layers + (assignment["optimizer"] == .string("adam") ? 1 : 0)))
            if history.count > 10 { break }
        }
        // Six cells in all: the designer stops proposing once every one has been tried.
        #expect(seen.count <= 6)
        #expect(history.count <= 8)
    }

    @Test func survivesDegenerateHistories() throws {
        let spec = Self.spec(lower: [0, 0], upper: [1, 1], seed: 8, initialTrials: 2)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 2))
        let same: ParameterAssignment = ["x0": .double(0.5), "x1": .double(0.5)]
        let other: ParameterAssignment = ["x0": .double(0.1), "x1": .double(0.9)]
        let histories: [[Trial]] = [
            // Every value equal.
            (0..<5).map { Self.trial(id: $0 + 1, ["x0": .double(Double($0) / 5), "x1": .double(0.3)], value: 1) },
            // The same point observed with different values, and non-finite values.
            [Self.trial(id: 1, same, value: 1), Self.trial(id: 2, same, value: 2), Self.trial(id: 3, same, value: 1e300),
             Self.trial(id: 4, other, value: .infinity), Self.trial(id: 5, other, value: -3)],
        ]
        for history in histories {
            let batch = try designer.suggest(DesignRequest(count: 3, history: history, trialCount: history.count))
            #expect(batch.count == 3)
            #expect(batch.allSatisfy(spec.searchSpace.isValid))
            #expect(Set(batch).count == 3)
        }
    }

    @Test func searchesATrustRegionInHigherDimensions() throws {
        let lower = [Double](repeating: 0, count: 10)
        let upper = [Double](repeating: 1, count: 10)
        let spec = Self.spec(lower: lower, upper: upper, seed: 6, initialTrials: 12)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 12))
        let sphere: ([Double]) -> Double = { x in x.reduce(0) { $0 + ($1 - 0.3) * ($1 - 0.3) } }
        var history: [Trial] = []
        for index in 0..<30 {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: history, trialCount: index)).first)
            #expect(spec.searchSpace.isValid(assignment))
            history.append(Self.trial(id: index + 1, assignment, value: sphere(Self.point(assignment, dimensions: 10))))
        }
        let initialBest = history.prefix(12).compactMap { $0.finalValue(of: "y") }.min() ?? .infinity
        let modelBest = history.suffix(18).compactMap { $0.finalValue(of: "y") }.min() ?? .infinity
        // On a convex bowl the model's suggestions soon improve on the twelve quasi-random points.
        #expect(modelBest < initialBest)
    }

    @Test func beatsRandomSearchOnBranin() throws {
        var gpRegrets: [Double] = []
        var randomRegrets: [Double] = []
        for seed in [UInt64(1), 2] {
            gpRegrets.append(try Self.optimize(lower: Self.branin.lower, upper: Self.branin.upper, evaluate: Self.branin.evaluate,
                                               budget: 30, seed: seed) - Self.branin.minimum)
            randomRegrets.append(Self.randomSearch(lower: Self.branin.lower, upper: Self.branin.upper, evaluate: Self.branin.evaluate,
                                                   budget: 30, seed: seed) - Self.branin.minimum)
        }
        #expect(gpRegrets.max() ?? .infinity < 0.05, "GP regrets \(gpRegrets)")
        #expect((gpRegrets.max() ?? .infinity) * 10 < (randomRegrets.min() ?? 0), "GP \(gpRegrets) vs random \(randomRegrets)")
    }

    @Test func beatsRandomSearchOnHartmann6() throws {
        var gpRegrets: [Double] = []
        var randomRegrets: [Double] = []
        for seed in [UInt64(1), 2] {
            gpRegrets.append(try Self.optimize(lower: Self.hartmann6.lower, upper: Self.hartmann6.upper, evaluate: Self.hartmann6.evaluate,
                                               budget: 40, seed: seed) - Self.hartmann6.minimum)
            randomRegrets.append(Self.randomSearch(lower: Self.hartmann6.lower, upper: Self.hartmann6.upper, evaluate: Self.hartmann6.evaluate,
                                                   budget: 40, seed: seed) - Self.hartmann6.minimum)
        }
        #expect((gpRegrets.max() ?? .infinity) * 2 < (randomRegrets.min() ?? 0), "GP \(gpRegrets) vs random \(randomRegrets)")
    }
}
