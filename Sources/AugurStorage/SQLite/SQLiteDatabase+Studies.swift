import AugurCore
import Foundation

extension SQLiteDatabase {
    func createStudy(_ spec: StudySpec) throws -> Study {
        let specText = try StoreCoding.encodeSpec(spec)
        return try connection.writeTransaction {
            // The write lock is held from BEGIN IMMEDIATE, so nobody can take the name between this check and the insert.
            if try storedStudy(named: spec.name) != nil { throw StoreError.studyExists(spec.name) }
            let now = Date()
            try connection.run(
                """
                INSERT INTO studies (name, spec, state, state_reason, objective_metric, goal, created_at, updated_at, uid, revision)
                VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, 1)
                """,
                [
                    .text(spec.name), .text(specText), .text(StudyState.active.rawValue), .text(spec.objective.metric),
                    .text(spec.objective.goal.rawValue), SQLiteValue(now), SQLiteValue(now), .text(StudyVersion.new().uid),
                ])
            return try requireStudy(named: spec.name).study
        }
    }

    func study(named name: String) throws -> Study? {
        try storedStudy(named: name)?.study
    }

    func studySummaries() throws -> [StudySummary] {
        try connection.readTransaction {
            let studies = try connection.query("SELECT \(Self.studyColumns) FROM studies ORDER BY id") { try storedStudy($0) }
            var counts: [Int64: TrialCounts] = [:]
            try connection.forEachRow("SELECT study_id, state, count FROM trial_counts") { row in
                if let state = TrialState(rawValue: row.text(1) ?? "") {
                    counts[row.int64(0), default: TrialCounts()][state] = row.int(2)
                }
            }
            var best: [Int64: Double] = [:]
            try connection.forEachRow(
                """
                SELECT s.id,
                       CASE s.goal
                           WHEN 'minimize' THEN (SELECT MIN(objective_value) FROM trials t WHERE t.study_id = s.id AND t.state = 'COMPLETED')
                           ELSE (SELECT MAX(objective_value) FROM trials t WHERE t.study_id = s.id AND t.state = 'COMPLETED')
                       END
                FROM studies s
                """
            ) { row in
                if let value = row.double(1) { best[row.int64(0)] = value }
            }
            return studies.map { stored in
                StudySummary(study: stored.study, counts: counts[stored.id] ?? TrialCounts(), bestValue: best[stored.id])
            }
        }
    }

    func deleteStudy(named name: String) throws {
        try connection.writeTransaction {
            let stored = try requireStudy(named: name)
            // Children first: one indexed range delete each instead of a cascade per trial.
            for table in ["measurements", "metadata", "trials", "trial_counts"] {
                try connection.run("DELETE FROM \(table) WHERE study_id = ?", [.integer(stored.id)])
            }
            try connection.run("DELETE FROM studies WHERE id = ?", [.integer(stored.id)])
        }
    }

    /// Reads, changes and writes the spec in one write transaction, so concurrent changes do not interleave.
    func setStudyBudget(_ name: String, to budget: Budget) throws -> Study {
        try connection.writeTransaction {
            var study = try requireStudy(named: name).study
            guard study.spec.budget != budget else { return study }
            study.spec.budget = budget
            study.version.revision += 1
            let changed = try connection.run(
                "UPDATE studies SET spec = ?, revision = ?, updated_at = ? WHERE name = ?",
                [.text(try StoreCoding.encodeSpec(study.spec)), SQLiteValue(study.version.revision), SQLiteValue(Date()), .text(name)])
            if changed == 0 { throw StoreError.studyNotFound(name) }
            return study
        }
    }

    func setStudyState(_ name: String, to state: StudyState, reason: String?) throws {
        let changed = try connection.run(
            "UPDATE studies SET state = ?, state_reason = ?, updated_at = ? WHERE name = ?",
            [.text(state.rawValue), SQLiteValue(reason), SQLiteValue(Date()), .text(name)])
        if changed == 0 { throw StoreError.studyNotFound(name) }
    }

    func updateMetadata(study name: String, updates: [MetadataUpdate]) throws {
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            for trial in Set(updates.compactMap(\.trial)).sorted() {
                _ = try trialState(trial, of: study)
            }
            for update in updates {
                let (value, typeURL) = StoreCoding.encodeMetadataValue(update.entry.value)
                try connection.run(
                    """
                    INSERT INTO metadata (study_id, trial_id, namespace, key, value, type_url) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (study_id, trial_id, namespace, key) DO UPDATE SET value = excluded.value, type_url = excluded.type_url
                    """,
                    [.integer(study.id), SQLiteValue(update.trial ?? 0), .text(update.entry.namespace), .text(update.entry.key),
                     .text(value), SQLiteValue(typeURL)])
            }
        }
    }

    func metadata(study name: String) throws -> StudyMetadata {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            var metadata = StudyMetadata()
            try connection.forEachRow(
                "SELECT trial_id, namespace, key, value, type_url FROM metadata WHERE study_id = ? ORDER BY trial_id, namespace, key",
                [.integer(study.id)]
            ) { row in
                let entry = MetadataEntry(
                    namespace: row.text(1) ?? "", key: row.text(2) ?? "",
                    value: StoreCoding.decodeMetadataValue(row.text(3) ?? "", typeURL: row.text(4)))
                let trial = row.int(0)
                if trial == 0 { metadata.study.append(entry) } else { metadata.trials[trial, default: []].append(entry) }
            }
            return metadata
        }
    }
}
