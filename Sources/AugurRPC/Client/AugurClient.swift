import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import SwiftProtobuf
import Synchronization

/// A client of `augur serve` speaking the domain model: the same calls as `StudyService`, over gRPC.
///
/// Calls that fail because the server cannot be reached (UNAVAILABLE: not started yet, restarting, a dropped
/// connection) are retried with exponential back-off for up to `retryTimeout`, so a worker rides out a server
/// restart. Every other error arrives as the `ServiceError` the server reported.
///
/// The connections run in `run()`; use `withClient` to scope them:
/// ```swift
/// try await AugurClient.withClient(server: ListenAddress("127.0.0.1:50051")!) { client in
///     let trials = try await client.suggestTrials(study: "demo", client: "worker-1", count: 1)
/// }
/// ```
public final class AugurClient: Service, Sendable {
    public let server: ListenAddress
    /// How long a call keeps retrying while the server is unreachable.
    public let retryTimeout: Duration
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let stub: Augur_V1_AugurService.Client<HTTP2ClientTransport.Posix>
    private let health: Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>
    private let metadata: Metadata
    private let logger: Logger
    private let lease = Mutex<TimeInterval>(120)
    /// The studies seen, by name: their search spaces give integer parameters back as integers, and a suggestion
    /// hands its study to the runner. Renewed by every read of a study; dropped when the study is deleted or a call
    /// says it is gone.
    private let studies = BoundedCache<String, Study>(capacity: 1_024)

    /// - Parameters:
    ///   - server: the `augur serve` address.
    ///   - token: the bearer token, when the server was started with `--token-file`.
    ///   - retryTimeout: how long to keep retrying while the server is unreachable (default one minute).
    public init(server: ListenAddress, token: String? = nil, retryTimeout: Duration = .seconds(60),
                logger: Logger = Logger(label: "augur.client")) throws(ServiceError) {
        self.server = server
        self.retryTimeout = retryTimeout
        self.logger = logger
        var config = HTTP2ClientTransport.Posix.Config.defaults
        config.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(target: .dns(host: server.host, port: server.port),
                                                       transportSecurity: .plaintext, config: config)
        } catch {
            throw .invalidArgument("cannot connect to \(server): \(error)")
        }
        client = GRPCClient(transport: transport)
        stub = Augur_V1_AugurService.Client(wrapping: client)
        health = Grpc_Health_V1_Health.Client(wrapping: client)
        var metadata = Metadata()
        if let token { metadata.addString("Bearer \(BearerToken(token).text)", forKey: "authorization") }
        self.metadata = metadata
    }

    /// Runs the client's connections until `close()` or, in a `ServiceGroup`, graceful shutdown; calls wait until
    /// this runs.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            self.close()
        }
    }

    /// Lets running calls finish, then closes the connections (`run` returns).
    public func close() {
        client.beginGracefulShutdown()
    }

    /// Creates a client, runs its connections while `body` runs, and closes it afterwards.
    public static func withClient<Result: Sendable>(
        server: ListenAddress, token: String? = nil, retryTimeout: Duration = .seconds(60),
        _ body: (AugurClient) async throws -> Result
    ) async throws -> Result {
        let client = try AugurClient(server: server, token: token, retryTimeout: retryTimeout)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer { client.close() }
            let result = try await body(client)
            client.close()
            try await group.waitForAll()
            return result
        }
    }

    /// The lease the server grants (learnt from SuggestTrials; 120 s until then).
    public var leaseDuration: TimeInterval { lease.withLock { $0 } }

    // MARK: Studies

    public func createStudy(_ spec: StudySpec) async throws(ServiceError) -> Study {
        let request = Augur_V1_CreateStudyRequest.with {
            $0.study = .with {
                $0.displayName = spec.name
                $0.studySpec = Augur_V1_StudySpec(spec)
            }
        }
        return remember(try Study(try await call { try await stub.createStudy(request, metadata: metadata) }))
    }

    public func getStudy(_ name: String) async throws(ServiceError) -> Study {
        let request = Augur_V1_GetStudyRequest.with { $0.name = ResourceName.study(name) }
        return remember(try Study(try await call { try await stub.getStudy(request, metadata: metadata) }))
    }

    /// Every study, following the pages.
    public func listStudies() async throws(ServiceError) -> [Study] {
        var studies: [Study] = []
        var token = ""
        repeat {
            let request = Augur_V1_ListStudiesRequest.with { $0.pageToken = token }
            let page = try await call { try await stub.listStudies(request, metadata: metadata) }
            for study in page.studies { studies.append(try Study(study)) }
            token = page.nextPageToken
        } while !token.isEmpty
        return studies
    }

    public func deleteStudy(_ name: String) async throws(ServiceError) {
        let request = Augur_V1_DeleteStudyRequest.with { $0.name = ResourceName.study(name) }
        _ = try await call { try await stub.deleteStudy(request, metadata: metadata) }
        studies.remove(name)
    }

    // MARK: Suggestions

    public func suggestTrials(study name: String, client: String, count: Int) async throws(ServiceError) -> [Trial] {
        try await suggest(study: name, client: client, count: count).trials
    }

    /// With `expectedUID`, the server refuses (FAILED_PRECONDITION, nothing created or leased) a study that was
    /// deleted and created again under the same name.
    public func suggest(study name: String, client: String, count: Int, expectedUID: String? = nil) async throws(ServiceError) -> StudyService.Suggestion {
        var study = try await knownStudy(name)
        let request = Augur_V1_SuggestTrialsRequest.with {
            $0.parent = ResourceName.study(name)
            $0.suggestionCount = Int32(clamping: count)
            $0.clientID = client
            if let expectedUID { $0.expectedStudyUid = expectedUID }
        }
        let response = try await call { try await stub.suggestTrials(request, metadata: metadata) }
        if response.hasLeaseDuration { lease.withLock { $0 = response.leaseDuration.timeInterval } }
        let version = StudyVersion(uid: response.studyUid, revision: Int(clamping: response.studyRevision))
        let changedState = response.studyState.domain.map { $0 != study.state } ?? false
        if version != study.version || changedState {
            // Another spec revision (a resumed budget), another study under the same name, or a new state (its
            // reason comes with the study): read it again before reading the trials with its search space.
            study = try await getStudy(name)
        }
        let trials = try response.trials.map { (trial) throws(ServiceError) in try Trial(trial, space: study.spec.searchSpace) }
        var designerMetadata: [Int: [MetadataEntry]] = [:]
        for entry in response.designerMetadata {
            guard let id = Int(entry.trialID) else {
                throw .internalError("the server sent designer metadata for trial '\(entry.trialID.excerptForMessage)', which is no trial number")
            }
            designerMetadata[id, default: []].append(MetadataEntry(namespace: entry.namespace, key: entry.key, value: .text(entry.value)))
        }
        return StudyService.Suggestion(trials: trials, study: study, metadata: designerMetadata)
    }

    // MARK: Reporting

    /// Records an intermediate measurement; the answer says whether the study's early-stopping rule recommends stopping.
@discardableResult
        public func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement) async throws(ServiceError) -> StoppingDecision {
        let request = Augur_V1_AddTrialMeasurementRequest.with {
            $0.trialName = ResourceName.trial(study: name, id: id)
            $0.measurement = Augur_V1_Measurement(measurement)
        }
        let trial = try await call { try await stub.addTrialMeasurement(request, metadata: metadata) }
        guard trial.state == .stopping else { return .keepRunning }
        return .stop(because: trial.statusReason.isEmpty ? "the early-stopping rule recommends stopping" : trial.statusReason)
    }

    /// Whether the study's early-stopping rule recommends stopping an ACTIVE trial now.
    public func checkEarlyStopping(study name: String, trial id: Int) async throws(ServiceError) -> StoppingDecision {
        let request = Augur_V1_CheckTrialEarlyStoppingStateRequest.with { $0.trialName = ResourceName.trial(study: name, id: id) }
        let response = try await call { try await stub.checkTrialEarlyStoppingState(request, metadata: metadata) }
        return StoppingDecision(shouldStop: response.shouldStop, reason: response.reason.isEmpty ? nil : response.reason)
    }

    public func heartbeat(study name: String, trial id: Int, client: String) async throws(ServiceError) {
        let request = Augur_V1_HeartbeatRequest.with {
            $0.trialName = ResourceName.trial(study: name, id: id)
            $0.clientID = client
        }
        _ = try await call { try await stub.heartbeat(request, metadata: metadata) }
    }

    @discardableResult
    public func completeTrial(study name: String, trial id: Int, _ completion: StudyService.Completion) async throws(ServiceError) -> Trial {
        let request = Augur_V1_CompleteTrialRequest.with {
            $0.name = ResourceName.trial(study: name, id: id)
            switch completion {
            case .measurement(let measurement):
                if let measurement { $0.finalMeasurement = Augur_V1_Measurement(measurement) }
            case .observed(let observations, let elapsedSeconds):
                $0.observations = observations.map(Augur_V1_Measurement.init)
                if let elapsedSeconds { $0.elapsedDuration = Google_Protobuf_Duration(rounding: elapsedSeconds) }
            case .infeasible(let reason):
                $0.trialInfeasible = true
                $0.infeasibleReason = reason
            }
        }
        return try await trial(from: try await call { try await stub.completeTrial(request, metadata: metadata) }, study: name)
    }

    @discardableResult
    public func failTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        let request = Augur_V1_FailTrialRequest.with {
            $0.name = ResourceName.trial(study: name, id: id)
            $0.reason = reason
        }
        return try await trial(from: try await call { try await stub.failTrial(request, metadata: metadata) }, study: name)
    }

    @discardableResult
    public func stopTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        let request = Augur_V1_StopTrialRequest.with {
            $0.name = ResourceName.trial(study: name, id: id)
            $0.reason = reason
        }
        return try await trial(from: try await call { try await stub.stopTrial(request, metadata: metadata) }, study: name)
    }

    public func releaseTrials(study name: String, client: String, trials ids: [Int]) async throws(ServiceError) {
        guard !ids.isEmpty else { return }
        let request = Augur_V1_ReleaseTrialsRequest.with {
            $0.parent = ResourceName.study(name)
            $0.clientID = client
            $0.trialIds = ids.map { Int64($0) }
        }
        _ = try await call { try await stub.releaseTrials(request, metadata: metadata) }
    }

    // MARK: Queries

    public func trial(study name: String, id: Int) async throws(ServiceError) -> Trial {
        let request = Augur_V1_GetTrialRequest.with { $0.name = ResourceName.trial(study: name, id: id) }
        return try await trial(from: try await call { try await stub.getTrial(request, metadata: metadata) }, study: name)
    }

    /// A study's trials in creation order (only those in `states` when given), following the pages.
    public func trials(study name: String, states: Set<TrialState>? = nil, includeMeasurements: Bool = false,
                       pageSize: Int = RequestLimits.maximumPageSize) async throws(ServiceError) -> [Trial] {
        let space = try await searchSpace(of: name)
        var trials: [Trial] = []
        var token = ""
        repeat {
            let request = Augur_V1_ListTrialsRequest.with {
                $0.parent = ResourceName.study(name)
                $0.states = (states ?? []).sorted { $0.rawValue < $1.rawValue }.map(Augur_V1_Trial.State.init)
                $0.pageSize = Int32(clamping: pageSize)
                $0.pageToken = token
                $0.includeMeasurements = includeMeasurements
            }
            let page = try await call { try await stub.listTrials(request, metadata: metadata) }
            for trial in page.trials { trials.append(try Trial(trial, space: space)) }
            token = page.nextPageToken
        } while !token.isEmpty
        return trials
    }

    /// The `count` best completed trials, best first.
    public func optimalTrials(study name: String, count: Int = 1) async throws(ServiceError) -> [Trial] {
        let space = try await searchSpace(of: name)
        let request = Augur_V1_ListOptimalTrialsRequest.with {
            $0.parent = ResourceName.study(name)
            $0.maxTrialCount = Int32(clamping: count)
        }
        let response = try await call { try await stub.listOptimalTrials(request, metadata: metadata) }
        return try response.optimalTrials.map { (trial) throws(ServiceError) in try Trial(trial, space: space) }
    }

    /// The server's health (`grpc.health.v1`), for `service` or the server as a whole.
    public func checkHealth(service: String = "") async throws(ServiceError) -> HealthService.Status {
        let request = Grpc_Health_V1_HealthCheckRequest.with { $0.service = service }
        return try await call { try await health.check(request) }.status
    }

    // MARK: Helpers

    private func remember(_ study: Study) -> Study {
        studies.set(study, for: study.name)
        return study
    }

    private func knownStudy(_ name: String) async throws(ServiceError) -> Study {
        if let known = studies[name] { return known }
        return try await getStudy(name)
    }

    private func searchSpace(of study: String) async throws(ServiceError) -> SearchSpace {
        try await knownStudy(study).spec.searchSpace
    }

    private func trial(from message: Augur_V1_Trial, study: String) async throws(ServiceError) -> Trial {
        try Trial(message, space: try await searchSpace(of: study))
    }

    /// Makes a call, retrying with back-off while the server is unreachable, and maps its error.
    private func call<Response: Sendable>(_ body: () async throws -> Response) async throws(ServiceError) -> Response {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: retryTimeout)
        var delay = Duration.milliseconds(50)
        while true {
            do {
                return try await body()
            } catch let error as RPCError {
                let mapped = ServiceError(error)
                guard mapped.kind == .unavailable, !Task.isCancelled, clock.now.advanced(by: delay) < deadline else { throw mapped }
                logger.debug("server unavailable; retrying", metadata: ["server": "\(server)", "delay": "\(delay)"])
            } catch is CancellationError {
                throw .unavailable("the call to \(server) was cancelled")
            } catch {
                throw .internalError("the call to \(server) failed: \(error)")
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .unavailable("the call to \(server) was cancelled")
            }
            delay = min(delay * 2, .seconds(2))
        }
    }
}

extension AugurClient: StudyServing {}
