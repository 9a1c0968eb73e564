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
}
