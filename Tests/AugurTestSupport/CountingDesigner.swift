import AugurAlgorithms
import AugurCore

/// A designer for tests: trial n gets `x = n` (n counted from 0), until `limit` points exist, like a grid of
/// `limit` cells.
public struct CountingDesigner: Designer {
    public var limit: Int

    public init(limit: Int = .max) {
        self.limit = limit
    }

    public var historyScope: HistoryScope { .countsOnly }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        let end = min(limit, request.trialCount + request.count)
        guard end > request.trialCount else { return [] }
        return (request.trialCount..<end).map { ["x": .integer($0)] }
    }
}

extension StudySpec {
    /// A study over one integer `x` in 0...1000 minimizing `loss`.
    public static func testStudy(name: String = "test", maxTrials: Int = 5, parallel: Int = 1, maxFailed: Int? = nil,
                                 target: Double? = nil, algorithm: AlgorithmSpec = .random, trial: TrialTemplate? = nil) -> StudySpec {
        StudySpec(
            name: name,
            searchSpace: SearchSpace([.integer("x", min: 0, max: 1000)]),
            objective: Objective(metric: "loss", goal: .minimize, target: target),
            algorithm: algorithm,
            budget: Budget(maxTrials: maxTrials, parallelTrials: parallel, maxFailedTrials: maxFailed),
            trial: trial)
    }
}
