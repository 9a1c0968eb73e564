import AugurAlgorithms
import AugurCore
import Foundation

/// What a worker's run loop needs from the study logic: ask for trials, report on them, end them.
///
/// Two implementations: `StudyService` itself (in-process, `augur run`) and `AugurClient` (over gRPC to
/// `augur serve`, `augur worker`). Both throw the same `ServiceError`s, so the run loop behaves the same either way.
public protocol StudyServing: Sendable {
    /// How long a trial stays leased without a heartbeat or measurement (the run loop heartbeats at a third of it).
    var leaseDuration: TimeInterval { get }

    func getStudy(_ name: String) async throws(ServiceError) -> Study
    /// Hands `client` up to `count` trials, with the study as the assignment saw it (so a runner need not read it).
    /// With `expectedUID`, fails with FAILED_PRECONDITION, creating and leasing nothing, when the study now has
    /// another creation id (it was deleted and created again).
    func suggest(study name: String, client: String, count: Int, expectedUID: String?) async throws(ServiceError) -> StudyService.Suggestion
    @discardableResult
    func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement) async throws(ServiceError) -> StoppingDecision
    func heartbeat(study name: String, trial id: Int, client: String) async throws(ServiceError)
    @discardableResult
    func completeTrial(study name: String, trial id: Int, _ completion: StudyService.Completion) async throws(ServiceError) -> Trial
    @discardableResult
    func failTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial
    @discardableResult
    func stopTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial
    func releaseTrials(study name: String, client: String, trials ids: [Int]) async throws(ServiceError)
}

extension StudyService: StudyServing {}
