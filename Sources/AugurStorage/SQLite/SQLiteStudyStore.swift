import AugurCore
import Foundation

/// The embedded default store: one SQLite file (or `:memory:`) per store.
///
/// The file is opened in WAL mode with foreign keys on and a 10 s busy timeout, so that several processes (a
/// service and `augur` commands, several workers) can share it: readers never wait for the writer, writers wait for
/// each other, and `assignTrials` runs inside `BEGIN IMMEDIATE … COMMIT`, which makes it atomic across processes.
/// Each store owns one connection, driven from its own serial executor off Swift's cooperative pool; open several
/// stores on one file for parallel readers.
public final class SQLiteStudyStore: StudyStore {
    private let database: SQLiteDatabase

    /// The path the store was opened with.
    public let path: String

    /// Opens (creating if needed) the SQLite database at `path`, or a private in-memory database for `":memory:"`,
    /// and migrates it to the current schema. The file's directory must exist (`StudyStores.open` creates it).
    ///
    /// - Throws: `StoreError.connection` when the file cannot be opened or is not an SQLite database,
    ///   `StoreError.schemaTooNew` when a newer Augur wrote it.
    public init(path: String) throws {
        self.path = path
        database = try SQLiteDatabase(path: path)
    }

    /// The schema version this build writes (`augur_schema.version`).
    public static var schemaVersion: Int { SQLiteMigrations.latestVersion }

    public func createStudy(_ spec: StudySpec) async throws -> Study {
        try await database.createStudy(spec)
    }

    public func study(named name: String) async throws -> Study? {
        try await database.study(named: name)
    }

    public func studySummaries() async throws -> [StudySummary] {
        try await database.studySummaries()
    }

    public func deleteStudy(named name: String) async throws {
        try await database.deleteStudy(named: name)
    }

    public func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws {
        try await database.setStudyState(name, to: state, reason: reason)
    }

    public func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study {
        try await database.setStudyBudget(name, to: budget)
    }

    public func assignTrials(
        study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
        planner: @Sendable (StudySnapshot) throws -> AssignmentPlan
    ) async throws -> [Trial] {
        try await database.assignTrials(study: study, worker: worker, leaseExpiresAt: leaseExpiresAt, history: history, planner: planner)
    }

    public func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial {
        try await database.requestTrial(study: study, parameters: parameters)
    }

    public func trial(study: String, id: Int) async throws -> Trial? {
        try await database.trial(study: study, id: id)
    }

    public func trials(study: String, query: TrialQuery) async throws -> [Trial] {
        try await database.trials(study: study, query: query)
    }

    public func trialCounts(study: String) async throws -> TrialCounts {
        try await database.trialCounts(study: study)
    }

    public func trialDigests(study: String, states: Set<TrialState>?) async throws -> [TrialDigest] {
        try await database.trialDigests(study: study, states: states)
    }

    public func trials(study: String, ids: [Int]) async throws -> [Trial] {
        try await database.trials(study: study, ids: ids)
    }

    public func trialParameters(study: String, ids: [Int]) async throws -> [Int: ParameterAssignment] {
        try await database.trialParameters(study: study, ids: ids)
    }

    public func trialDigestChanges(study: String, since cursor: Int?) async throws -> TrialDigestChanges {
        try await database.trialDigestChanges(study: study, since: cursor)
    }

    public func trialEvents(study: String, trial: Int) async throws -> [TrialEvent] {
        try await database.trialEvents(study: study, trial: trial)
    }

    public func completedFinalMetrics(study: String, metrics: [String]) async throws -> [(id: Int, metrics: [String: Double])] {
        try await database.completedFinalMetrics(study: study, metrics: metrics)
    }

    public func completedFinalValues(study: String, metrics: [String]) async throws -> FinalValueTable {
        try await database.completedFinalValues(study: study, metrics: metrics)
    }

    public func frontCandidateValues(study: String, metrics: [String]) async throws -> FrontCandidates {
        try await database.frontCandidateValues(study: study, metrics: metrics)
    }

    public func pruneTrials(study: String, ids: [Int], generation: Int) async throws {
        try await database.pruneTrials(study: study, ids: ids, generation: generation)
    }

    public func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws {
        try await database.addMeasurement(study: study, trial: trial, measurement: measurement, leaseExpiresAt: leaseExpiresAt)
    }

    public func renewLease(study: String, trial: Int, worker: String, until: Date) async throws {
        try await database.renewLease(study: study, trial: trial, worker: worker, until: until)
    }

    public func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial {
        try await database.finishTrial(study: study, trial: trial, state: state, finalMeasurement: finalMeasurement, reason: reason)
    }

    public func updateMetadata(study: String, updates: [MetadataUpdate]) async throws {
        try await database.updateMetadata(study: study, updates: updates)
    }

    public func metadata(study: String) async throws -> StudyMetadata {
        try await database.metadata(study: study)
    }

    public func deleteTrial(study: String, trial: Int) async throws {
        try await database.deleteTrial(study: study, trial: trial)
    }
}
