import AugurCore
import Foundation

extension SQLiteDatabase {
    func requestTrial(study name: String, parameters: ParameterAssignment) throws -> Trial {
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            let id = try nextTrialID(studyID: study.id)
            try insertTrial(id, studyID: study.id, parameters: parameters, state: .requested, now: Date(), worker: nil, leaseExpiresAt: nil)
            guard let trial = try loadTrial(id, of: study) else { throw StoreError.trialNotFound(study: name, trial: id) }
            return trial
        }
    }

    func trial(study name: String, id: Int) throws -> Trial? {
        try connection.readTransaction {
            try loadTrial(id, of: try requireStudy(named: name))
        }
    }

    func trialCounts(study name: String) throws -> TrialCounts {
        try connection.readTransaction {
            try counts(studyID: try requireStudy(named: name).id)
        }
    }

    /// Only the final measurements of the COMPLETED trials, one index range scan: no parameters, no other columns.
    func completedFinalMetrics(study name: String, metrics: [String]) throws -> [(id: Int, metrics: [String: Double])] {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            return try connection.query(
                "SELECT trial_id, final_measurement FROM trials WHERE study_id = ? AND state = 'COMPLETED' ORDER BY trial_id",
                [.integer(study.id)]
            ) { row in
                let all = try row.text(1).map(StoreCoding.decodeMeasurement)?.metrics ?? [:]
                var kept: [String: Double] = [:]
                for name in metrics { kept[name] = all[name] }
                return (row.int(0), kept)
            }
        }
    }

    /// The final values of the spec's metrics from the `final_values` column, one index range scan and no JSON; a
    /// row without the column (none should remain after the migration's back-fill) falls back to its measurement.
    /// Names outside the spec go through `completedFinalMetrics`. `candidatesOnly` leaves out the pruned trials
    /// (read from the partial index `trials_front_candidates`).
    func completedFinalValues(study name: String, metrics: [String], candidatesOnly: Bool = false) throws -> FinalValueTable {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            let stored = study.study.spec.objective.allMetricNames
            let positions = metrics.compactMap { stored.firstIndex(of: $0) }
            guard positions.count == metrics.count else {
                return FinalValueTable(metrics: metrics, finalMetrics: try completedFinalMetrics(study: name, metrics: metrics))
            }
            var ids: [Int] = []
            var values: [Double] = []
            try connection.forEachRow(
                candidatesOnly
                    ? Self.frontCandidateQuery
                    : """
                    SELECT trial_id, final_values, CASE WHEN final_values IS NULL THEN final_measurement END
                    FROM trials WHERE study_id = ? AND state = 'COMPLETED' ORDER BY trial_id
                    """,
                [.integer(study.id)]
            ) { row in
                ids.append(row.int(0))
                guard !row.appendDoubles(1, at: positions, to: &values) else { return }
                let all = try row.text(2).map(StoreCoding.decodeMeasurement)?.metrics ?? [:]
                values.append(contentsOf: metrics.map { all[$0] ?? .nan })
            }
            return FinalValueTable(metrics: metrics, ids: ids, values: values)
        }
    }

    func trials(study name: String, query: TrialQuery) throws -> [Trial] {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            var filter = "study_id = ?"
            var values: [SQLiteValue] = [.integer(study.id)]
            if let states = query.states {
                // A fixed order keeps the SQL text, and so the cached statement, the same for the same set.
                let ordered = TrialState.allCases.filter(states.contains)
                if ordered.isEmpty { return [] }
                filter += " AND state IN (" + ordered.map { _ in "?" }.joined(separator: ", ") + ")"
                values += ordered.map { .text($0.rawValue) }
            }
            let limit = query.limit.map { max($0, 0) }
            let offset = max(query.offset, 0)
            var trials: [Trial]
            switch query.order {
            case .id:
                trials = try connection.query(
                    "SELECT \(Self.trialColumns) FROM trials WHERE \(filter) ORDER BY trial_id LIMIT ? OFFSET ?",
                    values + [SQLiteValue(limit ?? -1), SQLiteValue(offset)]
                ) { try trial($0, of: study) }
            case .objective:
                trials = try trialsByObjective(of: study, filter: filter, values: values, limit: limit, offset: offset)
            case .metric(let metric, let goal):
                let direction = goal == .minimize ? "ASC" : "DESC"
                trials = try connection.query(
                    """
                    SELECT \(Self.trialColumns),
                           (SELECT value FROM json_each(final_measurement, '$.metrics') WHERE key = ?) AS sort_value
                    FROM trials WHERE \(filter)
                    ORDER BY sort_value IS NULL, sort_value \(direction), trial_id LIMIT ? OFFSET ?
                    """,
                    [.text(metric)] + values + [SQLiteValue(limit ?? -1), SQLiteValue(offset)]
                ) { try trial($0, of: study) }
            }
            if query.includeMeasurements {
                try attachMeasurements(to: &trials, studyID: study.id)
            }
            return trials
        }
    }

    /// Id, state and ranking value of every trial in `states`, read from the trials table's own columns: no JSON is
    /// decoded, so a study of 100,000 trials is one index walk.
    func trialDigests(study name: String, states: Set<TrialState>?) throws -> [TrialDigest] {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            var filter = "study_id = ?"
            var values: [SQLiteValue] = [.integer(study.id)]
            if let states {
                let ordered = TrialState.allCases.filter(states.contains)
                if ordered.isEmpty { return [] }
                filter += " AND state IN (" + ordered.map { _ in "?" }.joined(separator: ", ") + ")"
                values += ordered.map { .text($0.rawValue) }
            }
            // The `(study_id, state, objective_value)` index holds every column asked for (trials are clustered by
            // `(study_id, trial_id)`, so the id is in each entry): scanning it skips the trials' JSON columns, and
            // sorting by id afterwards costs less than walking the table in id order (about a third of the read at
            // 100,000 trials).
            var digests = try connection.query(
                "SELECT trial_id, state, objective_value FROM trials INDEXED BY trials_by_state_objective WHERE \(filter)", values
            ) { row in try Self.digest(row, study: name) }
            digests.sort { $0.id < $1.id }
            return digests
        }
    }

    /// The parameters of the trials with these ids; the ids travel as one JSON array, so the statement is the same
    /// for any number of them. Written as `IN (SELECT …)` so that SQLite probes the primary key once per id: as a
    /// join of `json_each` with `trials` it chose to scan the study's trials with the list inside, 12 s for 1,000 ids
    /// of a 100,000-trial study.
    func trials(study name: String, ids: [Int]) throws -> [Trial] {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            let list = "[" + Set(ids).map(String.init).joined(separator: ",") + "]"
            return try connection.query(
                "SELECT \(Self.trialColumns) FROM trials WHERE study_id = ? AND trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id",
                [.integer(study.id), .text(list)]
            ) { try trial($0, of: study) }
        }
    }

    func trialParameters(study name: String, ids: [Int]) throws -> [Int: ParameterAssignment] {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            let list = "[" + Set(ids).map(String.init).joined(separator: ",") + "]"
            let rows = try connection.query(
                "SELECT trial_id, parameters FROM trials WHERE study_id = ? AND trial_id IN (SELECT value FROM json_each(?))",
                [.integer(study.id), .text(list)]
            ) { row in
                (row.int(0), try StoreCoding.decodeParameters(row.text(1) ?? "{}", space: study.study.spec.searchSpace))
            }
            return Dictionary(rows, uniquingKeysWith: { first, _ in first })
        }
    }

    /// A row of `trial_id, state, objective_value` as a digest.
    private static func digest(_ row: SQLiteRow, study name: String) throws -> TrialDigest {
        let id = row.int(0)
        let stateText = row.text(1) ?? ""
        guard let state = TrialState(rawValue: stateText) else {
            throw StoreError.database("trial \(id) of study '\(name)' has the unknown state '\(stateText)'")
        }
        return TrialDigest(id: id, state: state, objectiveValue: row.double(2))
    }

    /// The digests of the trials with an event after `cursor` (all when `nil`), read in one transaction with the
    /// newest event id, which is the next cursor. SQLite writes one transaction at a time, so event ids follow commit
    /// order and no change is skipped.
    func trialDigestChanges(study name: String, since cursor: Int?) throws -> TrialDigestChanges {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            let newest = try connection.queryFirst("SELECT COALESCE(MAX(id), 0) FROM trial_events") { $0.int(0) } ?? 0
            guard let cursor else {
                return TrialDigestChanges(digests: try trialDigests(study: name, states: nil), complete: true, cursor: newest)
            }
            var digests = try connection.query(
                """
                SELECT trial_id, state, objective_value FROM trials
                WHERE study_id = ? AND trial_id IN (SELECT trial_id FROM trial_events WHERE id > ? AND study_id = ?)
                """,
                [.integer(study.id), SQLiteValue(cursor), .integer(study.id)]
            ) { row in try Self.digest(row, study: name) }
            digests.sort { $0.id < $1.id }
            return TrialDigestChanges(digests: digests, complete: false, cursor: newest)
        }
    }

    /// A trial's state history from `trial_events`, oldest first.
    func trialEvents(study name: String, trial id: Int) throws -> [TrialEvent] {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            _ = try trialState(id, of: study)
            return try connection.query(
                "SELECT at, state, worker, retry_count, reason FROM trial_events WHERE study_id = ? AND trial_id = ? ORDER BY id",
                [.integer(study.id), SQLiteValue(id)]
            ) { row in
                let stateText = row.text(1) ?? ""
                guard let state = TrialState(rawValue: stateText) else {
                    throw StoreError.database("an event of trial \(id) of study '\(name)' has the unknown state '\(stateText)'")
                }
                return TrialEvent(at: row.date(0) ?? Date(timeIntervalSince1970: 0), state: state, worker: row.text(2),
                                  retryCount: row.int(3), reason: row.text(4))
            }
        }
    }

    /// Best objective value first, trials without one last (by id). Split into two queries so that the ranked part
    /// walks the `(study_id, state, objective_value)` index instead of sorting the study: the best trial of a
    /// 100,000-trial study is one index probe.
    private func trialsByObjective(
        of study: StoredStudy, filter: String, values: [SQLiteValue], limit: Int?, offset: Int
    ) throws -> [Trial] {
        let direction = study.study.spec.objective.goal == .minimize ? "ASC" : "DESC"
        var ranked = try connection.query(
            """
            SELECT \(Self.trialColumns) FROM trials WHERE \(filter) AND objective_value IS NOT NULL
            ORDER BY objective_value \(direction), trial_id LIMIT ? OFFSET ?
            """,
            values + [SQLiteValue(limit ?? -1), SQLiteValue(offset)]
        ) { try trial($0, of: study) }
        if let limit, ranked.count >= limit { return ranked }
        let rankedCount: Int
        if ranked.isEmpty && offset > 0 {
            rankedCount = try connection.queryFirst(
                "SELECT COUNT(*) FROM trials WHERE \(filter) AND objective_value IS NOT NULL", values) { $0.int(0) } ?? 0
        } else {
            rankedCount = offset + ranked.count
        }
        let unranked = try connection.query(
            "SELECT \(Self.trialColumns) FROM trials WHERE \(filter) AND objective_value IS NULL ORDER BY trial_id LIMIT ? OFFSET ?",
            values + [SQLiteValue(limit.map { $0 - ranked.count } ?? -1), SQLiteValue(max(offset - rankedCount, 0))]
        ) { try trial($0, of: study) }
        ranked += unranked
        return ranked
    }

    func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) throws {
        let metrics = StoreCoding.encodeMetrics(measurement.metrics)
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            let current = try trialState(id, of: study)
            guard current.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: current.state) }
            let now = Date()
            // A repeat of the trial's last measurement (same step and metrics: a call retried after its reply was
            // lost) is not recorded again.
            try connection.run(
                """
                INSERT INTO measurements (study_id, trial_id, seq, step, elapsed_seconds, metrics, created_at)
                SELECT ?1, ?2, (SELECT COALESCE(MAX(seq) + 1, 0) FROM measurements WHERE study_id = ?1 AND trial_id = ?2), ?3, ?4, ?5, ?6
                WHERE NOT EXISTS (
                    SELECT 1 FROM measurements last
                    WHERE last.study_id = ?1 AND last.trial_id = ?2 AND last.step = ?3 AND last.metrics = ?5
                      AND last.seq = (SELECT MAX(seq) FROM measurements WHERE study_id = ?1 AND trial_id = ?2)
                )
                """,
                [.integer(study.id), SQLiteValue(id), SQLiteValue(measurement.step), SQLiteValue(measurement.elapsedSeconds), .text(metrics), SQLiteValue(now)])
            if let leaseExpiresAt {
                try connection.run(
                    "UPDATE trials SET lease_expires_at = ? WHERE study_id = ? AND trial_id = ?",
                    [SQLiteValue(leaseExpiresAt), .integer(study.id), SQLiteValue(id)])
            }
        }
    }

    func renewLease(study name: String, trial id: Int, worker: String, until: Date) throws {
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            let current = try trialState(id, of: study)
            guard current.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: current.state) }
            guard current.worker == worker else { throw StoreError.notOwner(study: name, trial: id, owner: current.worker) }
            try connection.run(
                "UPDATE trials SET lease_expires_at = ? WHERE study_id = ? AND trial_id = ?",
                [SQLiteValue(until), .integer(study.id), SQLiteValue(id)])
        }
    }

    func finishTrial(study name: String, trial id: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) throws -> Trial {
        guard state.isTerminal else { throw TrialRules.nonTerminalFinish(study: name, trial: id, state: state) }
        let finalText = finalMeasurement.map(StoreCoding.encodeMeasurement)
        return try connection.writeTransaction {
            let study = try requireStudy(named: name)
            let current = try trialState(id, of: study)
            switch current.state {
            case let from where TrialRules.mayFinish(from: from, to: state):
                try connection.run(
                    """
                    UPDATE trials SET state = ?, final_measurement = ?, objective_value = ?, final_values = ?, status_reason = ?,
                           ended_at = ?, lease_expires_at = NULL
                    WHERE study_id = ? AND trial_id = ?
                    """,
                    [
                        .text(state.rawValue), SQLiteValue(finalText),
                        SQLiteValue(TrialRules.objectiveValue(of: finalMeasurement, objective: study.study.spec.objective)),
                        SQLiteValue(TrialRules.finalValuesBlob(of: finalMeasurement, objective: study.study.spec.objective)),
                        SQLiteValue(reason), SQLiteValue(Date()), .integer(study.id), SQLiteValue(id),
                    ])
            case state:
                break  // A retried report of the same outcome.
            default:
                throw StoreError.trialNotActive(study: name, trial: id, state: current.state)
            }
            guard let trial = try loadTrial(id, of: study) else { throw StoreError.trialNotFound(study: name, trial: id) }
            return trial
        }
    }

    /// Deletes a trial with its measurements and metadata (the `trial_counts` trigger uncounts it). Deleting a
    /// front candidate (a COMPLETED trial not pruned) makes the study's pruned trials candidates again and raises its
    /// candidate generation, so that a prune decided before the deletion (perhaps because of the deleted trial) is
    /// not written after it; no prune can have depended on any other trial (docs/storage.md, "Front candidates").
    func deleteTrial(study name: String, trial id: Int) throws {
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            let state = try trialState(id, of: study).state
            let candidate = try state == .completed && connection.queryFirst(
                "SELECT pruned = 0 FROM trials WHERE study_id = ? AND trial_id = ?", [.integer(study.id), SQLiteValue(id)]) { $0.int(0) } == 1
            for table in ["measurements", "metadata", "trials"] {
                try connection.run("DELETE FROM \(table) WHERE study_id = ? AND trial_id = ?", [.integer(study.id), SQLiteValue(id)])
            }
            if candidate {
                try connection.run("UPDATE trials SET pruned = 0 WHERE study_id = ? AND pruned <> 0", [.integer(study.id)])
                try connection.run("UPDATE studies SET candidate_generation = candidate_generation + 1 WHERE id = ?", [.integer(study.id)])
            }
        }
    }

    /// `completedFinalValues`' query for the unpruned trials, named to the partial index: without statistics the
    /// planner otherwise walks the study's whole primary-key range, every trial of it.
    static let frontCandidateQuery = """
        SELECT trial_id, final_values, CASE WHEN final_values IS NULL THEN final_measurement END
        FROM trials INDEXED BY trials_front_candidates
        WHERE study_id = ? AND state = 'COMPLETED' AND pruned = 0 ORDER BY trial_id
        """

    /// The unpruned completed trials' final values, with the candidate generation read in the same transaction.
    func frontCandidateValues(study name: String, metrics: [String]) throws -> FrontCandidates {
        try connection.readTransaction {
            let study = try requireStudy(named: name)
            let generation = try connection.queryFirst("SELECT candidate_generation FROM studies WHERE id = ?", [.integer(study.id)]) { $0.int(0) }
            return FrontCandidates(table: try completedFinalValues(study: name, metrics: metrics, candidatesOnly: true), generation: generation ?? 0)
        }
    }

    /// Marks the listed COMPLETED trials pruned in one UPDATE (the ids go in as one JSON array), if the study's
    /// candidate generation is still `generation`; the write transaction serializes it with `deleteTrial`.
    func pruneTrials(study name: String, ids: [Int], generation: Int) throws {
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            guard !ids.isEmpty else { return }
            let current = try connection.queryFirst("SELECT candidate_generation FROM studies WHERE id = ?", [.integer(study.id)]) { $0.int(0) }
            guard current == generation else { return }
            let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
            try connection.run(
                """
                UPDATE trials SET pruned = 1
                WHERE study_id = ? AND state = 'COMPLETED' AND pruned = 0 AND trial_id IN (SELECT value FROM json_each(?))
                """,
                [.integer(study.id), .text(list)])
        }
    }
}
