import AugurCore
import Foundation

/// The state behind one `SQLiteStudyStore`: its connection, confined to a private serial executor so that every
/// blocking sqlite3 call runs off Swift's cooperative pool, one at a time.
///
/// The store operations live in extensions: `+Studies`, `+Trials`, `+Assignment`.
actor SQLiteDatabase {
    private let executor: SQLiteExecutor
    let connection: SQLiteConnection
    /// Decoded specs by study version: a version names one spec for good, so a hit needs no comparison.
    private let specCache = BoundedCache<StudyVersion, StudySpec>(capacity: 256)

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens the database at `path` (`:memory:` for a private in-memory one) and migrates it to the current schema.
    init(path: String) throws {
        executor = SQLiteExecutor(label: "augur.sqlite.\(path)")
        let connection = try SQLiteConnection(path: path)
        try SQLiteMigrations.migrate(connection)
        self.connection = connection
    }

    // MARK: Rows

    /// A study with the row id its trials refer to.
    struct StoredStudy {
        var id: Int64
        var study: Study
    }

    static let studyColumns = "id, spec, state, state_reason, created_at, uid, revision"

    func storedStudy(_ row: SQLiteRow) throws -> StoredStudy {
        let id = row.int64(0)
        let version = StudyVersion(uid: row.text(5) ?? "", revision: row.int(6))
        let spec: StudySpec
        if let cached = specCache[version] {
            spec = cached
        } else {
            spec = try StoreCoding.decodeSpec(row.text(1) ?? "")
            specCache.set(spec, for: version)
        }
        let stateText = row.text(2) ?? ""
        guard let state = StudyState(rawValue: stateText) else {
            throw StoreError.database("study '\(spec.name)' has the unknown state '\(stateText)'; was the row edited by hand?")
        }
        let study = Study(spec: spec, state: state, stateReason: row.text(3), createdAt: row.date(4) ?? Date(timeIntervalSince1970: 0),
                          version: version)
        return StoredStudy(id: id, study: study)
    }

    func storedStudy(named name: String) throws -> StoredStudy? {
        try connection.queryFirst("SELECT \(Self.studyColumns) FROM studies WHERE name = ?", [.text(name)]) { try storedStudy($0) }
    }

    func requireStudy(named name: String) throws -> StoredStudy {
        guard let stored = try storedStudy(named: name) else { throw StoreError.studyNotFound(name) }
        return stored
    }

    static let trialColumns = """
        trial_id, parameters, state, created_at, started_at, ended_at, worker, lease_expires_at, retry_count, \
        final_measurement, status_reason
        """

    /// A trial from a row of `trialColumns`, without intermediate measurements.
    func trial(_ row: SQLiteRow, of study: StoredStudy, includeFinal: Bool = true) throws -> Trial {
        let id = row.int(0)
        let stateText = row.text(2) ?? ""
        guard let state = TrialState(rawValue: stateText) else {
            throw StoreError.database("trial \(id) of study '\(study.study.name)' has the unknown state '\(stateText)'")
        }
        var final: TrialMeasurement?
        if includeFinal, let text = row.text(9) {
            final = try StoreCoding.decodeMeasurement(text)
        }
        return Trial(
            id: id, study: study.study.name,
            parameters: try StoreCoding.decodeParameters(row.text(1) ?? "{}", space: study.study.spec.searchSpace),
            state: state, createdAt: row.date(3) ?? Date(timeIntervalSince1970: 0), startedAt: row.date(4), endedAt: row.date(5),
            worker: row.text(6), leaseExpiresAt: row.date(7), retryCount: row.int(8), finalMeasurement: final,
            statusReason: row.text(10))
    }

    /// One trial with its measurements, or `nil`.
    func loadTrial(_ id: Int, of study: StoredStudy) throws -> Trial? {
        guard var trial = try connection.queryFirst(
            "SELECT \(Self.trialColumns) FROM trials WHERE study_id = ? AND trial_id = ?",
            [.integer(study.id), SQLiteValue(id)], { try self.trial($0, of: study) })
        else { return nil }
        trial.measurements = try measurements(of: id, studyID: study.id)
        return trial
    }

    func measurements(of trial: Int, studyID: Int64) throws -> [TrialMeasurement] {
        try connection.query(
            "SELECT step, elapsed_seconds, metrics FROM measurements WHERE study_id = ? AND trial_id = ? ORDER BY seq",
            [.integer(studyID), SQLiteValue(trial)]
        ) { row in
            TrialMeasurement(step: row.int(0), elapsedSeconds: row.double(1), metrics: try StoreCoding.decodeMetrics(row.text(2) ?? "{}"))
        }
    }

    /// Loads the intermediate measurements of `trials` in one query: by the ids of a page (passed as one JSON array,
    /// so the statement stays cached whatever the page size), or for the whole study when most of it is asked for.
    func attachMeasurements(to trials: inout [Trial], studyID: Int64) throws {
        guard !trials.isEmpty else { return }
        var byTrial: [Int: [TrialMeasurement]] = [:]
        let collect: (SQLiteRow) throws -> Void = { row in
            let measurement = TrialMeasurement(
                step: row.int(1), elapsedSeconds: row.double(2), metrics: try StoreCoding.decodeMetrics(row.text(3) ?? "{}"))
            byTrial[row.int(0), default: []].append(measurement)
        }
        if trials.count > 2_000 {
            try connection.forEachRow(
                "SELECT trial_id, step, elapsed_seconds, metrics FROM measurements WHERE study_id = ? ORDER BY trial_id, seq",
                [.integer(studyID)], collect)
        } else {
            let ids = "[" + trials.map { String($0.id) }.joined(separator: ",") + "]"
            try connection.forEachRow(
                """
                SELECT trial_id, step, elapsed_seconds, metrics FROM measurements
                WHERE study_id = ? AND trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id, seq
                """,
                [.integer(studyID), .text(ids)], collect)
        }
        for index in trials.indices {
            trials[index].measurements = byTrial[trials[index].id] ?? []
        }
    }

    func counts(studyID: Int64) throws -> TrialCounts {
        var counts = TrialCounts()
        try connection.forEachRow("SELECT state, count FROM trial_counts WHERE study_id = ?", [.integer(studyID)]) { row in
            if let state = TrialState(rawValue: row.text(0) ?? "") {
                counts[state] = row.int(1)
            }
        }
        return counts
    }

    /// Inserts a trial.
    func insertTrial(
        _ id: Int, studyID: Int64, parameters: ParameterAssignment, state: TrialState, now: Date, worker: String?, leaseExpiresAt: Date?
    ) throws {
        try connection.run(
            """
            INSERT INTO trials (study_id, trial_id, parameters, state, created_at, started_at, worker, lease_expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(studyID), SQLiteValue(id), .text(StoreCoding.encodeParameters(parameters)), .text(state.rawValue),
                SQLiteValue(now), SQLiteValue(state == .active ? now : nil), SQLiteValue(worker), SQLiteValue(leaseExpiresAt),
            ])
    }

    func nextTrialID(studyID: Int64) throws -> Int {
        (try connection.queryFirst("SELECT COALESCE(MAX(trial_id), 0) FROM trials WHERE study_id = ?", [.integer(studyID)]) { $0.int(0) } ?? 0) + 1
    }

    /// The state of one trial, or `StoreError.trialNotFound`.
    func trialState(_ id: Int, of study: StoredStudy) throws -> (state: TrialState, worker: String?, retryCount: Int) {
        let found = try connection.queryFirst(
            "SELECT state, worker, retry_count FROM trials WHERE study_id = ? AND trial_id = ?", [.integer(study.id), SQLiteValue(id)]
        ) { row in (row.text(0) ?? "", row.text(1), row.int(2)) }
        guard let found else { throw StoreError.trialNotFound(study: study.study.name, trial: id) }
        guard let state = TrialState(rawValue: found.0) else {
            throw StoreError.database("trial \(id) of study '\(study.study.name)' has the unknown state '\(found.0)'")
        }
        return (state, found.1, found.2)
    }
}
