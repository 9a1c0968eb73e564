import AugurCore
import Foundation
import Synchronization

extension PostgresStoreSession {
    /// Counts without a scan of the study: ids are dense (1, 2, 3, …), so the highest id less the ids a deleted
    /// trial left free (`studies.missing_trials`, set when a trial is deleted) is the number of trials; ACTIVE and REQUESTED trials are loaded anyway; STOPPED, FAILED and INFEASIBLE are
    /// counted through the `(study_id, state)` index (few rows); COMPLETED is what remains. A planner's snapshot
    /// thus costs the same on the 100,000th trial as on the first.
    private static let countsAndNextID = PostgresStatement(
        name: "augur_assign_counts",
        sql: """
            SELECT 'ALL', (SELECT missing_trials FROM studies WHERE name = $1), max(trial_id) FROM trials WHERE study_id = (SELECT id FROM studies WHERE name = $1)
            UNION ALL
            SELECT state, count(*), NULL FROM trials
            WHERE study_id = (SELECT id FROM studies WHERE name = $1) AND state IN ('STOPPED', 'FAILED', 'INFEASIBLE')
            GROUP BY state
            """)

    private static let openTrials = PostgresStatement(
        name: "augur_assign_open_trials",
        sql: """
            SELECT \(trialColumns("t", measurements: false, final: false)) FROM trials t
            WHERE t.study_id = (SELECT id FROM studies WHERE name = $1) AND t.state IN ('ACTIVE', 'REQUESTED') ORDER BY t.trial_id
            """)

    private static let historyParameters = PostgresStatement(
        name: "augur_assign_history_parameters",
        sql: "SELECT \(trialColumns("t", measurements: false, final: false)) FROM trials t WHERE t.study_id = (SELECT id FROM studies WHERE name = $1) ORDER BY t.trial_id")

    private static let historyFinal = PostgresStatement(
        name: "augur_assign_history_final",
        sql: "SELECT \(trialColumns("t", measurements: false)) FROM trials t WHERE t.study_id = (SELECT id FROM studies WHERE name = $1) ORDER BY t.trial_id")

    private static let clock = PostgresStatement(name: "augur_clock", sql: "SELECT \(epoch("clock_timestamp()"))")

    private static let requeue = PostgresStatement(
        name: "augur_assign_requeue",
        sql: """
            UPDATE trials t SET state = 'REQUESTED', retry_count = t.retry_count + 1, worker = NULL, lease_expires_at = NULL,
                   started_at = NULL, status_reason = r.reason
            FROM unnest($2::integer[], $3::text[]) AS r (trial_id, reason)
            WHERE t.study_id = $1::bigint AND t.trial_id = r.trial_id AND t.state = 'ACTIVE'
            RETURNING t.trial_id
            """)

    // The retry starts from scratch; measurements of the lost attempt would repeat its steps.
    private static let deleteRequeuedMeasurements = PostgresStatement(
        name: "augur_assign_requeue_measurements",
        sql: "DELETE FROM measurements WHERE study_id = $1::bigint AND trial_id = ANY($2::integer[])")

    private static let fail = PostgresStatement(
        name: "augur_assign_fail",
        sql: """
            UPDATE trials t SET state = 'FAILED', status_reason = r.reason, ended_at = to_timestamp($4::float8), lease_expires_at = NULL
            FROM unnest($2::integer[], $3::text[]) AS r (trial_id, reason)
            WHERE t.study_id = $1::bigint AND t.trial_id = r.trial_id AND t.state = 'ACTIVE'
            RETURNING t.trial_id
            """)

    private static let assignRequested = PostgresStatement(
        name: "augur_assign_requested",
        sql: """
            UPDATE trials t SET state = 'ACTIVE', worker = $3::text, lease_expires_at = to_timestamp($4::float8),
                   started_at = to_timestamp($5::float8)
            WHERE t.study_id = $1::bigint AND t.trial_id = ANY($2::integer[]) AND t.state = 'REQUESTED'
            RETURNING \(trialColumns("t", measurements: false))
            """)

    private static let updateStudyState = PostgresStatement(
        name: "augur_assign_study_state",
        sql: "UPDATE studies SET state = $2::text, state_reason = $3::text, updated_at = clock_timestamp() WHERE id = $1::bigint")

    /// One caller's part of an assignment: who gets the trials, and the planner that decides them.
    final class AssignmentRequest: Sendable {
        typealias Planner = @Sendable (StudySnapshot) throws -> AssignmentPlan

        let worker: String
        let leaseExpiresAt: Date?
        let scope: HistoryScope
        private let plannerSlot: Mutex<Planner?>

        init(worker: String, leaseExpiresAt: Date?, scope: HistoryScope, planner: @escaping Planner) {
            self.worker = worker
            self.leaseExpiresAt = leaseExpiresAt
            self.scope = scope
            self.plannerSlot = Mutex(planner)
        }

        /// The caller's planner, until ``dropPlanner()``.
        var planner: Planner? { plannerSlot.withLock { $0 } }

        /// Drops the planner once the transaction is over, before the caller is answered: the caller's planner must
        /// not outlive its call.
        func dropPlanner() {
            plannerSlot.withLock { $0 = nil }
        }
    }

    /// What the snapshot reads found, kept up to date while several requests are planned in one transaction.
    private struct Planning {
        var study: StoredStudy
        var snapshot: StudySnapshot
        var openStates: [Int: Trial]
        var nextID: Int
    }

    /// Runs inside one transaction. The study row's lock (`SELECT … FOR NO KEY UPDATE`) serializes assignment of one
    /// study across every connection and process, so the planner's snapshot stays true until the plan is applied:
    /// the parallel limit and budget hold and no grid cell is handed out twice. Finishing trials and adding
    /// measurements do not take this lock, so workers reporting results never wait for a planner.
    ///
    /// Several requests (callers of one process waiting on the same study) are planned one after another under
    /// the one lock, each seeing the trials handed to those before it: new trials are added to the snapshot as
    /// they are planned, and after any other change the snapshot is read again. A planner that throws fails only
    /// its own request. The result holds each request's trials or error, in order.
    func assignTrials(study name: String, requests: [AssignmentRequest]) throws -> [Result<[Trial], any Error>] {
        let scope: HistoryScope = requests.contains { $0.scope == .finalMeasurements }
            ? .finalMeasurements : requests.contains { $0.scope == .parameters } ? .parameters : .countsOnly
        var planning = try readSnapshot(study: name, scope: scope)
        var results: [Result<[Trial], any Error>] = []
        // Writes of simple plans: sent with the COMMIT (or before a plan that changes existing trials). Their new
        // trials, whoever they went to, are gathered into one INSERT.
        var inserts: [(statement: PostgresStatement, parameters: [String?])] = []
        var newTrials = NewTrialRows()
        func gatherNewTrials() {
            if let statement = newTrials.statement(study: planning.study, now: planning.snapshot.now) { inserts.append(statement) }
            newTrials = NewTrialRows()
        }
        for request in requests {
            var view = planning.snapshot
            if request.scope == .countsOnly { view.history = [] }
            let plan: AssignmentPlan
            do {
                guard let planner = request.planner else { throw StoreError.database("internal error: an assignment was planned twice") }
                plan = try planner(view)
            } catch {
                results.append(.failure(error))
                continue
            }
            let study = planning.study
            let studyID = String(study.id)
            // The common plan, new trials only: nothing to check, so the inserts go out with the COMMIT and the
            // trials handed over are built here (they are exactly what the rows will say).
            if plan.requeue.isEmpty, plan.fail.isEmpty, plan.assignRequested.isEmpty {
                let now = planning.snapshot.now
                newTrials.append(plan.create, firstID: planning.nextID, worker: request.worker, leaseExpiresAt: request.leaseExpiresAt)
                if let change = plan.studyState {
                    gatherNewTrials()
                    inserts.append((Self.updateStudyState, [studyID, change.state.rawValue, change.reason]))
                    planning.snapshot.study.state = change.state
                    planning.snapshot.study.stateReason = change.reason
                }
                let space = study.study.spec.searchSpace
                let created = plan.create.enumerated().map { offset, parameters in
                    Trial(id: planning.nextID + offset, study: name, parameters: space.coerce(parameters), state: .active, createdAt: now,
                          startedAt: now, worker: request.worker, leaseExpiresAt: request.leaseExpiresAt.map(Self.microseconds))
                }
                planning.nextID += created.count
                planning.snapshot.counts.active += created.count
                planning.snapshot.activeTrials += created
                if scope != .countsOnly { planning.snapshot.history += created }
                for trial in created { planning.openStates[trial.id] = trial }
                results.append(.success(created))
                continue
            }
            gatherNewTrials()
            if inserts.isEmpty == false {
                _ = try connection.pipeline(inserts)
                inserts = []
            }
            results.append(.success(try apply(plan, planning: planning, worker: request.worker, leaseExpiresAt: request.leaseExpiresAt)))
            if request !== requests.last {
                planning = try readSnapshot(study: name, scope: scope)
            }
        }
        gatherNewTrials()
        connection.deferUntilCommit(inserts)
        return results
    }

    /// New ACTIVE trials of several requests of one assignment batch, inserted by one statement that returns nothing
    /// (the trials handed over are built from the plan).
    private struct NewTrialRows {
        var ids: [Int] = []
        var parameters: [String] = []
        var workers: [String] = []
        var leases: [String?] = []

        mutating func append(_ created: [ParameterAssignment], firstID: Int, worker: String, leaseExpiresAt: Date?) {
            ids += firstID..<(firstID + created.count)
            parameters += created.map(StoreCoding.encodeParameters)
            workers += Array(repeating: worker, count: created.count)
            leases += Array(repeating: PostgresStoreSession.timestamp(leaseExpiresAt), count: created.count)
        }

        func statement(study: StoredStudy, now: Date) -> (statement: PostgresStatement, parameters: [String?])? {
            guard ids.isEmpty == false else { return nil }
            return (PostgresStoreSession.insertAssignedTrials, [
                String(study.id), PostgresStoreSession.arrayLiteral(ids), PostgresStoreSession.arrayLiteral(parameters),
                PostgresStoreSession.arrayLiteral(workers), PostgresStoreSession.arrayLiteral(leases), PostgresStoreSession.timestamp(now),
            ])
        }
    }

    static let insertAssignedTrials = PostgresStatement(
        name: "augur_insert_assigned_trials",
        sql: """
            INSERT INTO trials (study_id, trial_id, parameters, state, created_at, started_at, worker, lease_expires_at)
            SELECT $1::bigint, n.trial_id, n.parameters, 'ACTIVE', to_timestamp($6::float8), to_timestamp($6::float8), n.worker,
                   to_timestamp(n.lease)
            FROM unnest($2::integer[], $3::jsonb[], $4::text[], $5::float8[]) AS n (trial_id, parameters, worker, lease)
            """)

    /// Locks the study and reads what a planner sees, in one round trip: the lock first, then the reads, each of
    /// which the server starts only once the lock is held (so each sees every change the previous holder
    /// committed). The clock is read last: every trial the reads saw ACTIVE or ended, ended before it or is counted
    /// ACTIVE, so the trials started at this time never make the `[started_at, ended_at]` intervals of a study
    /// overlap more than its parallel limit (the concurrency tests check the rows for that).
    private func readSnapshot(study name: String, scope: HistoryScope) throws -> Planning {
        var reads: [(statement: PostgresStatement, parameters: [String?])] = [
            (Self.lockStudy, [name]), (Self.countsAndNextID, [name]), (Self.openTrials, [name]),
        ]
        switch scope {
        case .countsOnly: break
        case .parameters: reads.append((Self.historyParameters, [name]))
        case .finalMeasurements: reads.append((Self.historyFinal, [name]))
        }
        reads.append((Self.clock, []))
        let results = try connection.pipeline(reads)
        let lockedStudy = results[0]
        guard lockedStudy.rowCount > 0 else { throw StoreError.studyNotFound(name) }
        let study = try storedStudy(lockedStudy, row: 0)
        let now = results[results.count - 1].date(0, 0) ?? Date()
        let open = try trials(results[2], of: study)
        var counts = TrialCounts()
        var total = 0
        var missing = 0
        let countRows = results[1]
        for row in 0..<countRows.rowCount {
            if countRows.string(row, 0) == "ALL" {
                total = countRows.int(row, 2) ?? 0
                missing = countRows.int(row, 1) ?? 0
            } else if let state = countRows.string(row, 0).flatMap(TrialState.init(rawValue:)) {
                counts[state] = countRows.int(row, 1) ?? 0
            }
        }
        for trial in open { counts[trial.state] += 1 }
        counts.completed = max(total - missing - counts.total, 0)
        let history = results.count > 4 ? try trials(results[3], of: study) : []
        let snapshot = StudySnapshot(
            study: study.study, counts: counts, activeTrials: open.filter { $0.state == .active },
            requestedTrials: open.filter { $0.state == .requested }, history: history, now: now)
        let openStates = Dictionary(open.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return Planning(study: study, snapshot: snapshot, openStates: openStates, nextID: total + 1)
    }

    /// Applies a plan that changes existing trials, in the documented order, in one round trip, and returns the
    /// trials handed to `worker`.
    private func apply(_ plan: AssignmentPlan, planning: Planning, worker: String, leaseExpiresAt: Date?) throws -> [Trial] {
        let study = planning.study
        let studyID = String(study.id)
        let openStates = planning.openStates
        let now = planning.snapshot.now
        var writes: [(statement: PostgresStatement, parameters: [String?])] = []
        var checks: [(index: Int, asked: [Int], expected: TrialState)] = []
        if plan.requeue.isEmpty == false {
            let reasons = plan.requeue.map { id in
                TrialRules.requeueReason(worker: openStates[id]?.worker, retry: (openStates[id]?.retryCount ?? 0) + 1)
            }
            checks.append((writes.count, plan.requeue, .active))
            writes.append((Self.requeue, [studyID, Self.arrayLiteral(plan.requeue), Self.arrayLiteral(reasons)]))
            writes.append((Self.deleteRequeuedMeasurements, [studyID, Self.arrayLiteral(plan.requeue)]))
        }
        if plan.fail.isEmpty == false {
            let failures = plan.fail.sorted { $0.key < $1.key }
            checks.append((writes.count, failures.map(\.key), .active))
            writes.append((Self.fail, [
                studyID, Self.arrayLiteral(failures.map(\.key)), Self.arrayLiteral(failures.map(\.value)), Self.timestamp(now),
            ]))
        }
        var assignedIndex: Int?
        if plan.assignRequested.isEmpty == false {
            assignedIndex = writes.count
            checks.append((writes.count, plan.assignRequested, .requested))
            writes.append((Self.assignRequested, [
                studyID, Self.arrayLiteral(plan.assignRequested), worker, Self.timestamp(leaseExpiresAt), Self.timestamp(now),
            ]))
        }
        var createdIndex: Int?
        if plan.create.isEmpty == false {
            createdIndex = writes.count
            writes.append(insertTrialsStatement(
                plan.create, firstID: planning.nextID, study: study, state: .active, worker: worker, leaseExpiresAt: leaseExpiresAt, now: now))
        }
        if let change = plan.studyState {
            writes.append((Self.updateStudyState, [studyID, change.state.rawValue, change.reason]))
        }
        let written = try connection.pipeline(writes)
        for check in checks {
            try checkChanged(written[check.index], asked: check.asked, expected: check.expected, study: study, openStates: openStates)
        }
        var assigned: [Trial] = []
        if let assignedIndex {
            let byID = Dictionary(try trials(written[assignedIndex], of: study).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            assigned = plan.assignRequested.compactMap { byID[$0] }
        }
        let created = try createdIndex.map { try trials(written[$0], of: study).sorted { $0.id < $1.id } } ?? []
        return (assigned + created).map { trial in
            var trial = trial
            trial.measurements = []
            return trial
        }
    }

    /// Explains a plan entry that matched no row. A trial that was open in the snapshot and has ended since (its
    /// worker finished it while the planner ran; finishing does not wait for the study lock) is simply left alone;
    /// anything else is a planner asking for an impossible change.
    private func checkChanged(
        _ result: PostgresResult, asked: [Int], expected: TrialState, study: StoredStudy, openStates: [Int: Trial]
    ) throws {
        guard result.rowCount < Set(asked).count else { return }
        let changed = Set((0..<result.rowCount).compactMap { result.int($0, 0) })
        for id in asked where changed.contains(id) == false {
            guard let current = try loadTrial(study: study.study.name, id: id).trial else {
                throw StoreError.trialNotFound(study: study.study.name, trial: id)
            }
            if openStates[id]?.state == expected, current.state.isTerminal { continue }
            throw StoreError.trialNotActive(study: study.study.name, trial: id, state: current.state)
        }
    }
}
