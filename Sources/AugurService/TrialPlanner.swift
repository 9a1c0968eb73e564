import AugurAlgorithms
import AugurCore
import AugurStorage

/// Decides, from a snapshot taken under the study's lock, which trials a client gets: the heart of `suggestTrials`.
///
/// In order: trials whose worker vanished (lease lapsed, or a local process that is gone) go back to REQUESTED with a
/// retry counted, or FAILED once they used up their retries; then REQUESTED trials are handed out oldest first; then
/// the designer proposes new ones. At most `budget.parallelTrials` trials are ACTIVE and at most `budget.maxTrials`
/// trials are ever created. When nothing can be created and nothing is out, the study completes.
struct TrialPlanner: Sendable {
    /// The worker asking.
    var client: String
    /// How many trials the client wants in total, counting those it already holds.
    var count: Int
    /// How often a trial may be taken back from a vanished worker before it fails.
    var retryLimit: Int
    var designer: any Designer
    /// Whether a worker id names a process known to be dead.
    var isWorkerGone: @Sendable (String) -> Bool

    func plan(_ snapshot: StudySnapshot) throws -> AssignmentPlan {
        var plan = AssignmentPlan()
        guard snapshot.study.state == .active else { return plan }
        let spec = snapshot.study.spec
        // The stored budget, as the lock holds it: a run resuming the study with another one has already written it.
        let budget = spec.budget
        let counts = snapshot.counts

        let held = snapshot.activeTrials.filter { $0.worker == client }
        var requeued: [Trial] = []
        for trial in snapshot.activeTrials where trial.worker != client {
            let leaseLapsed = trial.leaseExpiresAt.map { $0 <= snapshot.now } ?? false
            let processGone = trial.worker.map(isWorkerGone) ?? false
            guard leaseLapsed || processGone else { continue }
            if trial.retryCount >= retryLimit {
                let why = processGone ? "its worker process exited" : "its worker's lease expired"
                plan.fail[trial.id] =
                    "trial \(trial.id) was abandoned \(trial.retryCount + 1) times (last: \(why), worker \(trial.worker ?? "unknown")); "
                    + "giving up after \(retryLimit) retries"
            } else {
                requeued.append(trial)
            }
        }
        plan.requeue = requeued.map(\.id)

        let activeAfterRecovery = counts.active - plan.requeue.count - plan.fail.count
        var recovered = counts
        recovered.failed += plan.fail.count
        recovered.active = activeAfterRecovery
        recovered.requested += plan.requeue.count
        if let verdict = StudyVerdict.judge(budget: budget, objective: spec.objective, counts: recovered), verdict.state == .failed {
            plan.studyState = (verdict.state, verdict.reason)
            return plan
        }

        let freeSlots = max(0, budget.parallelTrials - activeAfterRecovery)
        let wanted = max(0, count - held.count)
        let take = min(wanted, freeSlots)

        // Re-runs first (they are older), then other REQUESTED trials oldest first.
        let pool = (requeued + snapshot.requestedTrials).sorted { $0.id < $1.id }.map(\.id)
        plan.assignRequested = Array(pool.prefix(take))

        let budgetLeft = budget.maxTrials - counts.total
        let newCount = min(take - plan.assignRequested.count, max(0, budgetLeft))
        var exhausted = false
        if newCount > 0 {
            let pending = (snapshot.activeTrials + snapshot.requestedTrials).map(\.parameters)
            let request = DesignRequest(count: newCount, history: snapshot.history, trialCount: counts.total, pending: pending)
            let proposals = try designer.propose(request).prefix(newCount)
            plan.create = proposals.map(\.parameters)
            if proposals.contains(where: { !$0.metadata.isEmpty }) { plan.createMetadata = proposals.map(\.metadata) }
            exhausted = proposals.count < newCount
        }

        var after = recovered
        after.requested -= plan.assignRequested.count
        after.active += plan.assignRequested.count + plan.create.count
        if after.active == 0 && after.requested == 0 {
            if let verdict = StudyVerdict.judge(budget: budget, objective: spec.objective, counts: after) {
                plan.studyState = (verdict.state, verdict.reason)
            } else if exhausted {
                let created = counts.total + plan.create.count
                if case .grid = spec.algorithm {
                    plan.studyState = (.completed, "grid exhausted: all \(created) cells tried")
                } else {
                    plan.studyState = (.completed, "search space exhausted: the \(spec.algorithm.name) designer has no new points after \(created) trials")
                }
            }
        }
        return plan
    }
}
