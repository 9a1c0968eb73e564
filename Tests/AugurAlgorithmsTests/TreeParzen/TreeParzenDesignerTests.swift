import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct TreeParzenDesignerTests {
    static let plane = SearchSpace([.double("x", min: 0, max: 1), .double("y", min: -5, max: 5)])

    static func designer(_ space: SearchSpace = plane, settings: TreeParzenSettings = TreeParzenSettings(),
                         seed: UInt64 = 5) throws -> TreeParzenDesigner {
        try TreeParzenDesigner(spec: Fixtures.spec(space, algorithm: .treeParzen(settings), seed: seed), settings: settings)
    }

    /// Completed trials at `points` with losses `loss(point)`.
    static func history(_ points: [[Double]], loss: ([Double]) -> Double) -> [Trial] {
        points.enumerated().map { offset, point in
            Trial(id: offset + 1, study: "test", parameters: ["x": .double(point[0]), "y": .double(point[1])],
                  state: .completed, finalMeasurement: TrialMeasurement(metrics: ["loss": loss(point)]))
        }
    }

    @Test func startupTrialsAreRandomSearch() throws {
        let tpe = try Self.designer()
        let random = try RandomDesigner(searchSpace: Self.plane, seed: 5)
        let suggested = try tpe.suggest(DesignRequest(count: 10, trialCount: 0))
        #expect(suggested == (try random.suggest(DesignRequest(count: 10, trialCount: 0))))
    }

    @Test func goodCountIsGammaOfTheFinishedCappedAtTwentyFive() throws {
        let tpe = try Self.designer()
        #expect(tpe.goodCount(finished: 10) == 1)
        #expect(tpe.goodCount(finished: 11) == 2)
        #expect(tpe.goodCount(finished: 1000) == 25)
        let quarter = try Self.designer(settings: TreeParzenSettings(gamma: 0.25))
        #expect(quarter.goodCount(finished: 10) == 3)
    }

    @Test func splitPutsTheBestInTheGoodGroupAndPendingTrialsInTheBad() throws {
        // Ten completed trials along x with loss |x − 0.35|, one ACTIVE trial, one FAILED (left out), gamma 0.25: the
        // three best (x = 0.3, 0.4, 0.2) are good, in trial order.
        let xs = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        var trials = Self.history(xs.map { [$0, 0] }) { abs($0[0] - 0.35) }
        trials.append(Trial(id: 11, study: "test", parameters: ["x": .double(0.33), "y": .double(0)], state: .active))
        trials.append(Trial(id: 12, study: "test", parameters: ["x": .double(0.36), "y": .double(0)], state: .failed))
        let request = DesignRequest(count: 1, history: trials, trialCount: 12)
        let history = TreeParzenHistory(request: request, objective: Objective(metric: "loss", goal: .minimize),
                                        space: Self.plane, dimensions: [.numeric, .numeric])
        #expect(history.finishedCount == 10)
        let (good, bad) = history.split(goodCount: 3)
        #expect(good.map { ($0[0] * 10).rounded() / 10 } == [0.2, 0.3, 0.4])
        #expect(bad.count == 8)
        #expect(abs((bad.last?[0] ?? 0) - 0.33) < 1e-12)
    }

    @Test func maximizingRanksTheLargestValuesFirst() throws {
        let trials = Self.history([[0.1, 0], [0.9, 0], [0.5, 0]]) { $0[0] }
        let history = TreeParzenHistory(request: DesignRequest(count: 1, history: trials, trialCount: 3),
                                        objective: Objective(metric: "loss", goal: .maximize),
                                        space: Self.plane, dimensions: [.numeric, .numeric])
        #expect(history.split(goodCount: 1).good.map { $0[0] } == [0.9])
    }

    @Test(arguments: [false, true])
    func sameHistoryGivesTheSameSuggestion(multivariate: Bool) throws {
        let tpe = try Self.designer(settings: TreeParzenSettings(multivariate: multivariate))
        var generator = SeededGenerator(seed: 9)
        let trials = Self.history((0..<20).map { _ in [generator.nextUnit(), generator.nextUnit() * 10 - 5] }) { $0[0] + $0[1] }
        let request = DesignRequest(count: 3, history: trials, trialCount: 20)
        #expect(try tpe.suggest(request) == tpe.suggest(request))
    }

    @Test(arguments: [false, true])
    func pendingTrialsSteerTheNextSuggestionAway(multivariate: Bool) throws {
        let tpe = try Self.designer(settings: TreeParzenSettings(multivariate: multivariate))
        var generator = SeededGenerator(seed: 11)
        let trials = Self.history((0..<30).map { _ in [generator.nextUnit(), generator.nextUnit() * 10 - 5] }) {
            pow($0[0] - 0.5, 2) + pow($0[1] / 10, 2)
        }
        // A batch of four: each suggestion counts the earlier ones as pending, so none repeats.
        let batch = try tpe.suggest(DesignRequest(count: 4, history: trials, trialCount: 30))
        #expect(Set(batch).count == 4)
        // The same trial with the first suggestion pending is a different point (the constant liar).
        let alone = try tpe.suggest(DesignRequest(count: 1, history: trials, trialCount: 30))
        let withPending = try tpe.suggest(DesignRequest(count: 1, history: trials, trialCount: 30, pending: alone))
        #expect(alone != withPending)
    }

    @Test(arguments: [false, true])
    func findsTheMinimumOfABowl(multivariate: Bool) throws {
        let tpe = try Self.designer(settings: TreeParzenSettings(multivariate: multivariate), seed: 2)
        var trials: [Trial] = []
        for index in 0..<80 {
            let next = try #require(try tpe.suggest(DesignRequest(count: 1, history: trials, trialCount: index)).first)
            let x = try #require(next["x"]?.doubleValue), y = try #require(next["y"]?.doubleValue)
            trials += Self.history([[x, y]]) { pow($0[0] - 0.3, 2) + pow(($0[1] - 1) / 10, 2) }.map {
                var trial = $0
                trial.id = index + 1
                return trial
            }
        }
        let best = trials.compactMap { $0.finalValue(of: "loss") }.min() ?? .infinity
        // Random search's median best of 80 on this bowl is about 2e-3; TPE does much better.
        #expect(best < 5e-4)
    }

    @Test func categoricalValuesWithGoodResultsAreChosenMoreOften() throws {
        let space = SearchSpace([.categorical("optimizer", ["sgd", "adam", "rmsprop", "ftrl"]), .double("x", min: 0, max: 1)])
        let tpe = try Self.designer(space, settings: TreeParzenSettings(startupTrials: 8))
        var trials: [Trial] = []
        for index in 0..<60 {
            let next = try #require(try tpe.suggest(DesignRequest(count: 1, history: trials, trialCount: index)).first)
            let loss = (next["optimizer"] == .string("adam") ? 0 : 1) + (next["x"]?.doubleValue ?? 0)
            trials.append(Trial(id: index + 1, study: "test", parameters: next, state: .completed,
                                finalMeasurement: TrialMeasurement(metrics: ["loss": loss])))
        }
        let adam = trials.dropFirst(8).filter { $0.parameters["optimizer"] == .string("adam") }.count
        #expect(adam > 26)
    }

    @Test func outOfRangeSettingsAreDesignerErrors() {
        #expect(throws: DesignerError.self) { try Self.designer(settings: TreeParzenSettings(gamma: 0)) }
        #expect(throws: DesignerError.self) { try Self.designer(settings: TreeParzenSettings(candidates: 0)) }
        #expect(throws: DesignerError.self) { try Self.designer(settings: TreeParzenSettings(priorWeight: -.infinity)) }
    }
}
