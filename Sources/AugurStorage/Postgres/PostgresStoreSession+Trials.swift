import AugurCore
import Foundation

extension PostgresStoreSession {
    private static let insertTrials = PostgresStatement(
        name: "augur_insert_trials",
        sql: """
            INSERT INTO trials AS t (study_id, trial_id, parameters, state, created_at, started_at, worker, lease_expires_at)
            SELECT $1::bigint, n.trial_id, n.parameters, $4::text, to_timestamp($7::float8),
                   CASE WHEN $4::text = 'ACTIVE' THEN to_timestamp($7::float8) END, $5::text, to_timestamp($6::float8)
            FROM unnest($2::integer[], $3::jsonb[]) AS n (trial_id, parameters)
            RETURNING \(trialColumns("t", measurements: false))
            """)

    /// The statement that inserts trials numbered from `firstID` and returns them,
    /// created (and, when ACTIVE, started) at `now`.
    func insertTrialsStatement(
        _ parameters: [ParameterAssignment], firstID: Int, study: StoredStudy, state: TrialState, worker: String?,
        leaseExpiresAt: Date?, now: Date
    ) -> (statement: PostgresStatement, parameters: [String?]) {
        let ids = Array(firstID..<(firstID + parameters.count))
        let texts = parameters.map(StoreCoding.encodeParameters)
        return (Self.insertTrials, [
            String(study.id), Self.arrayLiteral(ids), Self.arrayLiteral(texts), state.rawValue, worker, Self.timestamp(leaseExpiresAt),
            Self.timestamp(now),
        ])
    }

    private static let nextTrialID = PostgresStatement(
        name: "augur_next_trial_id", sql: "SELECT coalesce(max(trial_id), 0) + 1 FROM trials WHERE study_id = $1::bigint")

    func requestTrial(study name: String, parameters: ParameterAssignment) throws -> Trial {
        let (study, now) = try lockStudy(named: name)
        let next = try connection.execute(Self.nextTrialID, [String(study.id)]).int(0, 0) ?? 1
        let insert = insertTrialsStatement([parameters], firstID: next, study: study, state: .requested, worker: nil, leaseExpiresAt: nil, now: now)
        guard var trial = try trials(try connection.execute(insert.statement, insert.parameters), of: study).first else {
            throw StoreError.trialNotFound(study: name, trial: next)
        }
        trial.measurements = []
        return trial
    }

    /// Counted like the planner's snapshot (see `countsAndNextID`): the highest id less the missing ids is the number
    /// of trials, every
    /// state but COMPLETED is counted through the `(study_id, state)` index, COMPLETED is what remains.
    ///
    /// The study's id is an init plan's value (`= (SELECT id …)`), not a join: a join let the generic plan, made
    /// while the tables were nearly empty, scan the whole `trials_open` index and filter it by study. That index
    /// also keeps the entries of trials that have left ACTIVE until they are vacuumed or found dead, and while an
    /// older snapshot stays open they cannot be; a study page then paid for every study's finished trials (a steady
    /// ~50 ms at 100,000). Bound to the study, the scan reads only that study's entries.
    static let counts = PostgresStatement(
        name: "augur_trial_counts",
        sql: """
            SELECT 'ALL', coalesce((SELECT max(t.trial_id) FROM trials t WHERE t.study_id = s.id), 0) - s.missing_trials FROM studies s WHERE s.name = $1
            UNION ALL
            SELECT t.state, count(*) FROM trials t
            WHERE t.study_id = (SELECT id FROM studies WHERE name = $1) AND t.state IN ('ACTIVE', 'REQUESTED')
            GROUP BY t.state
            UNION ALL
            SELECT t.state, count(*) FROM trials t
            WHERE t.study_id = (SELECT id FROM studies WHERE name = $1) AND t.state IN ('STOPPED', 'FAILED', 'INFEASIBLE')
            GROUP BY t.state
            """)

    func trialCounts(study name: String) throws -> TrialCounts {
        try trialCounts(try connection.execute(Self.counts, [name]), study: name)
    }

    private func trialCounts(_ result: PostgresResult, study name: String) throws -> TrialCounts {
        guard result.rowCount > 0 else { throw StoreError.studyNotFound(name) }
        var counts = TrialCounts()
        var total = 0
        for row in 0..<result.rowCount {
            if result.string(row, 0) == "ALL" {
                total = result.int(row, 1) ?? 0
            } else if let state = result.string(row, 0).flatMap(TrialState.init(rawValue:)) {
                counts[state] = result.int(row, 1) ?? 0
            }
        }
        counts.completed = max(total - counts.total, 0)
        return counts
    }

    // MARK: Listing

    /// The statement for one shape of `TrialQuery`; the SQL differs only in fixed text chosen from enums, so each
    /// shape is prepared once per connection. Parameters: $1 study id, $2 limit, $3 offset, then the state or
    /// states, then the metric name.
    private static func listStatement(states: Int, order: TrialQuery.Order, measurements: Bool) -> PostgresStatement {
        var parameter = 4
        var filter = "t.study_id = $1::bigint"
        var name = "augur_trials"
        switch states {
        case 0:
            break
        case 1:
            filter += " AND t.state = $\(parameter)::text"
            parameter += 1
            name += "_state"
        default:
            filter += " AND t.state = ANY($\(parameter)::text[])"
            parameter += 1
            name += "_states"
        }
        let orderBy: String
        switch order {
        case .id:
            orderBy = "t.trial_id"
            name += "_by_id"
        case .objective:
            // `objective_rank` is signed so that smaller is better under either goal (NULLs sort last ascending).
            orderBy = "t.objective_rank, t.trial_id"
            name += "_by_objective"
        case .metric(_, let metricGoal):
            let value = "t.final_measurement -> 'metrics' -> $\(parameter)::text"
            orderBy = "CASE jsonb_typeof(\(value)) WHEN 'number' THEN (\(value) #>> '{}')::float8 END "
                + "\(metricGoal == .minimize ? "ASC" : "DESC") NULLS LAST, t.trial_id"
            name += "_by_metric_\(metricGoal.rawValue)"
        }
        name += measurements ? "_with_measurements" : ""
        // The page is chosen on the bare rows first, so that the columns (JSON, measurements) are computed only for
        // the rows returned, not for every row an OFFSET skips.
        return PostgresStatement(
            name: name,
            sql: """
                SELECT \(trialColumns("t", measurements: measurements))
                FROM (SELECT t.study_id, t.trial_id FROM trials t WHERE \(filter) ORDER BY \(orderBy) LIMIT $2::bigint OFFSET $3::bigint) page
                JOIN trials t ON t.study_id = page.study_id AND t.trial_id = page.trial_id
                ORDER BY \(orderBy)
                """)
    }

    private static let completedFinalMeasurements = PostgresStatement(
        name: "augur_completed_final_measurements",
        sql: """
            SELECT t.trial_id, t.final_measurement::text FROM trials t
            WHERE t.study_id = $1::bigint AND t.state = 'COMPLETED' ORDER BY t.trial_id
            """)

    /// Only the final measurements of the COMPLETED trials: no parameters, no other columns.
    func completedFinalMetrics(study name: String, metrics: [String]) throws -> [(id: Int, metrics: [String: Double])] {
        let study = try requireStudy(named: name)
        let result = try connection.execute(Self.completedFinalMeasurements, [String(study.id)])
        var rows: [(id: Int, metrics: [String: Double])] = []
        rows.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            let all = try result.string(row, 1).map(StoreCoding.decodeMeasurement)?.metrics ?? [:]
            var kept: [String: Double] = [:]
            for name in metrics { kept[name] = all[name] }
            rows.append((result.int(row, 0) ?? 0, kept))
        }
        return rows
    }

    /// The ids and `final_values` of a study's COMPLETED trials, in binary format, from the covering index
    /// `trials_completed_values` (an index-only scan where the pages are all-visible): 100,000 arrays read as text
    /// from the table rows were most of the time of a Pareto front.
    static let completedFinalValueArrays = PostgresStatement(
        name: "augur_completed_final_value_arrays",
        sql: """
            SELECT t.trial_id, t.final_values FROM trials t
            WHERE t.study_id = $1::bigint AND t.state = 'COMPLETED' ORDER BY t.trial_id
            """,
        binaryResults: true)

    /// `completedFinalValueArrays` of the unpruned trials only, from the partial index `trials_front_candidates`.
    static let frontCandidateValueArrays = PostgresStatement(
        name: "augur_front_candidate_value_arrays",
        sql: """
            SELECT t.trial_id, t.final_values FROM trials t
            WHERE t.study_id = $1::bigint AND t.state = 'COMPLETED' AND NOT t.pruned ORDER BY t.trial_id
            """,
        binaryResults: true)

    private static let candidateGeneration = PostgresStatement(
        name: "augur_candidate_generation", sql: "SELECT s.candidate_generation FROM studies s WHERE s.id = $1::bigint")

    /// The advisory lock (two keys: a constant for this use, the study id) that orders a prune (shared) before or
    /// after a trial's deletion (exclusive); both hold it to the end of their transactions.
    private static let sharedCandidateLock = PostgresStatement(
        name: "augur_candidate_lock_shared", sql: "SELECT pg_advisory_xact_lock_shared(1634891827, ($1::bigint % 2147483647)::integer)")
    private static let exclusiveCandidateLock = PostgresStatement(
        name: "augur_candidate_lock", sql: "SELECT pg_advisory_xact_lock(1634891827, ($1::bigint % 2147483647)::integer)")

    /// Marks the listed unpruned COMPLETED trials pruned if the study's candidate generation is still the one given.
    /// The generation is read by this statement's snapshot, taken after the shared lock is held: a deletion that
    /// committed before is seen (and the prune dropped), one that comes after waits and un-prunes what this wrote.
    private static let pruneTrials = PostgresStatement(
        name: "augur_prune_trials",
        sql: """
            UPDATE trials t SET pruned = true FROM studies s
            WHERE s.id = $1::bigint AND s.candidate_generation = $3::bigint AND t.study_id = s.id
              AND t.state = 'COMPLETED' AND NOT t.pruned AND t.trial_id = ANY($2::integer[])
            """)

    private static let unpruneTrials = PostgresStatement(
        name: "augur_unprune_trials", sql: "UPDATE trials SET pruned = false WHERE study_id = $1::bigint AND pruned")

    private static let raiseCandidateGeneration = PostgresStatement(
        name: "augur_raise_candidate_generation",
        sql: "UPDATE studies SET candidate_generation = candidate_generation + 1 WHERE id = $1::bigint")

    /// The unpruned completed trials' final values, after the study's candidate generation (read first, so that a
    /// deletion between the two reads makes the prune that follows a no-op rather than a wrong one).
    func frontCandidateValues(study name: String, metrics: [String]) throws -> FrontCandidates {
        let study = try requireStudy(named: name)
        let generation = try connection.execute(Self.candidateGeneration, [String(study.id)]).int(0, 0) ?? 0
        return FrontCandidates(table: try completedFinalValues(study: name, metrics: metrics, candidatesOnly: true), generation: generation)
    }

    /// Runs in a transaction: the shared candidate lock, then one UPDATE of the listed trials.
    func pruneTrials(study name: String, ids: [Int], generation: Int) throws {
        let study = try requireStudy(named: name)
        guard !ids.isEmpty else { return }
        try connection.execute(Self.sharedCandidateLock, [String(study.id)])
        try connection.execute(Self.pruneTrials, [String(study.id), Self.arrayLiteral(ids), String(generation)])
    }

    /// The final measurements of the trials without `final_values` (none after migration 6's back-fill).
    private static let finalMeasurementsByID = PostgresStatement(
        name: "augur_final_measurements_by_id",
        sql: "SELECT t.trial_id, t.final_measurement::text FROM trials t WHERE t.study_id = $1::bigint AND t.trial_id = ANY($2::integer[])")

    /// The final values of the spec's metrics from the `final_values` array, read in binary format (no number
    /// formatted or parsed); a row without the array falls back to its measurement (a second query for those rows
    /// only). Names outside the spec go through `completedFinalMetrics`. `candidatesOnly` leaves out the pruned trials.
    func completedFinalValues(study name: String, metrics: [String], candidatesOnly: Bool = false) throws -> FinalValueTable {
        let study = try requireStudy(named: name)
        let stored = study.study.spec.objective.allMetricNames
        let positions = metrics.compactMap { stored.firstIndex(of: $0) }
        guard !metrics.isEmpty, positions.count == metrics.count else {
            return FinalValueTable(metrics: metrics, finalMetrics: try completedFinalMetrics(study: name, metrics: metrics))
        }
        let result = try connection.execute(candidatesOnly ? Self.frontCandidateValueArrays : Self.completedFinalValueArrays, [String(study.id)])
        var ids: [Int] = []
        var values: [Double] = []
        var arrayValues: [Double] = []
        var withoutArray: [Int: Int] = [:]
        ids.reserveCapacity(result.rowCount)
        values.reserveCapacity(result.rowCount * metrics.count)
        for row in 0..<result.rowCount {
            do throws(PostgresBinary.Malformed) {
                guard let id = result.bytes(row, 0) else { throw PostgresBinary.Malformed(description: "a NULL trial id") }
                ids.append(try PostgresBinary.integer(id))
                guard let array = result.bytes(row, 1) else {
                    withoutArray[ids[row]] = row
                    values.append(contentsOf: repeatElement(.nan, count: metrics.count))
                    continue
                }
                arrayValues.removeAll(keepingCapacity: true)
                try PostgresBinary.forEachDouble(inArray: array) { arrayValues.append($0 ?? .nan) }
                for position in positions { values.append(position < arrayValues.count ? arrayValues[position] : .nan) }
            } catch {
                throw StoreError.database("cannot read the final values of study '\(name)' (row \(row + 1)): \(error)")
            }
        }
        if !withoutArray.isEmpty {
            let measurements = try connection.execute(Self.finalMeasurementsByID, [String(study.id), Self.arrayLiteral(Array(withoutArray.keys))])
            for index in 0..<measurements.rowCount {
                guard let row = measurements.int(index, 0).flatMap({ withoutArray[$0] }), let text = measurements.string(index, 1) else { continue }
                let all = try StoreCoding.decodeMeasurement(text).metrics
                for (column, metric) in metrics.enumerated() { values[row * metrics.count + column] = all[metric] ?? .nan }
            }
        }
        return FinalValueTable(metrics: metrics, ids: ids, values: values)
    }

    func trials(study name: String, query: TrialQuery) throws -> [Trial] {
        let study = try requireStudy(named: name)
        let states = query.states.map { states in TrialState.allCases.filter(states.contains) }
        if let states, states.isEmpty { return [] }
        let statement = Self.listStatement(
            states: states?.count ?? 0, order: query.order, measurements: query.includeMeasurements)
        var parameters: [String?] = [String(study.id), query.limit.map { String(max($0, 0)) }, String(max(query.offset, 0))]
        if let states {
            parameters.append(states.count == 1 ? states[0].rawValue : Self.arrayLiteral(states.map(\.rawValue)))
        }
        if case .metric(let metric, _) = query.order {
            parameters.append(metric)
        }
        return try trials(try connection.execute(statement, parameters), of: study)
    }

    // MARK: Digests

    private static let digests = PostgresStatement(
        name: "augur_trial_digests",
        sql: """
            SELECT t.trial_id, t.state, t.objective_value FROM trials t
            WHERE t.study_id = $1::bigint AND ($2::text[] IS NULL OR t.state = ANY($2::text[]))
            ORDER BY t.trial_id
            """)

    /// Id, state and ranking value of every trial in `states`, from the trials table's own columns (no JSON).
    func trialDigests(study name: String, states: Set<TrialState>?) throws -> [TrialDigest] {
        let study = try requireStudy(named: name)
        let wanted = states.map { states in TrialState.allCases.filter(states.contains).map(\.rawValue) }
        if let wanted, wanted.isEmpty { return [] }
        let result = try connection.execute(Self.digests, [String(study.id), wanted.map { Self.arrayLiteral($0) }])
        var digests: [TrialDigest] = []
        digests.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            let id = result.int(row, 0) ?? 0
            let stateText = result.string(row, 1) ?? ""
            guard let state = TrialState(rawValue: stateText) else {
                throw StoreError.database("trial \(id) of study '\(name)' has the unknown state '\(stateText)'")
            }
            digests.append(TrialDigest(id: id, state: state, objectiveValue: result.double(row, 2)))
        }
        return digests
    }

    private static let trialsByID = PostgresStatement(
        name: "augur_trials_by_id",
        sql: """
            SELECT \(trialColumns("t", measurements: false)) FROM trials t
            WHERE t.study_id = $1::bigint AND t.trial_id = ANY($2::integer[]) ORDER BY t.trial_id
            """)

    /// The trials with these ids, without intermediate measurements, in id order.
    func trials(study name: String, ids: [Int]) throws -> [Trial] {
        let study = try requireStudy(named: name)
        return try trials(try connection.execute(Self.trialsByID, [String(study.id), Self.arrayLiteral(Array(Set(ids)))]), of: study)
    }

    private static let parametersByID = PostgresStatement(
        name: "augur_trial_parameters_by_id",
        sql: "SELECT t.trial_id, t.parameters::text FROM trials t WHERE t.study_id = $1::bigint AND t.trial_id = ANY($2::integer[])")

    /// The parameters of the trials with these ids.
    func trialParameters(study name: String, ids: [Int]) throws -> [Int: ParameterAssignment] {
        let study = try requireStudy(named: name)
        let result = try connection.execute(Self.parametersByID, [String(study.id), Self.arrayLiteral(Array(Set(ids)))])
        var parameters: [Int: ParameterAssignment] = [:]
        for row in 0..<result.rowCount {
            guard let id = result.int(row, 0) else { continue }
            parameters[id] = try specs.parameters(result.string(row, 1) ?? "{}", study: study)
        }
        return parameters
    }

    private static let digestChanges = PostgresStatement(
        name: "augur_trial_digest_changes",
        sql: """
            SELECT (SELECT COALESCE(max(e.id), 0) FROM trial_events e), t.trial_id, t.state, t.objective_value
            FROM (SELECT DISTINCT e.trial_id FROM trial_events e WHERE e.id > $2::bigint AND e.study_id = $1::bigint) c,
                 LATERAL (SELECT t.trial_id, t.state, t.objective_value FROM trials t
                          WHERE t.study_id = $1::bigint AND t.trial_id = c.trial_id LIMIT 1) t
            UNION ALL SELECT (SELECT COALESCE(max(e.id), 0) FROM trial_events e), NULL, NULL, NULL
            """)

    /// The digests of the trials with an event after `cursor` (all when `nil`) and the newest event id, the next
    /// cursor, read by one statement (one snapshot). The statement walks the events after the cursor and looks each
    /// changed trial up by its key (`LATERAL … LIMIT 1` keeps that shape): a generic plan cannot know that few events
    /// follow the cursor, and as a semi-join it read the whole study. An event whose transaction commits after a later one's may fall
    /// behind the cursor; `TrialDigestChanges` tells readers to check against the counts for that reason.
    func trialDigestChanges(study name: String, since cursor: Int?) throws -> TrialDigestChanges {
        guard let cursor else {
            // The cursor is read first, so the digests read after it are at least as new: a change between the two is
            // read again next time, which is harmless.
            let newest = try connection.run("SELECT COALESCE(max(id), 0) FROM trial_events").int(0, 0) ?? 0
            return TrialDigestChanges(digests: try trialDigests(study: name, states: nil), complete: true, cursor: newest)
        }
        let study = try requireStudy(named: name)
        let result = try connection.execute(Self.digestChanges, [String(study.id), String(cursor)])
        var digests: [TrialDigest] = []
        var newest = cursor
        for row in 0..<result.rowCount {
            newest = max(newest, result.int(row, 0) ?? cursor)
            guard let id = result.int(row, 1) else { continue }
            let stateText = result.string(row, 2) ?? ""
            guard let state = TrialState(rawValue: stateText) else {
                throw StoreError.database("trial \(id) of study '\(name)' has the unknown state '\(stateText)'")
            }
            digests.append(TrialDigest(id: id, state: state, objectiveValue: result.double(row, 3)))
        }
        digests.sort { $0.id < $1.id }
        return TrialDigestChanges(digests: digests, complete: false, cursor: newest)
    }

    private static let eventsOfTrial = PostgresStatement(
        name: "augur_trial_events",
        sql: """
            SELECT extract(epoch FROM e.at)::float8, e.state, e.worker, e.retry_count, e.reason FROM trial_events e
            WHERE e.study_id = $1::bigint AND e.trial_id = $2::integer ORDER BY e.id
            """)

    private static let trialExists = PostgresStatement(
        name: "augur_trial_exists",
        sql: "SELECT 1 FROM trials t WHERE t.study_id = $1::bigint AND t.trial_id = $2::integer")

    /// A trial's state history from `trial_events`, oldest first.
    func trialEvents(study name: String, trial id: Int) throws -> [TrialEvent] {
        let study = try requireStudy(named: name)
        guard try connection.execute(Self.trialExists, [String(study.id), String(id)]).rowCount > 0 else {
            throw StoreError.trialNotFound(study: name, trial: id)
        }
        let result = try connection.execute(Self.eventsOfTrial, [String(study.id), String(id)])
        var events: [TrialEvent] = []
        for row in 0..<result.rowCount {
            let stateText = result.string(row, 1) ?? ""
            guard let state = TrialState(rawValue: stateText) else {
                throw StoreError.database("an event of trial \(id) of study '\(name)' has the unknown state '\(stateText)'")
            }
            events.append(TrialEvent(at: result.date(row, 0) ?? Date(timeIntervalSince1970: 0), state: state, worker: result.string(row, 2),
                                     retryCount: result.int(row, 3) ?? 0, reason: result.string(row, 4)))
        }
        return events
    }

    // MARK: Reports from workers

    private static let lockTrial = PostgresStatement(
        name: "augur_lock_trial",
        sql: """
            SELECT t.study_id, t.state, t.worker FROM trials t JOIN studies s ON s.id = t.study_id
            WHERE s.name = $1 AND t.trial_id = $2::integer FOR NO KEY UPDATE OF t
            """)

    /// Locks one trial's row; throws `studyNotFound` or `trialNotFound` when there is none.
    private func lockTrial(study name: String, id: Int) throws -> (studyID: String, state: TrialState, worker: String?) {
        let result = try connection.execute(Self.lockTrial, [name, String(id)])
        guard result.rowCount > 0, let studyID = result.string(0, 0) else {
            _ = try requireStudy(named: name)
            throw StoreError.trialNotFound(study: name, trial: id)
        }
        guard let state = result.string(0, 1).flatMap(TrialState.init(rawValue:)) else {
            throw StoreError.database("trial \(id) of study '\(name)' has the unknown state '\(result.string(0, 1) ?? "")'")
        }
        return (studyID, state, result.string(0, 2))
    }

    private static let insertMeasurement = PostgresStatement(
        name: "augur_insert_measurement",
        sql: """
            WITH last AS (
                SELECT m.seq, m.step, m.metrics FROM measurements m
                WHERE m.study_id = $1::bigint AND m.trial_id = $2::integer ORDER BY m.seq DESC LIMIT 1
            ), added AS (
                INSERT INTO measurements (study_id, trial_id, seq, step, elapsed_seconds, metrics, created_at)
                SELECT $1::bigint, $2::integer, coalesce((SELECT seq FROM last) + 1, 0), $3::bigint, $4::float8, $5::jsonb, clock_timestamp()
                WHERE NOT EXISTS (SELECT 1 FROM last WHERE last.step = $3::bigint AND last.metrics = $5::jsonb)
            )
            UPDATE trials SET lease_expires_at = coalesce(to_timestamp($6::float8), lease_expires_at)
            WHERE study_id = $1::bigint AND trial_id = $2::integer
            """)

    /// Runs inside a transaction: the trial's row lock keeps a concurrent `finishTrial` from slipping in between
    /// the state check and the insert. A repeat of the trial's last measurement (same step and metrics: a call
    /// retried after its reply was lost) is not recorded again; the lease is renewed either way.
    func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement, metricsText: String, leaseExpiresAt: Date?) throws {
        let current = try lockTrial(study: name, id: id)
        guard current.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: current.state) }
        try connection.execute(Self.insertMeasurement, [
            current.studyID, String(id), String(measurement.step), measurement.elapsedSeconds.map { String($0) }, metricsText,
            Self.timestamp(leaseExpiresAt),
        ])
    }

    private static let renewLease = PostgresStatement(
        name: "augur_renew_lease",
        sql: """
            UPDATE trials t SET lease_expires_at = to_timestamp($4::float8)
            FROM studies s
            WHERE s.id = t.study_id AND s.name = $1 AND t.trial_id = $2::integer AND t.state = 'ACTIVE' AND t.worker = $3::text
            RETURNING t.trial_id
            """)

    /// One guarded UPDATE, so it is safe to repeat after a lost connection; a miss is explained by a second look.
    func renewLease(study name: String, trial id: Int, worker: String, until: Date) throws {
        let result = try connection.execute(Self.renewLease, [name, String(id), worker, Self.timestamp(until)])
        guard result.rowCount == 0 else { return }
        guard let trial = try loadTrial(study: name, id: id).trial else { throw StoreError.trialNotFound(study: name, trial: id) }
        guard trial.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: trial.state) }
        throw StoreError.notOwner(study: name, trial: id, owner: trial.worker)
    }

    private static let finishTrial = PostgresStatement(name: "augur_finish_trial", sql: finishSQL(counted: false))

    /// `finishTrial` that also returns what the counts need, read in the same statement: the highest trial id and
    /// the numbers of the study's other open and STOPPED/FAILED/INFEASIBLE trials (the finished trial excluded: the
    /// statement's snapshot still shows it open). Each is one probe of a small index.
    private static let finishTrialCounted = PostgresStatement(name: "augur_finish_trial_counted", sql: finishSQL(counted: true))

    private static func finishSQL(counted: Bool) -> String {
        let counts = counted
            ? """
            , (SELECT max(o.trial_id) FROM trials o WHERE o.study_id = s.id) - s.missing_trials,
              (SELECT ARRAY[count(*) FILTER (WHERE o.state = 'ACTIVE'), count(*) FILTER (WHERE o.state = 'REQUESTED')]::text
               FROM trials o WHERE o.study_id = s.id AND o.state IN ('ACTIVE', 'REQUESTED') AND o.trial_id <> t.trial_id),
              (SELECT ARRAY[count(*) FILTER (WHERE o.state = 'STOPPED'), count(*) FILTER (WHERE o.state = 'FAILED'),
                            count(*) FILTER (WHERE o.state = 'INFEASIBLE')]::text
               FROM trials o WHERE o.study_id = s.id AND o.state IN ('STOPPED', 'FAILED', 'INFEASIBLE') AND o.trial_id <> t.trial_id)
            """
            : ""
        return """
            UPDATE trials t SET state = $3::text, final_measurement = $4::jsonb, status_reason = $5::text, ended_at = clock_timestamp(),
                   lease_expires_at = NULL, objective_value = v.value,
                   objective_rank = CASE s.goal WHEN 'maximize' THEN -v.value ELSE v.value END,
                   final_values = \(PostgresMigrations.finalValues(measurement: "$4::jsonb", spec: "s.spec"))
            FROM studies s
            CROSS JOIN LATERAL (SELECT CASE
                WHEN jsonb_typeof($4::jsonb -> 'metrics' -> s.objective_metric) = 'number'
                    THEN ($4::jsonb -> 'metrics' ->> s.objective_metric)::float8
                WHEN $4::jsonb -> 'metrics' ->> s.objective_metric IN ('inf', '-inf')
                    THEN ($4::jsonb -> 'metrics' ->> s.objective_metric)::float8
            END AS value) v
            WHERE s.id = t.study_id AND s.name = $1 AND t.trial_id = $2::integer
              AND (t.state IN ('ACTIVE', 'REQUESTED') OR (t.state = 'STOPPED' AND $3::text = 'COMPLETED'))
            RETURNING \(studyColumns("s")), \(trialColumns("t"))\(counts)
            """
    }

    /// The counts right after the trial in `row` of a `finishTrialCounted` result ended in `state`.
    private static func countsAfterFinish(_ result: PostgresResult, row: Int, state: TrialState) -> TrialCounts {
        let base = studyColumnCount + 12
        func numbers(_ column: Int, _ count: Int) -> [Int] {
            let text = result.string(row, column) ?? ""
            let values = text.trimmingCharacters(in: CharacterSet(charactersIn: "{}")).split(separator: ",").compactMap { Int($0) }
            return values.count == count ? values : Array(repeating: 0, count: count)
        }
        let open = numbers(base + 1, 2)
        let endedEarly = numbers(base + 2, 3)
        var counts = TrialCounts()
        counts.active = open[0]
        counts.requested = open[1]
        counts.stopped = endedEarly[0]
        counts.failed = endedEarly[1]
        counts.infeasible = endedEarly[2]
        counts[state] += 1
        counts.completed = max((result.int(row, base) ?? 0) - (counts.total - counts.completed), 0)
        return counts
    }

    struct FinishRequest: Sendable {
        var study: String
        var trial: Int
        var state: TrialState
        var finalText: String?
        var reason: String?
    }

    struct FinishedTrial: Sendable {
        var trial: Trial
        var counts: TrialCounts
    }

    /// `finishTrial` and `trialCounts` for each request, all in one round trip (one implicit transaction; the
    /// UPDATEs go in trial order, so that two such batches never wait on each other's rows in opposite orders). A
    /// trial the UPDATE did not match (already finished: a retry; or not there) is explained afterwards by the
    /// one-statement path. A statement the server rejects fails the whole round trip.
    func finishTrialsCounting(_ requests: [FinishRequest]) throws -> [Result<FinishedTrial, any Error>] {
        let order = requests.indices.sorted { (requests[$0].study, requests[$0].trial) < (requests[$1].study, requests[$1].trial) }
        var statements: [(statement: PostgresStatement, parameters: [String?])] = []
        for index in order {
            let request = requests[index]
            statements.append((Self.finishTrialCounted, [request.study, String(request.trial), request.state.rawValue, request.finalText, request.reason]))
        }
        let results = try connection.pipeline(statements)
        var outcomes = [Result<FinishedTrial, any Error>](repeating: .failure(StoreError.database("internal error: no answer")), count: requests.count)
        for (position, index) in order.enumerated() {
            let request = requests[index]
            outcomes[index] = Result {
                let updated = results[position]
                guard updated.rowCount > 0 else {
                    let trial = try finishTrial(
                        study: request.study, trial: request.trial, state: request.state, finalText: request.finalText, reason: request.reason)
                    return FinishedTrial(trial: trial, counts: try trialCounts(study: request.study))
                }
                let study = try storedStudy(updated, row: 0)
                return FinishedTrial(
                    trial: try trial(updated, row: 0, at: Self.studyColumnCount, of: study),
                    counts: Self.countsAfterFinish(updated, row: 0, state: request.state))
            }
        }
        return outcomes
    }

    /// One guarded UPDATE, so it is safe to repeat after a lost connection: the repeat finds the trial already in
    /// `state` and returns it (the documented idempotent retry).
    func finishTrial(study name: String, trial id: Int, state: TrialState, finalText: String?, reason: String?) throws -> Trial {
        let result = try connection.execute(Self.finishTrial, [name, String(id), state.rawValue, finalText, reason])
        if result.rowCount > 0 {
            let study = try storedStudy(result, row: 0)
            return try trial(result, row: 0, at: Self.studyColumnCount, of: study)
        }
        guard let trial = try loadTrial(study: name, id: id).trial else { throw StoreError.trialNotFound(study: name, trial: id) }
        guard trial.state == state else { throw StoreError.trialNotActive(study: name, trial: id, state: trial.state) }
        return trial
    }

    private static let deleteTrialStatements = [
        PostgresStatement(name: "augur_delete_trial_measurements", sql: "DELETE FROM measurements WHERE study_id = $1::bigint AND trial_id = $2::integer"),
        PostgresStatement(name: "augur_delete_trial_metadata", sql: "DELETE FROM metadata WHERE study_id = $1::bigint AND trial_id = $2::integer"),
        PostgresStatement(
            name: "augur_delete_trial",
            sql: "DELETE FROM trials WHERE study_id = $1::bigint AND trial_id = $2::integer RETURNING trial_id, state = 'COMPLETED' AND NOT pruned"),
    ]

    private static let recountMissingTrials = PostgresStatement(
        name: "augur_recount_missing_trials",
        sql: """
            UPDATE studies s SET missing_trials = (SELECT coalesce(max(t.trial_id), 0) - count(*) FROM trials t WHERE t.study_id = s.id)
            WHERE s.id = $1::bigint
            """)

    /// Deletes a trial with its measurements and metadata, under the study's lock, and recounts the ids left free.
    /// Deleting a front candidate (a COMPLETED trial not pruned) makes the study's pruned trials candidates again
    /// and raises its candidate generation (under the exclusive candidate lock), so that a prune decided before the
    /// deletion is not written after it; any other trial no prune can have depended on (docs/storage.md).
    func deleteTrial(study name: String, trial id: Int) throws {
        let (study, _) = try lockStudy(named: name)
        try connection.execute(Self.exclusiveCandidateLock, [String(study.id)])
        let parameters = [String(study.id), String(id)]
        var deleted: PostgresResult?
        for statement in Self.deleteTrialStatements {
            deleted = try connection.execute(statement, parameters)
        }
        guard let deleted, deleted.rowCount > 0 else { throw StoreError.trialNotFound(study: name, trial: id) }
        try connection.execute(Self.recountMissingTrials, [String(study.id)])
        if deleted.string(0, 1) == "t" {
            try connection.execute(Self.unpruneTrials, [String(study.id)])
            try connection.execute(Self.raiseCandidateGeneration, [String(study.id)])
        }
    }
}
