import AugurAlgorithms
import AugurCore
import AugurStorage
import Foundation
import Logging
import Synchronization

/// The study logic every front end shares: `augur run` calls it in-process, the RPC server calls it for remote clients.
///
/// It knows no transport and keeps no state of its own beyond the budgets given by the current run; everything else
/// lives in the `StudyStore`, so several service instances (processes) can work on one database.
public final class StudyService: Sendable {
    /// Builds the designer for a study.
    public typealias DesignerProvider = @Sendable (StudySpec) throws -> any Designer
    /// Builds the early-stopping policy a study's spec names.
    public typealias StoppingPolicyProvider = @Sendable (EarlyStoppingSpec) -> any StoppingPolicy

    public let store: any StudyStore
    /// How long a trial stays assigned without a heartbeat or measurement.
    public let leaseDuration: TimeInterval
    /// How often a trial may be taken back from a vanished worker before it fails.
    public let retryLimit: Int
    private let designers: DesignerProvider
    private let stoppingPolicies: StoppingPolicyProvider?
    private let isWorkerGone: @Sendable (String) -> Bool
    private let logger: Logger
    /// Budgets given by the spec of the current run when they differ from the stored one (see `resumeStudy`).
    private let budgetOverrides = Mutex<[String: Budget]>([:])

    /// - Parameters:
    ///   - store: where studies live.
    ///   - designers: builds a study's designer from its spec (default `DesignerFactory`).
    ///   - stoppingPolicies: builds a study's early-stopping policy (default `StoppingPolicyFactory`); `nil` turns
    ///     early stopping off.
    ///   - leaseDuration: seconds a trial stays assigned without a heartbeat (default 120).
    ///   - retryLimit: how often a trial abandoned by its worker is re-run before it fails (default 3).
    ///   - isWorkerGone: whether a worker id names a dead process (default: a local process that no longer exists).
    public init(store: any StudyStore,
                designers: @escaping DesignerProvider = { try DesignerFactory.make(for: $0) },
                stoppingPolicies: StoppingPolicyProvider? = { StoppingPolicyFactory.make(for: $0) },
                leaseDuration: TimeInterval = 120, retryLimit: Int = 3,
                isWorkerGone: @escaping @Sendable (String) -> Bool = WorkerIdentity.isDeadLocalProcess,
                logger: Logger = Logger(label: "augur.service")) {
        self.store = store
        self.designers = designers
        self.stoppingPolicies = stoppingPolicies
        self.leaseDuration = leaseDuration
        self.retryLimit = retryLimit
        self.isWorkerGone = isWorkerGone
        self.logger = logger
    }

    // MARK: Studies

    /// Creates a study; fails with `failedPrecondition` if one with the same name exists.
    public func createStudy(_ spec: StudySpec) async throws(ServiceError) -> Study {
        try validate(spec)
        return try await call { try await store.createStudy(spec) }
    }

    /// What `resumeStudy` did.
    public struct Resumption: Sendable {
        public var study: Study
        /// Whether the study was created now (rather than found).
        public var created: Bool
    }

    /// Creates the study, or continues the stored study of the same name.
    ///
    /// The stored spec must have the same search space and objective. A different budget applies to this service
    /// instance (the run that gave it) and can re-open a study that completed because its old budget was spent; the
    /// stored spec keeps the budget it was created with. A STOPPED study becomes ACTIVE again.
    public func resumeStudy(_ spec: StudySpec) async throws(ServiceError) -> Resumption {
        try validate(spec)
        guard let existing = try await call({ try await store.study(named: spec.name) }) else {
            do {
                return Resumption(study: try await store.createStudy(spec), created: true)
            } catch StoreError.studyExists {
                // Another process created it between our look-up and our insert: resume that one.
                return try await resumeStudy(spec)
            } catch {
                throw ServiceError.wrapping(error)
            }
        }
        if let problem = existing.spec.incompatibility(with: spec) {
            throw .failedPrecondition(problem)
        }
        if existing.spec.budget != spec.budget {
            budgetOverrides.withLock { $0[spec.name] = spec.budget }
        }
        var study = existing
        if existing.state != .active {
            let counts = try await call { try await store.trialCounts(study: spec.name) }
            let best = try await bestTrials(study: spec.name, count: 1).first
            if completionVerdict(spec: existing.spec, budget: spec.budget, counts: counts, best: best) == nil {
                try await call { try await store.setStudyState(spec.name, to: .active, reason: "resumed") }
                study.state = .active
                study.stateReason = "resumed"
            }
        }
        return Resumption(study: study, created: false)
    }

    public func getStudy(_ name: String) async throws(ServiceError) -> Study {
        guard let study = try await call({ try await store.study(named: name) }) else {
            throw .notFound(StoreError.studyNotFound(name).description)
        }
        return study
    }

    public func listStudies() async throws(ServiceError) -> [StudySummary] {
        try await call { try await store.studySummaries() }
    }

    public func deleteStudy(_ name: String) async throws(ServiceError) {
        _ = try await getStudy(name)
        try await call { try await store.deleteStudy(named: name) }
        budgetOverrides.withLock { _ = $0.removeValue(forKey: name) }
    }

    /// Marks an ACTIVE study STOPPED (resumable) with a reason.
    public func stopStudy(_ name: String, reason: String) async throws(ServiceError) {
        let study = try await getStudy(name)
        guard study.state == .active else { return }
        try await call { try await store.setStudyState(name, to: .stopped, reason: reason) }
    }

    /// The budget in force for a study: the one the current run gave, else the stored one.
    public func effectiveBudget(for study: Study) -> Budget {
        budgetOverrides.withLock { $0[study.name] } ?? study.spec.budget
    }

    // MARK: Queries

    public func trials(study: String, query: TrialQuery = TrialQuery()) async throws(ServiceError) -> [Trial] {
        try await call { try await store.trials(study: study, query: query) }
    }

    public func trial(study: String, id: Int) async throws(ServiceError) -> Trial {
        guard let trial = try await call({ try await store.trial(study: study, id: id) }) else {
            throw .notFound(StoreError.trialNotFound(study: study, trial: id).description)
        }
        return trial
    }

    public func trialCounts(study: String) async throws(ServiceError) -> TrialCounts {
        try await call { try await store.trialCounts(study: study) }
    }

    /// The `count` best COMPLETED trials, best first.
    public func bestTrials(study: String, count: Int) async throws(ServiceError) -> [Trial] {
        guard count > 0 else { return [] }
        let query = TrialQuery(states: [.completed], order: .objective, limit: count, includeMeasurements: false)
        return try await trials(study: study, query: query)
    }

    // MARK: Suggestions

    /// Hands `client` up to `count` trials to run: first those it already holds (so a retried call never leaks
    /// trials), then trials recovered from vanished workers and other REQUESTED ones, then new ones from the designer.
    ///
    /// Returns fewer (possibly none) when the parallel limit or the budget is reached, or the study is no longer
    /// ACTIVE; when nothing can be created and nothing is out, the study is marked COMPLETED.
    public func suggestTrials(study name: String, client: String, count: Int) async throws(ServiceError) -> [Trial] {
        guard count > 0 else { throw .invalidArgument("suggestTrials needs a count of at least 1, got \(count)") }
        guard !client.isEmpty else { throw .invalidArgument("suggestTrials needs a client id") }
        let study = try await getStudy(name)
        let designer: any Designer
        do {
            designer = try designers(study.spec)
        } catch {
            throw .failedPrecondition("study '\(name)': \(error)")
        }
        let planner = TrialPlanner(client: client, count: count, budget: effectiveBudget(for: study), retryLimit: retryLimit,
                                   designer: designer, isWorkerGone: isWorkerGone)
        let held = Mutex<[Trial]>([])
        let recovered = Mutex<AssignmentPlan?>(nil)
        let lease = Date().addingTimeInterval(leaseDuration)
        let assigned = try await call {
            try await store.assignTrials(study: name, worker: client, leaseExpiresAt: lease, history: designer.historyScope) { snapshot in
                held.withLock { $0 = snapshot.activeTrials.filter { $0.worker == client }.sorted { $0.id < $1.id } }
                let plan = try planner.plan(snapshot)
                recovered.withLock { $0 = plan }
                return plan
            }
        }
        if let plan = recovered.withLock({ $0 }) {
            if !plan.requeue.isEmpty {
                logger.info("re-running trials abandoned by their worker", metadata: ["study": "\(name)", "trials": "\(plan.requeue)"])
            }
            for (id, reason) in plan.fail.sorted(by: { $0.key < $1.key }) {
                logger.warning("trial failed", metadata: ["study": "\(name)", "trial": "\(id)", "reason": "\(reason)"])
            }
            if let change = plan.studyState {
                logger.info("study \(change.state.rawValue.lowercased())", metadata: ["study": "\(name)", "reason": "\(change.reason)"])
            }
        }
        return held.withLock { $0 } + assigned
    }

    /// Adds a REQUESTED trial at a point of the user's choosing; it is handed out before any new suggestion.
    public func requestTrial(study name: String, parameters: ParameterAssignment) async throws(ServiceError) -> Trial {
        let study = try await getStudy(name)
        let coerced = study.spec.searchSpace.coerce(parameters)
        guard study.spec.searchSpace.isValid(coerced) else {
            throw .invalidArgument("parameters \(coerced) are not a point of study '\(name)''s search space")
        }
        return try await call { try await store.requestTrial(study: name, parameters: coerced) }
    }

    // MARK: Reporting

    /// Records an intermediate measurement of an ACTIVE trial and renews its lease. When the study has an
    /// early-stopping rule, returns its verdict on the trial (the caller stops the trial when told to).
    @discardableResult
    public func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement) async throws(ServiceError) -> StoppingDecision {
        guard !measurement.metrics.isEmpty else {
            throw .invalidArgument("a measurement of trial \(id) needs at least one metric")
        }
        try await call {
            try await store.addMeasurement(study: name, trial: id, measurement: measurement,
                                           leaseExpiresAt: Date().addingTimeInterval(leaseDuration))
        }
        guard let stoppingPolicies else { return .keepRunning }
        let study = try await getStudy(name)
        guard let rule = study.spec.earlyStopping else { return .keepRunning }
        let all = try await trials(study: name, query: TrialQuery(states: [.active, .completed, .stopped], includeMeasurements: true))
        guard let trial = all.first(where: { $0.id == id }) else { return .keepRunning }
        return stoppingPolicies(rule).decide(for: trial, among: all, objective: study.spec.objective)
    }

    /// Renews the lease of a trial held by `client`.
    public func heartbeat(study name: String, trial id: Int, client: String) async throws(ServiceError) {
        try await call {
            try await store.renewLease(study: name, trial: id, worker: client, until: Date().addingTimeInterval(leaseDuration))
        }
    }

    /// How a trial ended, as its runner reports it.
    public enum Completion: Sendable, Hashable {
        /// The trial finished; `nil` takes the final measurement from its intermediate ones (objective strategy).
        case measurement(TrialMeasurement?)
        /// The point cannot be evaluated (invalid configuration); not counted as a failure.
        case infeasible(reason: String)
    }

    /// Completes a trial, then checks whether the study is done (target reached, budget spent).
    @discardableResult
    public func completeTrial(study name: String, trial id: Int, _ completion: Completion) async throws(ServiceError) -> Trial {
        let study = try await getStudy(name)
        let finished: Trial
        switch completion {
        case .infeasible(let reason):
            finished = try await call {
                try await store.finishTrial(study: name, trial: id, state: .infeasible, finalMeasurement: nil, reason: reason)
            }
        case .measurement(let reported):
            let final = try await finalMeasurement(reported, study: study, trial: id)
            guard let final, final.metrics[study.spec.objective.metric] != nil else {
                throw .invalidArgument(
                    "trial \(id) of study '\(name)' never reported the objective metric '\(study.spec.objective.metric)'; "
                        + "report it, or fail the trial or mark it infeasible instead")
            }
            finished = try await call {
                try await store.finishTrial(study: name, trial: id, state: .completed, finalMeasurement: final, reason: nil)
            }
        }
        try await updateStudyState(study, finished: finished)
        return finished
    }

    /// Fails a trial with a reason (exit status, output tail, …), then checks whether the study failed.
    @discardableResult
    public func failTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        let study = try await getStudy(name)
        let finished = try await call {
            try await store.finishTrial(study: name, trial: id, state: .failed, finalMeasurement: nil, reason: reason)
        }
        try await updateStudyState(study, finished: finished)
        return finished
    }

    /// Stops a trial early (an early-stopping rule, a user); its measurements so far give its final measurement.
    @discardableResult
    public func stopTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        let study = try await getStudy(name)
        let final = try await finalMeasurement(nil, study: study, trial: id)
        let finished = try await call {
            try await store.finishTrial(study: name, trial: id, state: .stopped, finalMeasurement: final, reason: reason)
        }
        try await updateStudyState(study, finished: finished)
        return finished
    }

    /// Gives trials held by `client` back (ACTIVE → REQUESTED) so that another run picks them up; used when a run is
    /// interrupted. The store counts this as one retry of each trial.
    public func releaseTrials(study name: String, client: String, trials ids: [Int]) async throws(ServiceError) {
        guard !ids.isEmpty else { return }
        let wanted = Set(ids)
        _ = try await call {
            try await store.assignTrials(study: name, worker: client, leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                let mine = snapshot.activeTrials.filter { $0.worker == client && wanted.contains($0.id) }.map(\.id)
                return AssignmentPlan(requeue: mine.sorted())
            }
        }
    }

    // MARK: Helpers

    private func validate(_ spec: StudySpec) throws(ServiceError) {
        if spec.name.isEmpty { throw .invalidArgument("a study needs a name") }
        if spec.budget.maxTrials < 1 { throw .invalidArgument("budget.maxTrials must be at least 1, got \(spec.budget.maxTrials)") }
        if spec.budget.parallelTrials < 1 {
            throw .invalidArgument("budget.parallelTrials must be at least 1, got \(spec.budget.parallelTrials)")
        }
    }

    private func finalMeasurement(_ reported: TrialMeasurement?, study: Study, trial id: Int) async throws(ServiceError) -> TrialMeasurement? {
        if let reported { return reported }
        let stored = try await trial(study: study.name, id: id)
        if let final = stored.finalMeasurement { return final }
        return study.spec.objective.finalMeasurement(from: stored.measurements)
    }

    /// After `finished` ended: COMPLETED when it reached the target or the budget is spent, FAILED after too many
    /// failures. (Only the trial that just ended can newly reach the target, so the best trial need not be queried.)
    private func updateStudyState(_ study: Study, finished: Trial) async throws(ServiceError) {
        guard let current = try await call({ try await store.study(named: study.name) }), current.state == .active else { return }
        let counts = try await trialCounts(study: study.name)
        let candidate = finished.state == .completed ? finished : nil
        if let verdict = completionVerdict(spec: current.spec, budget: effectiveBudget(for: current), counts: counts, best: candidate) {
            try await call { try await store.setStudyState(study.name, to: verdict.state, reason: verdict.reason) }
            logger.info("study \(verdict.state.rawValue.lowercased())", metadata: ["study": "\(study.name)", "reason": "\(verdict.reason)"])
        }
    }

    /// Whether a study with these counts is done, and why; `best` is the trial to check against the target.
    func completionVerdict(spec: StudySpec, budget: Budget, counts: TrialCounts, best: Trial?) -> (state: StudyState, reason: String)? {
        let objective = spec.objective
        if let best, let value = best.finalValue(of: objective.metric), objective.reachesTarget(value), let target = objective.target {
            return (.completed, "target \(formatNumber(target)) reached by trial \(best.id) (\(objective.metric) = \(formatNumber(value)))")
        }
        if let maxFailed = budget.maxFailedTrials, counts.failed >= maxFailed {
            return (.failed, "\(counts.failed) trials failed (maxFailedTrials is \(maxFailed))")
        }
        if counts.total >= budget.maxTrials, counts.active == 0, counts.requested == 0 {
            return (.completed, "budget of \(budget.maxTrials) trials spent")
        }
        return nil
    }

    /// Runs a store call, turning its errors into `ServiceError`.
    private func call<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
        do {
            return try await body()
        } catch {
            throw ServiceError.wrapping(error)
        }
    }
}
