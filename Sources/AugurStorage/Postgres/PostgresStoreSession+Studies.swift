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
                    FROM (SELECT 'ALL' AS state, coalesce((SELECT max(t.trial_id) FROM trials t WHERE t.study_id = s.id), 0)
                                                 - s.missing_trials AS n
                          UNION ALL
                          SELECT t.state, count(*) FROM trials t WHERE t.study_id = s.id AND t.state IN ('ACTIVE', 'REQUESTED')
                          GROUP BY t.state
                          UNION ALL
                          SELECT t.state, count(*) FROM trials t
                          WHERE t.study_id = s.id AND t.state IN ('STOPPED', 'FAILED', 'INFEASIBLE') GROUP BY t.state) c),
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
            // Counted as `trialCounts` counts: the number of trials from the dense ids, the open and ended-early
            // ones through their small partial indexes, and COMPLETED the rest, so that listing studies does not
            // count every trial of each (44 ms at 100,000 trials before).
            var counts = TrialCounts()
            var total = 0
            if let text = result.string(row, Self.studyColumnCount) {
                for (state, count) in try StoreCoding.decode([String: Int].self, from: text, what: "trial counts") {
                    if state == "ALL" {
                        total = count
                    } else if let state = TrialState(rawValue: state) {
                        counts[state] = count
                    }
                }
            }
            counts.completed = max(total - counts.total, 0)
            summaries.append(StudySummary(study: stored.study, counts: counts, bestValue: result.double(row, Self.studyColumnCount + 1)))
        }
        return summaries
    }

    private static let lockStudyForDelete = PostgresStatement(
        name: "augur_lock_study_for_delete", sql: "SELECT id FROM studies WHERE name = $1 FOR UPDATE")
    private static let deleteMeasurements = PostgresStatement(
        name: "augur_delete_study_measurements", sql: "DELETE FROM measurements WHERE study_id = $1::bigint")
    private static let deleteMetadata = PostgresStatement(
        name: "augur_delete_study_metadata", sql: "DELETE FROM metadata WHERE study_id = $1::bigint")
    private static let deleteTrials = PostgresStatement(
        name: "augur_delete_study_trials", sql: "DELETE FROM trials WHERE study_id = $1::bigint")
    private static let deleteStudy = PostgresStatement(
        name: "augur_delete_study", sql: "DELETE FROM studies WHERE id = $1::bigint")

    /// Children first: one indexed range delete per table instead of a cascade per trial.
    func deleteStudy(named name: String) throws {
        guard let id = try connection.execute(Self.lockStudyForDelete, [name]).string(0, 0) else {
            throw StoreError.studyNotFound(name)
        }
        for statement in [Self.deleteMeasurements, Self.deleteMetadata, Self.deleteTrials, Self.deleteStudy] {
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

    /// Writes every update in one statement (the session is a transaction): the rows in order, so that a later write
    /// of a slot wins, after a check that every named trial exists.
    private static let upsertMetadata = PostgresStatement(
        name: "augur_upsert_metadata",
        sql: """
            INSERT INTO metadata AS m (study_id, trial_id, namespace, key, value, type_url)
            SELECT DISTINCT ON (u.trial_id, u.namespace, u.key) $1::bigint, u.trial_id, u.namespace, u.key, u.value, u.type_url
            FROM unnest($2::integer[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY
                AS u (trial_id, namespace, key, value, type_url, position)
            ORDER BY u.trial_id, u.namespace, u.key, u.position DESC
            ON CONFLICT (study_id, trial_id, namespace, key) DO UPDATE SET value = excluded.value, type_url = excluded.type_url
            """)

    private static let missingTrial = PostgresStatement(
        name: "augur_metadata_missing_trial",
        sql: """
            SELECT w.trial_id FROM unnest($2::integer[]) AS w (trial_id)
            WHERE NOT EXISTS (SELECT 1 FROM trials t WHERE t.study_id = $1::bigint AND t.trial_id = w.trial_id)
            ORDER BY w.trial_id LIMIT 1
            """)

    private static let studyMetadata = PostgresStatement(
        name: "augur_study_metadata",
        sql: """
            SELECT m.trial_id, m.namespace, m.key, m.value, m.type_url FROM metadata m JOIN studies s ON s.id = m.study_id
            WHERE s.name = $1 ORDER BY m.trial_id, m.namespace, m.key
            """)

    func updateMetadata(study name: String, updates: [MetadataUpdate]) throws {
        let study = try requireStudy(named: name)
        let trials = Set(updates.compactMap(\.trial)).sorted()
        if !trials.isEmpty,
           let missing = try connection.execute(Self.missingTrial, [String(study.id), Self.arrayLiteral(trials)]).int(0, 0) {
            throw StoreError.trialNotFound(study: name, trial: missing)
        }
        guard !updates.isEmpty else { return }
        let values = updates.map { StoreCoding.encodeMetadataValue($0.entry.value) }
        try connection.execute(Self.upsertMetadata, [
            String(study.id), Self.arrayLiteral(updates.map { $0.trial ?? 0 }),
            Self.arrayLiteral(updates.map(\.entry.namespace)), Self.arrayLiteral(updates.map(\.entry.key)),
            Self.arrayLiteral(values.map(\.value)), Self.arrayLiteral(values.map(\.typeURL)),
        ])
    }

    func metadata(study name: String) throws -> StudyMetadata {
        let study = try requireStudy(named: name)
        let result = try connection.execute(Self.studyMetadata, [study.study.name])
        var metadata = StudyMetadata()
        for row in 0..<result.rowCount {
            let entry = MetadataEntry(
                namespace: result.string(row, 1) ?? "", key: result.string(row, 2) ?? "",
                value: StoreCoding.decodeMetadataValue(result.string(row, 3) ?? "", typeURL: result.string(row, 4)))
            let trial = result.int(row, 0) ?? 0
            if trial == 0 { metadata.study.append(entry) } else { metadata.trials[trial, default: []].append(entry) }
        }
        return metadata
    }
}
