import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct TrainingDataTests {
    let space = SearchSpace([.double("x", min: 0, max: 10)])
    let objective = Objective(metric: "loss", goal: .minimize)

    func trial(_ id: Int, x: Double, state: TrialState, final: Double? = nil, intermediate: [Double] = []) -> Trial {
        Trial(id: id, study: "test", parameters: ["x": .double(x)], state: state, createdAt: Date(timeIntervalSince1970: 0),
              measurements: intermediate.enumerated().map { TrialMeasurement(step: $0.offset, metrics: ["loss": $0.element]) },
              finalMeasurement: final.map { TrialMeasurement(metrics: ["loss": $0]) })
    }

    @Test func sortsTrialsByWhatTheyTeach() {
        let history = [
            trial(1, x: 1, state: .completed, final: 3),
            trial(2, x: 2, state: .stopped, intermediate: [5, 4]),
            trial(3, x: 3, state: .stopped),
            trial(4, x: 4, state: .failed),
            trial(5, x: 5, state: .infeasible),
            trial(6, x: 6, state: .completed, final: .nan),
            trial(7, x: 7, state: .active),
            trial(8, x: 8, state: .requested),
        ]
        let request = DesignRequest(count: 1, history: history, trialCount: 8, pending: [["x": .double(7)], ["x": .double(9)]])
        let data = TrainingData(request: request, objective: objective, encoding: FeatureEncoding(space: space))
        // Minimizing: values are negated so that larger is better; the stopped trial keeps its last value.
        #expect(data.values == [-3, -4])
        #expect(data.points == [[0.1], [0.2]])
        #expect(data.infeasiblePoints == [[0.4], [0.5], [0.6]])
        // ACTIVE, REQUESTED and the pending list, without counting trial 7 twice.
        #expect(data.pendingPoints == [[0.7], [0.8], [0.9]])
        #expect(data.knownAssignments.count == 9)
        let labelled = data.labelledPoints
        #expect(labelled.values == [-3, -4, -4, -4, -4])
        #expect(data.observationsSinceBest == 1)
    }

    @Test func leavesInfeasibleTrialsOutUntilSomethingHasAValue() {
        let request = DesignRequest(count: 1, history: [trial(1, x: 1, state: .failed)], trialCount: 1)
        let data = TrainingData(request: request, objective: objective, encoding: FeatureEncoding(space: space))
        #expect(data.labelledPoints.points.isEmpty)
    }

    @Test func stagnationCountsOnlyImprovementsAboveTheTolerance() {
        func count(_ losses: [Double], tolerance: Double = 0.01) -> (sinceImprovement: Int, sinceBest: Int) {
            let history = losses.enumerated().map { trial($0.offset + 1, x: Double($0.offset) / 10, state: .completed, final: $0.element) }
            let data = TrainingData(request: DesignRequest(count: 1, history: history, trialCount: history.count), objective: objective,
                                    encoding: FeatureEncoding(space: space))
            return (data.observationsSinceImprovement(tolerance: tolerance), data.observationsSinceBest)
        }
        // Creeping down by 10⁻⁹ per trial after trial 8 is no improvement; the best trial is still the last one. (The
        // warped units scale with the spread of the better half of the values, so that half is spread out here.)
        let creeping = count([9, 8, 7, 6, 5, 4, 3, 1, 1 - 1e-9, 1 - 2e-9, 1 - 3e-9, 1 - 4e-9])
        #expect(creeping.sinceImprovement == 4 && creeping.sinceBest == 0)
        #expect(count([5, 4, 3, 2, 1]).sinceImprovement == 0)
        #expect(count([1, 5, 6, 7]).sinceImprovement == 3)
        // With no tolerance every improvement counts, as for the best trial.
        #expect(count([5, 1, 1 - 1e-9, 1 - 2e-9], tolerance: 0).sinceImprovement == 0)
        #expect(count([]).sinceImprovement == 0)
    }
}
