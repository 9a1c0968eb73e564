import AugurCore
import AugurStorage

/// Whether a study is done, and why: the one rule both the planner (inside an assignment) and the service (after a
/// trial ends) apply, so the two can never disagree.
///
/// In order: a completed trial that reached the objective's target (and meets every outcome constraint) completes
/// the study; `maxFailedTrials` failures
/// fail it; a spent budget (every trial created, none running or waiting) completes it.
struct StudyVerdict: Sendable, Hashable {
    var state: StudyState
    var reason: String

    /// - Parameters:
    ///   - counts: the study's trial counts as they are (or will be once a plan is applied).
    ///   - candidate: a completed trial to check against the target (only a trial that just ended can newly reach
    ///     it, so callers pass that one, or none).
    static func judge(budget: Budget, objective: Objective, counts: TrialCounts, candidate: Trial? = nil) -> StudyVerdict? {
        if let candidate, candidate.state == .completed, let target = objective.target,
           let value = candidate.finalValue(of: objective.metric), objective.reachesTarget(value),
           objective.isFeasible(candidate.finalMeasurement?.metrics ?? [:]) {
            return StudyVerdict(state: .completed,
                                reason: "target \(formatNumber(target)) reached by trial \(candidate.id) (\(objective.metric) = \(formatNumber(value)))")
        }
        if let maxFailed = budget.maxFailedTrials, counts.failed >= maxFailed {
            return StudyVerdict(state: .failed, reason: "\(counts.failed) trials failed (maxFailedTrials is \(maxFailed))")
        }
        if counts.total >= budget.maxTrials, counts.active == 0, counts.requested == 0 {
            return StudyVerdict(state: .completed, reason: "budget of \(budget.maxTrials) trials spent")
        }
        return nil
    }
}
