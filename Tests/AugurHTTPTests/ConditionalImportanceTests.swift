import Foundation
@testable import AugurHTTP
import AugurCore
import Testing

/// PED-ANOVA over a conditional space: each parameter is judged on the trials where it exists.
@Suite struct ConditionalImportanceTests {
    static let space = SearchSpace([
        .categorical("optimizer", ["sgd", "adam"]),
        .double("lr_sgd", min: 0, max: 1).when("optimizer", in: [.string("sgd")]),
        .double("lr_adam", min: 0, max: 1).when("optimizer", in: [.string("adam")]),
    ])

    @Test(arguments: [1, 2, 3] as [UInt64])
    func theActiveLearningRateThatMattersRanksAboveTheOneThatNeverWins(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        // sgd wins whenever its rate is near 0.2; adam never reaches the top set.
        let trials = (0..<400).map { _ -> (parameters: ParameterAssignment, value: Double) in
            let optimizer = generator.nextUnit() < 0.5 ? "sgd" : "adam"
            let rate = generator.nextUnit()
            let parameters: ParameterAssignment = ["optimizer": .string(optimizer), "lr_\(optimizer)": .double(rate)]
            return (parameters, optimizer == "sgd" ? abs(rate - 0.2) : 2 + rate)
        }
        let estimate = try #require(ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: trials))
        #expect(estimate.entries.allSatisfy { $0.importance.isFinite && $0.divergence.isFinite })
        #expect(estimate.entries.first { $0.parameter == "lr_adam" }?.divergence == 0)
        #expect(estimate.entries.last?.parameter == "lr_adam")
        #expect(abs(estimate.entries.reduce(0) { $0 + $1.importance } - 1) < 1e-9)
    }
}
