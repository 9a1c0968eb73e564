import AugurAlgorithms
import AugurCore
import AugurService
import Foundation

/// The service a worker talks to, seen through what the worker agreed to: one study, the one it first saw (its
/// creation id), and only while its `WorkerPolicy` accepts it.
///
/// A study deleted and created again under the same name is another study, perhaps someone else's with another
/// command: a suggestion carries the creation id the worker expects, so the service refuses another study before it
/// creates or leases a trial in it; when a read shows another creation id, or a study the policy refuses, the call
/// fails with FAILED_PRECONDITION (the run stops with that message) and any trials it brought are given back unrun.
/// Every other call goes to the service as it is.
public struct GuardedStudyService: StudyServing {
    public let service: any StudyServing
    /// The study as the worker first saw it.
    public let study: Study
    public let policy: WorkerPolicy

    public init(service: any StudyServing, study: Study, policy: WorkerPolicy) {
        self.service = service
        self.study = study
        self.policy = policy
    }

    public var leaseDuration: TimeInterval { service.leaseDuration }

    /// Why `current` must not be worked on, or `nil`.
    public func refusal(of current: Study) -> String? {
        if current.version.uid != study.version.uid {
            return "study '\(current.name)' was deleted and created again on the server while this worker ran it "
                + "(creation id \(study.version.uid), now \(current.version.uid)): it is another study, and this worker "
                + "stops rather than run its trials; check who created it, then start `augur worker` again to work on it"
        }
        return policy.refusal(of: current)
    }

    public func getStudy(_ name: String) async throws(ServiceError) -> Study {
        let current = try await service.getStudy(name)
        if name == study.name, let refusal = refusal(of: current) { throw .failedPrecondition(refusal) }
        return current
    }

    public func suggest(study name: String, client: String, count: Int, expectedUID: String?) async throws(ServiceError) -> StudyService.Suggestion {
        let suggestion: StudyService.Suggestion
        do {
            // The service refuses another study under this name inside its transaction, before it creates or leases
            // a trial there.
            suggestion = try await service.suggest(
                study: name, client: client, count: count, expectedUID: name == study.name ? study.version.uid : expectedUID)
        } catch {
            // Say why in this worker's words when the study was replaced.
            if error.kind == .failedPrecondition, name == study.name, let current = try? await service.getStudy(name),
               let refusal = refusal(of: current) {
                throw .failedPrecondition(refusal)
            }
            throw error
        }
        guard let refusal = refusal(of: suggestion.study) else { return suggestion }
        // Not this worker's to run: back to the study for a worker that may run them.
        try? await service.releaseTrials(study: name, client: client, trials: suggestion.trials.map(\.id))
        throw .failedPrecondition(refusal)
    }

    public func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement) async throws(ServiceError) -> StoppingDecision {
        try await service.addMeasurement(study: name, trial: id, measurement: measurement)
    }

    public func heartbeat(study name: String, trial id: Int, client: String) async throws(ServiceError) {
        try await service.heartbeat(study: name, trial: id, client: client)
    }

    public func completeTrial(study name: String, trial id: Int, _ completion: StudyService.Completion) async throws(ServiceError) -> Trial {
        try await service.completeTrial(study: name, trial: id, completion)
    }

    public func failTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        try await service.failTrial(study: name, trial: id, reason: reason)
    }

    public func stopTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        try await service.stopTrial(study: name, trial: id, reason: reason)
    }

    public func releaseTrials(study name: String, client: String, trials ids: [Int]) async throws(ServiceError) {
        try await service.releaseTrials(study: name, client: client, trials: ids)
    }
}
