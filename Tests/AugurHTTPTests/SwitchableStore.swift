import AugurCore
import AugurStorage
import Foundation
import Synchronization

/// A store that passes every call to `base`, or, while it is down, throws `FailingStore.error` as a database that
/// cannot be reached does.
final class SwitchableStore: StudyStore {
    let base: any StudyStore
    private let down = Mutex(false)

    init(base: any StudyStore) {
        self.base = base
    }

    func setDown(_ isDown: Bool) {
        down.withLock { $0 = isDown }
    }

    private func live() throws -> any StudyStore {
        if down.withLock({ $0 }) { throw FailingStore.error }
        return base
    }

    func createStudy(_ spec: StudySpec) async throws -> Study { try await live().createStudy(spec) }
    func study(named name: String) async throws -> Study? { try await live().study(named: name) }
    func studySummaries() async throws -> [StudySummary] { try await live().studySummaries() }
    func deleteStudy(named name: String) async throws { try await live().deleteStudy(named: name) }
    func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws {
        try await live().setStudyState(name, to: state, reason: reason)
    }
    func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study { try await live().setStudyBudget(name, to: budget) }
    func assignTrials(study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
                      planner: @Sendable (StudySnapshot) throws -> AssignmentPlan) async throws -> [Trial] {
        try await live().assignTrials(study: study, worker: worker, leaseExpiresAt: leaseExpiresAt, history: history, planner: planner)
    }
    func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial {
        try await live().requestTrial(study: study, parameters: parameters)
    }
    func trial(study: String, id: Int) async throws -> Trial? { try await live().trial(study: study, id: id) }
    func trials(study: String, query: TrialQuery) async throws -> [Trial] { try await live().trials(study: study, query: query) }
    func trialCounts(study: String) async throws -> TrialCounts { try await live().trialCounts(study: study) }
    func deleteTrial(study: String, trial: Int) async throws { try await live().deleteTrial(study: study, trial: trial) }
    func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws {
        try await live().addMeasurement(study: study, trial: trial, measurement: measurement, leaseExpiresAt: leaseExpiresAt)
    }
    func renewLease(study: String, trial: Int, worker: String, until: Date) async throws {
        try await live().renewLease(study: study, trial: trial, worker: worker, until: until)
    }
    func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial {
        try await live().finishTrial(study: study, trial: trial, state: state, finalMeasurement: finalMeasurement, reason: reason)
    }
    func updateMetadata(study: String, updates: [MetadataUpdate]) async throws { try await live().updateMetadata(study: study, updates: updates) }
    func metadata(study: String) async throws -> StudyMetadata { try await live().metadata(study: study) }
}
