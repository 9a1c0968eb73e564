import AugurCore
import Foundation

/// The production store: studies in a PostgreSQL database shared by any number of `augur` processes, runners and
/// service replicas.
///
/// - Connections: a small pool (`poolSize`) of libpq connections opened on demand; libpq's blocking calls run on a
///   dedicated dispatch queue, never on Swift's cooperative pool. Every statement is prepared once per connection
///   and run with parameters.
/// - Many writers: `assignTrials` locks the study's row for its transaction, so planners of one study run one at a
///   time across every process; reports from workers lock only their trial's row.
/// - Faults: when the server restarts or the network drops, the pool reconnects with back-off for up to 30 s and
///   reruns the work. A transaction is rerun only when it never committed: if the connection broke while its
///   `COMMIT` was in flight, its fate is looked up by transaction id on the new connection. Single-statement
///   reports (`finishTrial`, `renewLease`, `setStudyState`) are idempotent and simply rerun.
///
/// docs/storage.md describes the schema, the URL forms and the SQL for reading results directly.
public final class PostgresStudyStore: StudyStore {
    private let pool: PostgresConnectionPool
    private let specs = PostgresSpecCache()
    /// Assignments of one study from concurrent callers, served together (see `assignTrials`).
    private let assignments = PostgresBatchQueue<PostgresStoreSession.AssignmentRequest, [Trial]>(
        maximumBatch: 64,
        retryAlone: { error in
            switch error as? StoreError {
            case .trialNotActive, .trialNotFound, .notOwner: true
            default: false
            }
        },
        release: { $0.dropPlanner() })
    /// Trials finished by concurrent callers, sent together (see `finishTrialCounting`).
    private let finishes: PostgresBatchQueue<PostgresStoreSession.FinishRequest, PostgresStoreSession.FinishedTrial>

    /// The connection string with its password replaced by `***`, for messages.
    public let redactedURL: String

    /// Connects to the server named by `url` and brings the schema up to date (blocking until done).
    ///
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database?sslmode=…` (or `postgresql://`, or a libpq `key=value`
    ///     string). Parts left out, and an empty string altogether, come from the `PG*` environment variables
    ///     (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, …) and then libpq's defaults. Percent-encode
    ///     special characters in the user name and password.
    ///   - poolSize: how many connections the store may hold open at once.
    ///   - reconnectWindow: how long, in seconds, a call keeps reconnecting to a server that went away before it fails
    ///     with `StoreError.connection`.
    /// - Throws: `StoreError.connection` with a one-line message naming host, port and database when the URL is
    ///   malformed or the server cannot be reached or refuses the login (the password is never shown);
    ///   `StoreError.schemaTooNew` when a newer Augur wrote the database; `StoreError.database` for errors the
    ///   server reports while migrating.
    public init(url: String, poolSize: Int = 4, reconnectWindow: TimeInterval = 30) throws {
        let settings = try PostgresConnectionSettings(url)
        redactedURL = settings.redacted
        pool = PostgresConnectionPool(settings: settings, size: poolSize, reconnectWindow: reconnectWindow)
        // One batch of finishes at a time: finishes that arrive meanwhile go out together in the next round trip
        // (measured against one lane per spare connection: 16 RPC clients 950-987 -> 1,051-1,055 trials/s).
        finishes = PostgresBatchQueue(maximumBatch: 32, lanes: 1) { error in
            if case .connection = error as? StoreError { return false }
            return true
        }
        try pool.performBlocking { connection in try PostgresMigrations.migrate(connection) }
    }

    /// The schema version this build writes (`augur_schema.version`).
    public static var schemaVersion: Int { PostgresMigrations.latestVersion }

    private func session<Value: Sendable>(
        _ work: PostgresWork, _ body: @escaping @Sendable (PostgresStoreSession) throws -> Value
    ) async throws -> Value {
        let specs = self.specs
        return try await pool.perform(work) { connection in
            try body(PostgresStoreSession(connection: connection, specs: specs))
        }
    }

    // MARK: Studies

    public func createStudy(_ spec: StudySpec) async throws -> Study {
        let specText = try StoreCoding.encodeSpec(spec)
        return try await session(.transaction) { try $0.createStudy(spec, specText: specText) }
    }

    public func study(named name: String) async throws -> Study? {
        try await session(.idempotent) { try $0.storedStudy(named: name)?.study }
    }

    public func studySummaries() async throws -> [StudySummary] {
        try await session(.idempotent) { try $0.studySummaries() }
    }

    public func deleteStudy(named name: String) async throws {
        try await session(.transaction) { try $0.deleteStudy(named: name) }
    }

    public func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws {
        try await session(.idempotent) { try $0.setStudyState(name, to: state, reason: reason) }
    }

    public func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study {
        try await session(.transaction) { try $0.setStudyBudget(name, to: budget) }
    }

    // MARK: Trials

    /// Callers of this process that ask for trials of the same study while an assignment of it is under way wait
    /// for it to end and are then served together, in one transaction (see `PostgresStoreSession.assignTrials`):
    /// the study lock is taken once for all of them instead of being handed from connection to connection.
    public func assignTrials(
        study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
        planner: @Sendable (StudySnapshot) throws -> AssignmentPlan
    ) async throws -> [Trial] {
        // The request drops the planner before this call is answered, so the planner never outlives the call.
        try await withoutActuallyEscaping(planner) { planner in
            let request = PostgresStoreSession.AssignmentRequest(worker: worker, leaseExpiresAt: leaseExpiresAt, scope: history, planner: planner)
            return try await assignments.submit(request, key: study) { batch in
                try await self.session(.transaction) { session in try session.assignTrials(study: study, requests: batch) }
            }
        }
    }

    public func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial {
        try await session(.transaction) { try $0.requestTrial(study: study, parameters: parameters) }
    }

    public func trial(study: String, id: Int) async throws -> Trial? {
        try await session(.idempotent) { try $0.loadTrial(study: study, id: id).trial }
    }

    public func trials(study: String, query: TrialQuery) async throws -> [Trial] {
        try await session(.idempotent) { try $0.trials(study: study, query: query) }
    }

    public func trialCounts(study: String) async throws -> TrialCounts {
        try await session(.idempotent) { try $0.trialCounts(study: study) }
    }

    public func trialDigests(study: String, states: Set<TrialState>?) async throws -> [TrialDigest] {
        try await session(.idempotent) { try $0.trialDigests(study: study, states: states) }
    }

    public func trials(study: String, ids: [Int]) async throws -> [Trial] {
        try await session(.idempotent) { try $0.trials(study: study, ids: ids) }
    }

    public func trialParameters(study: String, ids: [Int]) async throws -> [Int: ParameterAssignment] {
        try await session(.idempotent) { try $0.trialParameters(study: study, ids: ids) }
    }

    public func trialDigestChanges(study: String, since cursor: Int?) async throws -> TrialDigestChanges {
        try await session(.idempotent) { try $0.trialDigestChanges(study: study, since: cursor) }
    }

    public func trialEvents(study: String, trial: Int) async throws -> [TrialEvent] {
        try await session(.idempotent) { try $0.trialEvents(study: study, trial: trial) }
    }

    public func completedFinalMetrics(study: String, metrics: [String]) async throws -> [(id: Int, metrics: [String: Double])] {
        try await session(.idempotent) { try $0.completedFinalMetrics(study: study, metrics: metrics) }
    }

    public func completedFinalValues(study: String, metrics: [String]) async throws -> FinalValueTable {
        try await session(.idempotent) { try $0.completedFinalValues(study: study, metrics: metrics) }
    }

    public func frontCandidateValues(study: String, metrics: [String]) async throws -> FrontCandidates {
        try await session(.idempotent) { try $0.frontCandidateValues(study: study, metrics: metrics) }
    }

    public func pruneTrials(study: String, ids: [Int], generation: Int) async throws {
        try await session(.transaction) { try $0.pruneTrials(study: study, ids: ids, generation: generation) }
    }

    public func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws {
        let metricsText = StoreCoding.encodeMetrics(measurement.metrics)
        try await session(.transaction) { session in
            try session.addMeasurement(study: study, trial: trial, measurement: measurement, metricsText: metricsText,
                                       leaseExpiresAt: leaseExpiresAt)
        }
    }

    public func renewLease(study: String, trial: Int, worker: String, until: Date) async throws {
        try await session(.idempotent) { try $0.renewLease(study: study, trial: trial, worker: worker, until: until) }
    }

    public func finishTrial(
        study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?
    ) async throws -> Trial {
        guard state.isTerminal else { throw TrialRules.nonTerminalFinish(study: study, trial: trial, state: state) }
        let finalText = finalMeasurement.map(StoreCoding.encodeMeasurement)
        return try await session(.idempotent) { session in
            try session.finishTrial(study: study, trial: trial, state: state, finalText: finalText, reason: reason)
        }
    }

    /// One round trip: the guarded UPDATE and the counts go out as one pipeline (one implicit transaction, so the
    /// counts include the change). Trials finished by concurrent callers of this process while such a round trip
    /// is under way go out together in the next one.
    public func finishTrialCounting(
        study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?
    ) async throws -> (trial: Trial, counts: TrialCounts) {
        guard state.isTerminal else { throw TrialRules.nonTerminalFinish(study: study, trial: trial, state: state) }
        let request = PostgresStoreSession.FinishRequest(
            study: study, trial: trial, state: state, finalText: finalMeasurement.map(StoreCoding.encodeMeasurement), reason: reason)
        let finished = try await finishes.submit(request, key: "") { batch in
            try await self.session(.idempotent) { session in try session.finishTrialsCounting(batch) }
        }
        return (finished.trial, finished.counts)
    }

    public func updateMetadata(study: String, updates: [MetadataUpdate]) async throws {
        try await session(.transaction) { try $0.updateMetadata(study: study, updates: updates) }
    }

    public func metadata(study: String) async throws -> StudyMetadata {
        try await session(.idempotent) { try $0.metadata(study: study) }
    }

    public func deleteTrial(study: String, trial: Int) async throws {
        try await session(.transaction) { try $0.deleteTrial(study: study, trial: trial) }
    }
}
