import AugurCore
import Foundation

/// How many trials of a study are in each state.
public struct TrialCounts: Sendable, Hashable, Codable {
    public var requested = 0
    public var active = 0
    public var completed = 0
    public var stopped = 0
    public var failed = 0
    public var infeasible = 0

    public init() {}

    public subscript(state: TrialState) -> Int {
        get {
            switch state {
            case .requested: requested
            case .active: active
            case .completed: completed
            case .stopped: stopped
            case .failed: failed
            case .infeasible: infeasible
            }
        }
        set {
            switch state {
            case .requested: requested = newValue
            case .active: active = newValue
            case .completed: completed = newValue
            case .stopped: stopped = newValue
            case .failed: failed = newValue
            case .infeasible: infeasible = newValue
            }
        }
    }

    /// Every trial ever created.
    public var total: Int { requested + active + completed + stopped + failed + infeasible }
    /// Trials in a terminal state; these count against `Budget.maxTrials`.
    public var ended: Int { completed + stopped + failed + infeasible }
}

/// One line of `augur studies`.
public struct StudySummary: Sendable, Hashable, Codable {
    public var study: Study
    public var counts: TrialCounts
    /// The best final objective value among completed trials.
    public var bestValue: Double?

    public init(study: Study, counts: TrialCounts, bestValue: Double?) {
        self.study = study
        self.counts = counts
        self.bestValue = bestValue
    }
}

/// What a planner sees while the store holds the study's lock.
public struct StudySnapshot: Sendable {
    public var study: Study
    public var counts: TrialCounts
    /// Every ACTIVE trial (with worker and lease, without measurements).
    public var activeTrials: [Trial]
    /// REQUESTED trials, oldest first.
    public var requestedTrials: [Trial]
    /// The study's trials as asked for by `HistoryScope` (empty for `.countsOnly`).
    public var history: [Trial]
    /// The store's clock.
    public var now: Date

    public init(study: Study, counts: TrialCounts, activeTrials: [Trial], requestedTrials: [Trial], history: [Trial], now: Date) {
        self.study = study
        self.counts = counts
        self.activeTrials = activeTrials
        self.requestedTrials = requestedTrials
        self.history = history
        self.now = now
    }
}

/// The changes a planner asks the store to make atomically.
public struct AssignmentPlan: Sendable, Hashable {
    /// ACTIVE trials taken back from a worker that vanished: back to REQUESTED with their retry count raised, worker,
    /// lease and start time cleared, and their intermediate measurements discarded (the retry starts again).
    public var requeue: [Int]
    /// ACTIVE trials that ran out of retries: to FAILED with the reason.
    public var fail: [Int: String]
    /// REQUESTED trials handed to the worker (they become ACTIVE).
    public var assignRequested: [Int]
    /// New trials created ACTIVE for the worker, in order.
    public var create: [ParameterAssignment]
    /// A new study state and its reason (grid exhausted, budget spent).
    public var studyState: (state: StudyState, reason: String)?

    public init(requeue: [Int] = [], fail: [Int: String] = [:], assignRequested: [Int] = [], create: [ParameterAssignment] = [],
                studyState: (state: StudyState, reason: String)? = nil) {
        self.requeue = requeue
        self.fail = fail
        self.assignRequested = assignRequested
        self.create = create
        self.studyState = studyState
    }

    public static func == (lhs: AssignmentPlan, rhs: AssignmentPlan) -> Bool {
        lhs.requeue == rhs.requeue && lhs.fail == rhs.fail && lhs.assignRequested == rhs.assignRequested && lhs.create == rhs.create
            && lhs.studyState?.state == rhs.studyState?.state && lhs.studyState?.reason == rhs.studyState?.reason
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(requeue)
        hasher.combine(assignRequested)
        hasher.combine(create)
    }
}

/// Which trials a query returns, in what order.
public struct TrialQuery: Sendable, Hashable {
    public enum Order: Sendable, Hashable {
        /// Creation order.
        case id
        /// Best final objective value first; trials without one last.
        case objective
        /// Best final value of another metric first, under the given goal.
        case metric(String, ObjectiveGoal)
    }

    /// `nil` means every state.
    public var states: Set<TrialState>?
    public var order: Order
    public var limit: Int?
    public var offset: Int
    /// Whether intermediate measurements are loaded (final measurements always are).
    public var includeMeasurements: Bool

    public init(states: Set<TrialState>? = nil, order: Order = .id, limit: Int? = nil, offset: Int = 0, includeMeasurements: Bool = true) {
        self.states = states
        self.order = order
        self.limit = limit
        self.offset = offset
        self.includeMeasurements = includeMeasurements
    }
}

/// Errors every store reports the same way.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case studyExists(String)
    case studyNotFound(String)
    case trialNotFound(study: String, trial: Int)
    /// The trial is not in a state that allows the change (measurement on a finished trial, …).
    case trialNotActive(study: String, trial: Int, state: TrialState)
    /// The trial belongs to another worker.
    case notOwner(study: String, trial: Int, owner: String?)
    /// The database file or server could not be opened or reached, or its disk is full: retrying later may succeed.
    case connection(String)
    /// The database reported an error: its own message, and PostgreSQL's SQLSTATE when the server gave one.
    case database(String, sqlState: String? = nil)
    /// The database was written by a newer Augur.
    case schemaTooNew(found: Int, supported: Int)
    /// The SQLite database file was deleted, moved or replaced while the store had it open, so what it writes would
    /// be lost with the old file: the path it was opened with, what happened to it, and where the store saved what
    /// it still had (`nil` when it could not).
    case databaseFileLost(path: String, what: String, savedTo: String?)

    public var description: String {
        switch self {
        case .studyExists(let name): "study '\(name)' already exists"
        case .studyNotFound(let name): "no study named '\(name)' (augur studies lists them)"
        case .trialNotFound(let study, let trial): "study '\(study)' has no trial \(trial)"
        case .trialNotActive(let study, let trial, let state): "trial \(trial) of study '\(study)' is \(state.rawValue), not ACTIVE"
        case .notOwner(let study, let trial, let owner):
            "trial \(trial) of study '\(study)' belongs to worker \(owner ?? "none"); only its owner may report on it"
        case .connection(let message): message
        case .database(let message, let sqlState):
            "database error: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
        case .schemaTooNew(let found, let supported):
            "the database has schema version \(found) but this Augur understands up to \(supported); upgrade Augur"
        case .databaseFileLost(let path, let what, let savedTo):
            "the SQLite database '\(path)' \(what) while Augur was using it, so nothing more can be recorded in it; "
                + (savedTo.map { "everything recorded up to then was saved to '\($0)' (resume from it with --database \($0))" }
                    ?? "what it held could not be saved elsewhere and is lost")
        }
    }
}

/// Where studies, trials and measurements live. Implementations: `SQLiteStudyStore` (embedded default) and
/// `PostgresStudyStore` (production); both pass the same contract tests.
///
/// Every method is safe to call from many tasks, and (for the databases that allow it) from many processes on one
/// database: `assignTrials` is the single place where trials are handed out, and it runs its planner under a
/// per-study lock inside one transaction.
public protocol StudyStore: Sendable {
    /// Creates a study; throws `StoreError.studyExists` if the name is taken.
    func createStudy(_ spec: StudySpec) async throws -> Study
    /// The study with this name, or `nil`.
    func study(named name: String) async throws -> Study?
    /// Every study, in creation order, with its trial counts and best value.
    func studySummaries() async throws -> [StudySummary]
    /// Deletes a study with all its trials and measurements; throws `StoreError.studyNotFound` if there is none.
    func deleteStudy(named name: String) async throws
    /// Sets a study's state and reason; throws `StoreError.studyNotFound` if there is no such study.
    func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws
    /// Rewrites the budget in the study's stored spec (a run resumed with a different budget) and raises its revision by
    /// one; an unchanged budget changes nothing. Returns the study.
    func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study

    /// Under the study's lock and in one transaction: loads a snapshot, asks `planner` what to change, applies it,
    /// and returns the trials handed to `worker` (re-assigned requested ones first, then created ones).
    /// The plan is applied in the order requeue, fail, assignRequested, create, studyState. If the planner throws, or
    /// the plan names a trial that does not exist (`StoreError.trialNotFound`) or is not in the state the step needs
    /// (`StoreError.trialNotActive`), nothing is changed.
    func assignTrials(
        study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
        planner: @Sendable (StudySnapshot) throws -> AssignmentPlan
    ) async throws -> [Trial]

    /// Adds a REQUESTED trial with the given parameters (a user's own point to evaluate); returns it.
    func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial

    /// One trial with its measurements, or `nil` if the study has no such trial. Like every trial method, throws
    /// `StoreError.studyNotFound` for an unknown study.
    func trial(study: String, id: Int) async throws -> Trial?
    func trials(study: String, query: TrialQuery) async throws -> [Trial]
    func trialCounts(study: String) async throws -> TrialCounts
    /// Every trial in `states` (all when `nil`) by id, as its id, state and ranking value only: what a chart of the
    /// whole study needs, without decoding any trial's parameters or measurements. A database answers it from the
    /// trials table's columns; the default reads whole trials.
    func trialDigests(study: String, states: Set<TrialState>?) async throws -> [TrialDigest]
    /// The trials with these ids, without intermediate measurements, in id order; ids the study has no trial for are
    /// left out. What a Pareto front of hundreds of trials loads (a database reads them in one query).
    func trials(study: String, ids: [Int]) async throws -> [Trial]
    /// The parameters of the trials with these ids, by id; ids the study has no trial for are left out.
    func trialParameters(study: String, ids: [Int]) async throws -> [Int: ParameterAssignment]
    /// The digests of the study's trials that changed after `cursor` (every trial when `cursor` is `nil`), and the
    /// cursor to pass next time: a reader keeps a study's digests current by reading only what changed
    /// (`TrialDigestChanges`). Throws `StoreError.studyNotFound`.
    func trialDigestChanges(study: String, since cursor: Int?) async throws -> TrialDigestChanges
    /// A trial's state history, oldest first: its creation and every later change of state, worker or retry count
    /// (`TrialEvent`). Throws `StoreError.studyNotFound` or `StoreError.trialNotFound`. SQLite and PostgreSQL keep a
    /// log written by triggers; a store without one derives the history from the trial's own timestamps.
    func trialEvents(study: String, trial: Int) async throws -> [TrialEvent]
    /// The final values of `metrics` of every COMPLETED trial, in id order: each trial's id and those of the metrics
    /// its final measurement has. What ranking by several metrics (a Pareto front, outcome constraints) needs,
    /// without loading whole trials.
    func completedFinalMetrics(study: String, metrics: [String]) async throws -> [(id: Int, metrics: [String: Double])]
    /// `completedFinalMetrics` as a table with no dictionary per trial: what ranking 100,000 trials needs. A database
    /// reads the spec's metrics (``Objective/allMetricNames``) from a column of final values written when the trial
    /// finished, without decoding measurements; other names, and the default, go through `completedFinalMetrics`.
    func completedFinalValues(study: String, metrics: [String]) async throws -> FinalValueTable
    /// `completedFinalValues` of the study's front candidates only: its COMPLETED trials that `pruneTrials` has not
    /// marked, with the study's candidate generation as it was before they were read. A database reads them from an
    /// index of the unpruned completed trials, so a study whose trials were pruned down to its front reads a few
    /// hundred rows instead of 100,000. The default (a store that keeps no marks) returns every completed trial.
    func frontCandidateValues(study: String, metrics: [String]) async throws -> FrontCandidates
    /// Marks COMPLETED trials of the study as pruned (no longer front candidates), if the study's candidate
    /// generation is still `generation`; otherwise (a trial was deleted since the candidates were read, which un-prunes
    /// every trial and raises the generation) marks nothing. Ids of other trials are ignored. The store only keeps the
    /// marks; which trials may be pruned is the service's decision (docs/storage.md, "Front candidates"). Throws
    /// `StoreError.studyNotFound`. The default marks nothing.
    func pruneTrials(study: String, ids: [Int], generation: Int) async throws

    /// Appends an intermediate measurement to an ACTIVE trial and optionally renews its lease. A measurement equal
    /// to the trial's last one (same step and metrics) is not recorded twice, so a retried call is harmless.
    func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws
    /// Renews the lease of an ACTIVE trial owned by `worker`.
    func renewLease(study: String, trial: Int, worker: String, until: Date) async throws
    /// Moves an ACTIVE (or REQUESTED) trial to a terminal state with its final measurement and reason; returns it.
    /// Finishing a trial that already ended in the same state is a no-op that returns it (idempotent retries);
    /// in another state it throws `StoreError.trialNotActive`. The final measurement's value of the study's
    /// objective metric becomes the trial's ranking value.
    func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial
    /// `finishTrial`, then the study's trial counts as they are right after it (what the service needs to decide
    /// whether the study is done). A store may do both in one round trip; the default calls the two in turn.
    func finishTrialCounting(
        study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?
    ) async throws -> (trial: Trial, counts: TrialCounts)

    /// Writes metadata on a study and its trials, in one transaction and in order (a later write of the same
    /// namespace and key replaces the value). Throws `StoreError.studyNotFound` or `StoreError.trialNotFound`, and
    /// then writes nothing.
    func updateMetadata(study: String, updates: [MetadataUpdate]) async throws
    /// All metadata of a study and its trials; throws `StoreError.studyNotFound` for an unknown study.
    func metadata(study: String) async throws -> StudyMetadata
    /// Deletes a trial with its measurements and metadata, whatever its state (Vizier's DeleteTrial); throws
    /// `StoreError.trialNotFound` or `StoreError.studyNotFound`. The counts no longer include it. Ids stay dense in
    /// the sense the stores count by: a new trial takes the highest id plus one, so deleting the newest trial frees
    /// its id for the next one (as in Vizier's own datastore).
    func deleteTrial(study: String, trial: Int) async throws
}

/// What `StudyStore.frontCandidateValues` returns: the unpruned completed trials' final values and the generation
/// to hand back to `StudyStore.pruneTrials`.
public struct FrontCandidates: Sendable, Equatable {
    public var table: FinalValueTable
    /// The study's candidate generation, read before the table: every `deleteTrial` raises it.
    public var generation: Int

    public init(table: FinalValueTable, generation: Int) {
        self.table = table
        self.generation = generation
    }
}

/// The final values of some metrics of a study's COMPLETED trials, in id order (`StudyStore.completedFinalValues`).
public struct FinalValueTable: Sendable, Equatable {
    /// The metrics, one column each.
    public var metrics: [String]
    /// The trials, one row each.
    public var ids: [Int]
    /// Row after row: trial `ids[i]`'s final value of `metrics[k]` is `values[i * metrics.count + k]`, NaN when its
    /// final measurement has none (or reports NaN).
    public var values: [Double]

    public init(metrics: [String], ids: [Int], values: [Double]) {
        self.metrics = metrics
        self.ids = ids
        self.values = values
    }

    /// The table of `completedFinalMetrics`' answer.
    public init(metrics: [String], finalMetrics: [(id: Int, metrics: [String: Double])]) {
        self.metrics = metrics
        ids = finalMetrics.map(\.id)
        values = finalMetrics.flatMap { row in metrics.map { row.metrics[$0] ?? .nan } }
    }

    /// Trial `ids[row]`'s values, by metric name (NaN left out): the shape of `completedFinalMetrics`.
    public func metrics(ofRow row: Int) -> [String: Double] {
        var result: [String: Double] = [:]
        for (k, name) in metrics.enumerated() where !values[row * metrics.count + k].isNaN {
            result[name] = values[row * metrics.count + k]
        }
        return result
    }
}

/// A trial reduced to what a chart of the whole study needs: see `StudyStore.trialDigests`.
public struct TrialDigest: Sendable, Hashable {
    public var id: Int
    public var state: TrialState
    /// The final measurement's value of the study's objective metric (the store's ranking value), or `nil`.
    public var objectiveValue: Double?

    public init(id: Int, state: TrialState, objectiveValue: Double?) {
        self.id = id
        self.state = state
        self.objectiveValue = objectiveValue
    }
}

/// What `StudyStore.trialDigestChanges` returns.
///
/// A change is an entry of the store's trial event log, so a trial created, leased, requeued or ended after the
/// cursor is in `digests` with its current digest; a deleted trial is not (its events go with it), and neither, on
/// PostgreSQL, is a change whose transaction had not committed when a later one's had (event ids are taken in insert
/// order, not commit order). A reader must therefore check the digests it assembled against the study's trial counts
/// and read everything again when they disagree: a trial is created, ended or deleted only by changing a count.
public struct TrialDigestChanges: Sendable, Hashable {
    /// The digests of the trials that changed (every trial's when `complete`), by id.
    public var digests: [TrialDigest]
    /// Whether `digests` holds every trial of the study, not only those that changed.
    public var complete: Bool
    /// The cursor for the next call, or `nil` when the store keeps no log: then every call reads every trial.
    public var cursor: Int?

    public init(digests: [TrialDigest], complete: Bool, cursor: Int?) {
        self.digests = digests
        self.complete = complete
        self.cursor = cursor
    }
}

/// One step of a trial's state history: the state it entered (or kept, when only its worker or retry count changed),
/// when, on which worker, after how many retries, and the reason recorded with it.
public struct TrialEvent: Sendable, Hashable {
    public var at: Date
    public var state: TrialState
    public var worker: String?
    public var retryCount: Int
    public var reason: String?

    public init(at: Date, state: TrialState, worker: String?, retryCount: Int, reason: String?) {
        self.at = at
        self.state = state
        self.worker = worker
        self.retryCount = retryCount
        self.reason = reason
    }

    /// The history a trial's own columns tell, for a store without an event log: created (requested unless it
    /// started at once), started, ended. Earlier attempts of a requeued trial are not visible this way.
    public static func derived(from trial: Trial) -> [TrialEvent] {
        var events: [TrialEvent] = []
        if trial.startedAt.map({ $0 > trial.createdAt }) ?? true {
            events.append(TrialEvent(at: trial.createdAt, state: .requested, worker: nil, retryCount: trial.retryCount,
                                     reason: trial.state == .requested ? trial.statusReason : nil))
        }
        if let started = trial.startedAt {
            events.append(TrialEvent(at: started, state: .active, worker: trial.worker, retryCount: trial.retryCount, reason: nil))
        }
        if trial.state.isTerminal {
            events.append(TrialEvent(at: trial.endedAt ?? trial.startedAt ?? trial.createdAt, state: trial.state, worker: trial.worker,
                                     retryCount: trial.retryCount, reason: trial.statusReason))
        }
        return events
    }
}

extension StudyStore {
    public func trialDigestChanges(study: String, since cursor: Int?) async throws -> TrialDigestChanges {
        TrialDigestChanges(digests: try await trialDigests(study: study, states: nil), complete: true, cursor: nil)
    }

    public func trialEvents(study: String, trial id: Int) async throws -> [TrialEvent] {
        guard try await self.study(named: study) != nil else { throw StoreError.studyNotFound(study) }
        guard let trial = try await trial(study: study, id: id) else { throw StoreError.trialNotFound(study: study, trial: id) }
        return TrialEvent.derived(from: trial)
    }

    public func trialDigests(study: String, states: Set<TrialState>?) async throws -> [TrialDigest] {
        guard let spec = try await self.study(named: study)?.spec else { throw StoreError.studyNotFound(study) }
        return try await trials(study: study, query: TrialQuery(states: states, order: .id, includeMeasurements: false)).map {
            TrialDigest(id: $0.id, state: $0.state, objectiveValue: $0.finalValue(of: spec.objective.metric))
        }
    }

    public func trials(study: String, ids: [Int]) async throws -> [Trial] {
        var trials: [Trial] = []
        for id in Set(ids).sorted() {
            if var trial = try await trial(study: study, id: id) {
                trial.measurements = []
                trials.append(trial)
            }
        }
        return trials
    }

    public func trialParameters(study: String, ids: [Int]) async throws -> [Int: ParameterAssignment] {
        var result: [Int: ParameterAssignment] = [:]
        for id in Set(ids) {
            if let trial = try await trial(study: study, id: id) { result[id] = trial.parameters }
        }
        return result
    }

    /// Loads the completed trials without intermediate measurements and keeps the values asked for.
    public func completedFinalMetrics(study: String, metrics: [String]) async throws -> [(id: Int, metrics: [String: Double])] {
        let trials = try await trials(study: study, query: TrialQuery(states: [.completed], order: .id, includeMeasurements: false))
        return trials.map { trial in
            var values: [String: Double] = [:]
            for name in metrics {
                if let value = trial.finalMeasurement?.metrics[name] { values[name] = value }
            }
            return (trial.id, values)
        }
    }

    public func completedFinalValues(study: String, metrics: [String]) async throws -> FinalValueTable {
        FinalValueTable(metrics: metrics, finalMetrics: try await completedFinalMetrics(study: study, metrics: metrics))
    }

    public func frontCandidateValues(study: String, metrics: [String]) async throws -> FrontCandidates {
        FrontCandidates(table: try await completedFinalValues(study: study, metrics: metrics), generation: 0)
    }

    public func pruneTrials(study: String, ids: [Int], generation: Int) async throws {
        guard try await self.study(named: study) != nil else { throw StoreError.studyNotFound(study) }
    }

    public func finishTrialCounting(
        study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?
    ) async throws -> (trial: Trial, counts: TrialCounts) {
        let finished = try await finishTrial(study: study, trial: trial, state: state, finalMeasurement: finalMeasurement, reason: reason)
        return (finished, try await trialCounts(study: study))
    }
}
