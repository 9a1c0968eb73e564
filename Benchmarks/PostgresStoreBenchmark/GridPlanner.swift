import AugurCore
import AugurStorage

/// A one-parameter grid (`cell` = 0, 1, …, cells − 1) planned the way Augur's run loop does it: within the parallel
/// limit and the budget, the lowest cells not yet created. The concurrency test uses it to check that processes
/// sharing a study never exceed either and never create a cell twice.
enum GridPlanner {
    static func spec(name: String, cells: Int, parallel: Int) -> StudySpec {
        StudySpec(
            name: name, searchSpace: SearchSpace([.integer("cell", min: 0, max: cells - 1)]),
            objective: Objective(metric: "loss", goal: .minimize), algorithm: .grid,
            budget: Budget(maxTrials: cells, parallelTrials: parallel), seed: 1)
    }

    static func plan(_ snapshot: StudySnapshot, want: Int) -> AssignmentPlan {
        let budget = snapshot.study.spec.budget
        guard snapshot.study.state == .active else { return AssignmentPlan() }
        if snapshot.counts.ended >= budget.maxTrials {
            return AssignmentPlan(studyState: (.completed, "budget of \(budget.maxTrials) trials spent"))
        }
        let room = min(want, budget.parallelTrials - snapshot.counts.active, budget.maxTrials - snapshot.counts.total)
        guard room > 0 else { return AssignmentPlan() }
        let cells = snapshot.study.spec.searchSpace.parameters.first?.cardinality ?? 0
        let used = Set(snapshot.history.compactMap { $0.parameters["cell"]?.doubleValue.map { Int($0) } })
        let fresh = (0..<cells).lazy.filter { used.contains($0) == false }.prefix(room)
        return AssignmentPlan(create: fresh.map { ["cell": .integer($0)] })
    }
}
