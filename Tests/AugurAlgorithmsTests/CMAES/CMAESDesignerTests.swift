import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct CMAESDesignerTests {
    static let plane = SearchSpace([.double("x", min: -2, max: 2), .double("y", min: 0, max: 10)])

    static func designer(_ space: SearchSpace = plane, settings: CMAESSettings = CMAESSettings(), seed: UInt64 = 3) throws -> CMAESDesigner {
        try CMAESDesigner(spec: Fixtures.spec(space, algorithm: .cmaes(settings), seed: seed), settings: settings)
    }

    /// Runs a study `parallel` trials at a time: each round suggests `parallel` trials with the unfinished ones
    /// pending, then finishes the oldest `parallel` (so trials complete out of step with the generations).
    static func run(_ designer: CMAESDesigner, trials total: Int, parallel: Int = 1, failing: Set<Int> = [],
                    loss: ([Double]) -> Double) throws -> [Trial] {
        var trials: [Trial] = []
        var clock = 0.0
        while trials.count < total {
            let pending = trials.filter { !$0.state.isTerminal }.map(\.parameters)
            let next = try designer.suggest(DesignRequest(count: parallel, history: trials, trialCount: trials.count, pending: pending))
            for assignment in next {
                trials.append(Trial(id: trials.count + 1, study: "test", parameters: assignment, state: .active))
            }
            for index in trials.indices where trials[index].state == .active && index < trials.count - parallel + 1 {
                let point = designer.searchSpace.parameters.map { trials[index].parameters[$0.name]?.doubleValue ?? 0 }
                clock += 1
                trials[index].endedAt = Date(timeIntervalSinceReferenceDate: clock)
                if failing.contains(trials[index].id) {
                    trials[index].state = .failed
                } else {
                    trials[index].state = .completed
                    trials[index].finalMeasurement = TrialMeasurement(metrics: ["loss": loss(point)])
                }
            }
        }
        return trials
    }

    static func sphere(_ point: [Double]) -> Double { pow(point[0] - 1, 2) + pow((point[1] - 3) / 5, 2) }

    @Test func aGenerationIsToldOnceItsPopulationHasCompleted() throws {
        let cmaes = try Self.designer()
        let trials = try Self.run(cmaes, trials: 5, loss: Self.sphere)
        #expect(cmaes.replay(trials).generations == 0)
        let six = try Self.run(cmaes, trials: 6, loss: Self.sphere)
        #expect(cmaes.replay(six).generations == 1)
        // The sixth trial still pending: nothing is told.
        var pending = six
        pending[5].state = .active
        pending[5].finalMeasurement = nil
        #expect(cmaes.replay(pending).generations == 0)
    }

    @Test func failedTrialsAreReplacedNotTold() throws {
        let cmaes = try Self.designer()
        // Trials 2 and 4 fail: generation 0 needs trials 7 and 8 to fill its six.
        let seven = try Self.run(cmaes, trials: 7, failing: [2, 4], loss: Self.sphere)
        #expect(cmaes.replay(seven).generations == 0)
        let eight = try Self.run(cmaes, trials: 8, failing: [2, 4], loss: Self.sphere)
        #expect(cmaes.replay(eight).generations == 1)
    }

    @Test func replayFollowsTheLiveGenerationsWithParallelTrials() throws {
        let cmaes = try Self.designer()
        let trials = try Self.run(cmaes, trials: 60, parallel: 4, loss: Self.sphere)
        // Every trial after the first generation was drawn from a later one; the replay recognises them, so the
        // generations told account for most completed trials (with four at once, up to three stragglers per generation
        // were drawn from a generation already told, which the live designer recognised and left out as well).
        let replay = cmaes.replay(trials)
        #expect(replay.unrecognised == 0)
        #expect(replay.generations >= 5)
        // A parallel batch never repeats a point.
        let batch = try cmaes.suggest(DesignRequest(count: 8, history: trials, trialCount: trials.count))
        #expect(Set(batch).count == 8)
    }

    @Test func aReplayResumedAfterTheTerminalTrialsIsAFullReplay() throws {
        let cmaes = try Self.designer(seed: 41)
        // Running the study fills the cache of walks as the live designer would; a history it has never seen (the
        // same trials under another study name) is replayed from the start. Both must agree.
        let trials = try Self.run(cmaes, trials: 40, parallel: 3, loss: Self.sphere)
        let resumed = cmaes.replay(trials)
        let fresh = cmaes.replay(trials.map { trial in
            var renamed = trial
            renamed.study = "another"
            return renamed
        })
        #expect(resumed.strategy == fresh.strategy)
        #expect(resumed.generations == fresh.generations)
        #expect(resumed.generations > 0)
    }

    @Test func sameHistoryGivesTheSameSuggestion() throws {
        let cmaes = try Self.designer()
        let trials = try Self.run(cmaes, trials: 30, parallel: 3, loss: Self.sphere)
        let request = DesignRequest(count: 2, history: trials, trialCount: trials.count)
        #expect(try cmaes.suggest(request) == cmaes.suggest(request))
    }

    @Test func convergesOnABowl() throws {
        let cmaes = try Self.designer()
        let trials = try Self.run(cmaes, trials: 150, loss: Self.sphere)
        let best = trials.compactMap { $0.finalValue(of: "loss") }.min() ?? .infinity
        #expect(best < 1e-3)
    }

    @Test(arguments: [CMAESRestartStrategy.ipop, .bipop])
    func aStalledRunRestartsWithAnotherPopulation(strategy: CMAESRestartStrategy) throws {
        let cmaes = try Self.designer(settings: CMAESSettings(restartStrategy: strategy))
        // A flat objective stops a run after 21 generations of 6.
        let trials = try Self.run(cmaes, trials: 6 * 21 + 2, loss: { _ in 1 })
        let replay = cmaes.replay(trials)
        #expect(replay.restarts == 1)
        if strategy == .ipop {
            #expect(replay.strategy.populationSize == 12)
        } else {
            // BIPOP's first restart is a large one (no small budget spent yet): the population doubles too.
            #expect(replay.strategy.populationSize == 12)
        }
        #expect(replay.strategy.generation == 0)
        let none = try Self.designer(settings: CMAESSettings(restartStrategy: .none))
        #expect(none.replay(try Self.run(none, trials: 6 * 21 + 2, loss: { _ in 1 })).restarts == 0)
    }

    @Test func categoricalParametersAreDrawnIndependentlyAtRandom() throws {
        let space = SearchSpace([.categorical("optimizer", ["sgd", "adam", "ftrl"]), .double("x", min: 0, max: 1)])
        let cmaes = try Self.designer(space)
        let suggestions = try cmaes.suggest(DesignRequest(count: 300, trialCount: 0))
        let counts = Dictionary(grouping: suggestions.compactMap { $0["optimizer"]?.stringValue }, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 3)
        #expect(counts.values.allSatisfy { $0 > 70 })
        let onlyCategorical = try Self.designer(SearchSpace([.categorical("c", ["a", "b"])]))
        #expect(try onlyCategorical.suggest(DesignRequest(count: 4, trialCount: 0)).count == 4)
    }

    @Test func nonPositiveSigmaIsADesignerError() {
        #expect(throws: DesignerError.self) { try Self.designer(settings: CMAESSettings(sigma: 0)) }
    }
}
