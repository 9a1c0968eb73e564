import AugurCore
import AugurStorage
import Foundation
import Synchronization

/// A store that passes every call to `base`, and, once armed, before answering the `triggerAt`-th `trialCounts` call
/// runs `change` on it once: a change that happens while a page is open, at a point the test chooses without waiting on a clock.
final class LiveStore: StudyStore {
    let base: any StudyStore
    private let triggerAt: Int
    private let change: @Sendable (any StudyStore) async throws -> Void
    /// `nil` until `arm()`: the calls of the test's own set-up do not count.
    private let calls = Mutex<Int?>(nil)

    init(base: any StudyStore, triggerAt: Int, change: @escaping @Sendable (any StudyStore) async throws -> Void) {
        self.base = base
        self.triggerAt = triggerAt
        self.change = change
    }

    func trialCounts(study: String) async throws -> TrialCounts {
        let call = calls.withLock { count -> Int? in
            count = count.map { $0 + 1 }
            return count
        }
        if call == triggerAt { try await change(base) }
        return try await base.trialCounts(study: study)
    }

    func arm() {
        calls.withLock { $0 = 0 }
    }

    func createStudy(_ spec: StudySpec) async throws -> Study { try await base.createStudy(spec) }
    func deleteTrial(study: String, trial: Int) async throws { try await base.deleteTrial(study: study, trial: trial) }
    func study(named name: String) async throws -> Study? { try await base.study(named: name) }
    func studySummaries() async throws -> [StudySummary] { try await base.studySummaries() }
    func deleteStudy(named name: String) async throws { try await base.deleteStudy(named: name) }
    func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws {
        try await base.setStudyState(name, to: state, reason: reason)
    }
    func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study { try await base.setStudyBudget(name, to: budget) }
    func assignTrials(study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
                      planner: @Sendable (StudySnapshot) throws -> AssignmentPlan) async throws -> [Trial] {
        try await base.assignTrials(study: study, worker: worker, leaseExpiresAt: leaseExpiresAt, history: history, planner: planner)
    }
    func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial {
        try await base.requestTrial(study: study, parameters: parameters)
    }
    func trial(study: String, id: Int) async throws -> Trial? { try await base.trial(study: study, id: id) }
    func trials(study: String, query: TrialQuery) async throws -> [Trial] { try await base.trials(study: study, query: query) }
    func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws {
        try await base.addMeasurement(study: study, trial: trial, measurement: measurement, leaseExpiresAt: leaseExpiresAt)
    }
    func renewLease(study: String, trial: Int, worker: String, until: Date) async throws {
        try await base.renewLease(study: study, trial: trial, worker: worker, until: until)
    }
    func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial {
        try await base.finishTrial(study: study, trial: trial, state: state, finalMeasurement: finalMeasurement, reason: reason)
    }
    func updateMetadata(study: String, updates: [MetadataUpdate]) async throws { try await base.updateMetadata(study: study, updates: updates) }
    func metadata(study: String) async throws -> StudyMetadata { try await base.metadata(study: study) }
}
