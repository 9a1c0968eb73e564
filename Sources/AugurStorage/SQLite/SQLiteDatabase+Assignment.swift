import AugurCore
import Foundation

extension SQLiteDatabase {
    /// Loads a snapshot, asks the planner, and applies its plan, all inside one `BEGIN IMMEDIATE` transaction: the
    /// write lock serializes assignment across every connection and process sharing the file.
    func assignTrials(
        study name: String, worker: String, leaseExpiresAt: Date?, history scope: HistoryScope,
        planner: @Sendable (StudySnapshot) throws -> AssignmentPlan
    ) throws -> [Trial] {
        try connection.writeTransaction {
            let study = try requireStudy(named: name)
            let now = Date()
            let snapshot = StudySnapshot(
                study: study.study, counts: try counts(studyID: study.id),
                activeTrials: try trials(of: study, inState: .active),
                requestedTrials: try trials(of: study, inState: .requested),
                history: try history(of: study, scope: scope), now: now)
            let plan = try planner(snapshot)
            return try apply(plan, to: study, worker: worker, leaseExpiresAt: leaseExpiresAt, now: now)
        }
    }

    /// The trials of one state in id order. Without statistics SQLite prefers walking the whole study along the
    /// primary key (to skip a sort); the state index gives the same order and reads only the few ACTIVE or
    /// REQUESTED trials.
    static let trialsInStateSQL = "SELECT \(trialColumns) FROM trials INDEXED BY trials_by_state WHERE study_id = ? AND state = ? ORDER BY trial_id"

    private func trials(of study: StoredStudy, inState state: TrialState) throws -> [Trial] {
        try connection.query(Self.trialsInStateSQL, [.integer(study.id), .text(state.rawValue)]) { try trial($0, of: study, includeFinal: false) }
    }

    private func history(of study: StoredStudy, scope: HistoryScope) throws -> [Trial] {
        switch scope {
        case .countsOnly:
            return []
        case .parameters, .finalMeasurements:
            return try connection.query(
                "SELECT \(Self.trialColumns) FROM trials WHERE study_id = ? ORDER BY trial_id", [.integer(study.id)]
            ) { try trial($0, of: study, includeFinal: scope == .finalMeasurements) }
        }
    }

    /// Applies a plan in its documented order: requeue, fail, assign requested, create, study state.
    private func apply(_ plan: AssignmentPlan, to study: StoredStudy, worker: String, leaseExpiresAt: Date?, now: Date) throws -> [Trial] {
        let name = study.study.name
        for id in plan.requeue {
            let current = try trialState(id, of: study)
            guard current.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: current.state) }
            try connection.run(
                """
                UPDATE trials SET state = 'REQUESTED', retry_count = retry_count + 1, worker = NULL, lease_expires_at = NULL,
                       started_at = NULL, status_reason = ?
                WHERE study_id = ? AND trial_id = ?
                """,
                [.text(TrialRules.requeueReason(worker: current.worker, retry: current.retryCount + 1)), .integer(study.id), SQLiteValue(id)])
            // The retry starts from scratch; measurements of the lost attempt would repeat its steps.
            try connection.run("DELETE FROM measurements WHERE study_id = ? AND trial_id = ?", [.integer(study.id), SQLiteValue(id)])
        }
        for (id, reason) in plan.fail.sorted(by: { $0.key < $1.key }) {
            let current = try trialState(id, of: study)
            guard current.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: current.state) }
            try connection.run(
                "UPDATE trials SET state = 'FAILED', status_reason = ?, ended_at = ?, lease_expires_at = NULL WHERE study_id = ? AND trial_id = ?",
                [.text(reason), SQLiteValue(now), .integer(study.id), SQLiteValue(id)])
        }
        for id in plan.assignRequested {
            let current = try trialState(id, of: study)
            guard current.state == .requested else { throw StoreError.trialNotActive(study: name, trial: id, state: current.state) }
            try connection.run(
                """
                UPDATE trials SET state = 'ACTIVE', worker = ?, lease_expires_at = ?, started_at = ?
                WHERE study_id = ? AND trial_id = ?
                """,
                [.text(worker), SQLiteValue(leaseExpiresAt), SQLiteValue(now), .integer(study.id), SQLiteValue(id)])
        }
        var created: [Int] = []
        if !plan.create.isEmpty {
            var next = try nextTrialID(studyID: study.id)
            for parameters in plan.create {
                try insertTrial(next, studyID: study.id, parameters: parameters, state: .active, now: now, worker: worker, leaseExpiresAt: leaseExpiresAt)
                created.append(next)
                next += 1
            }
        }
        if let change = plan.studyState {
            try connection.run(
                "UPDATE studies SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?",
                [.text(change.state.rawValue), .text(change.reason), SQLiteValue(now), .integer(study.id)])
        }
        return try (plan.assignRequested + created).map { id in
            guard let trial = try loadTrial(id, of: study) else { throw StoreError.trialNotFound(study: name, trial: id) }
            return trial
        }
    }
}
