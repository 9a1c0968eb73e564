import AugurCore
import Foundation

extension PostgresStoreSession {
    private static let insertStudy = PostgresStatement(
        name: "augur_insert_study",
        sql: """
            INSERT INTO studies AS s (name, spec, state, state_reason, objective_metric, goal, created_at, updated_at, uid, revision)
            VALUES ($1, $2::jsonb, 'ACTIVE', NULL, $3, $4, clock_timestamp(), clock_timestamp(), $5, 1)
            ON CONFLICT (name) DO NOTHING
            RETURNING \(studyColumns("s"))
            """)

    func createStudy(_ spec: StudySpec, specText: String) throws -> Study {
        let result = try connection.execute(
            Self.insertStudy, [spec.name, specText, spec.objective.metric, spec.objective.goal.rawValue, StudyVersion.new().uid])
        guard result.rowCount > 0 else { throw StoreError.studyExists(spec.name) }
        return try storedStudy(result, row: 0).study
    }

    private static let summaries = PostgresStatement(
        name: "augur_study_summaries",
        sql: """
            SELECT \(studyColumns("s")),
                   (SELECT jsonb_object_agg(c.state, c.n)::text
                    FROM (SELECT t.state, count(*) AS n FROM trials t WHERE t.study_id = s.id GROUP BY t.state) c),
                   (SELECT t.objective_value FROM trials t
                    WHERE t.study_id = s.id AND t.state = 'COMPLETED' AND t.objective_rank IS NOT NULL
                    ORDER BY t.objective_rank LIMIT 1)
            FROM studies s ORDER BY s.id
            """)

    func studySummaries() throws -> [StudySummary] {
        let result = try connection.execute(Self.summaries)
        var summaries: [StudySummary] = []
        for row in 0..<result.rowCount {
            let stored = try storedStudy(result, row: row)
            var counts = TrialCounts()
            if let text = result.string(row, Self.studyColumnCount) {
                for (state, count) in try StoreCoding.decode([String: Int].self, from: text, what: "trial counts") {
                    if let state = TrialState(rawValue: state) { counts[state] = count }
                }
            }
            summaries.append(StudySummary(study: stored.study, counts: counts, bestValue: result.double(row, Self.studyColumnCount + 1)))
        }
        return summaries
    }

    private static let lockStudyForDelete = PostgresStatement(
        name: "augur_lock_study_for_delete", sql: "SELECT id FROM studies WHERE name = $1 FOR UPDATE")
    private static let deleteMeasurements = PostgresStatement(
        name: "augur_delete_study_measurements", sql: "DELETE FROM measurements WHERE study_id = $1::bigint")
    private static let deleteTrials = PostgresStatement(
        name: "augur_delete_study_trials", sql: "DELETE FROM trials WHERE study_id = $1::bigint")
    private static let deleteStudy = PostgresStatement(
        name: "augur_delete_study", sql: "DELETE FROM studies WHERE id = $1::bigint")

    /// Children first: one indexed range delete per table instead of a cascade per trial.
    func deleteStudy(named name: String) throws {
        guard let id = try connection.execute(Self.lockStudyForDelete, [name]).string(0, 0) else {
            throw StoreError.studyNotFound(name)
        }
        for statement in [Self.deleteMeasurements, Self.deleteTrials, Self.deleteStudy] {
            try connection.execute(statement, [id])
        }
    }

    private static let updateSpec = PostgresStatement(
        name: "augur_set_study_spec",
        sql: """
            UPDATE studies s SET spec = $2::jsonb, revision = s.revision + 1, updated_at = clock_timestamp()
            WHERE s.name = $1 RETURNING \(studyColumns("s"))
            """)

    /// Runs inside a transaction; the study's row lock (the one assignments take) keeps planners from seeing a
    /// half-changed study and serializes concurrent changes.
    func setStudyBudget(_ name: String, to budget: Budget) throws -> Study {
        let current = try lockStudy(named: name).study.study
        guard current.spec.budget != budget else { return current }
        var spec = current.spec
        spec.budget = budget
        let result = try connection.execute(Self.updateSpec, [name, try StoreCoding.encodeSpec(spec)])
        guard result.rowCount > 0 else { throw StoreError.studyNotFound(name) }
        return try storedStudy(result, row: 0).study
    }

    private static let updateState = PostgresStatement(
        name: "augur_set_study_state",
        sql: "UPDATE studies SET state = $2, state_reason = $3, updated_at = clock_timestamp() WHERE name = $1 RETURNING id")

    func setStudyState(_ name: String, to state: StudyState, reason: String?) throws {
        let result = try connection.execute(Self.updateState, [name, state.rawValue, reason])
        if result.rowCount == 0 { throw StoreError.studyNotFound(name) }
    }
}
