import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import Foundation
import GRPCCore
import SwiftProtobuf

/// The `augur.v1.AugurService` implementation: reads and checks each request, calls `StudyService`, and writes the
/// answer. It holds no state of its own, so any number of servers may share one database.
///
/// It decides nothing itself: every study decision is `StudyService`'s. Every `ServiceError` becomes the gRPC status
/// of its kind with its reason (INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS for a taken study name,
/// FAILED_PRECONDITION, UNAVAILABLE, INTERNAL); the mapping lives in `ServiceError+RPC.swift`.
public struct AugurRPCService: Augur_V1_AugurService.SimpleServiceProtocol {
    public let service: StudyService

    public init(service: StudyService) {
        self.service = service
    }

    // MARK: Studies

    public func createStudy(request: Augur_V1_CreateStudyRequest, context: ServerContext) async throws -> Augur_V1_Study {
        try await answer { () throws(ServiceError) in
            guard request.hasStudy else { throw .invalidArgument("study is missing; send the study to create") }
            let name: String
            if !request.study.displayName.isEmpty {
                name = request.study.displayName
            } else if !request.study.name.isEmpty {
                name = try ResourceName.parseStudy(request.study.name, field: "study.name")
            } else {
                throw .invalidArgument("study.display_name is empty; name the study")
            }
            let spec = try StudySpec(request.study.studySpec, name: name, field: "study.study_spec")
            return Augur_V1_Study(try await service.createStudy(spec))
        }
    }

    public func getStudy(request: Augur_V1_GetStudyRequest, context: ServerContext) async throws -> Augur_V1_Study {
        try await answer { () throws(ServiceError) in
            let name = try ResourceName.parseStudy(request.name, field: "name")
            return Augur_V1_Study(try await service.getStudy(name))
        }
    }

    public func listStudies(request: Augur_V1_ListStudiesRequest, context: ServerContext) async throws -> Augur_V1_ListStudiesResponse {
        try await answer { () throws(ServiceError) in
            let page = try Page(size: request.pageSize, token: request.pageToken)
            let summaries = try await service.listStudies().sorted { $0.study.name < $1.study.name }
            let slice = summaries.dropFirst(page.offset).prefix(page.size)
            return .with {
                $0.studies = slice.map { Augur_V1_Study($0.study) }
                if page.offset + slice.count < summaries.count { $0.nextPageToken = String(page.offset + slice.count) }
            }
        }
    }

    public func deleteStudy(request: Augur_V1_DeleteStudyRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await answer { () throws(ServiceError) in
            try await service.deleteStudy(try ResourceName.parseStudy(request.name, field: "name"))
            return Google_Protobuf_Empty()
        }
    }

    // MARK: Suggestions

    public func suggestTrials(request: Augur_V1_SuggestTrialsRequest, context: ServerContext) async throws -> Augur_V1_SuggestTrialsResponse {
        try await answer { () throws(ServiceError) in
            let name = try ResourceName.parseStudy(request.parent, field: "parent")
            guard request.suggestionCount >= 1, request.suggestionCount <= RequestLimits.maximumSuggestionCount else {
                throw .invalidArgument("suggestion_count must be between 1 and \(RequestLimits.maximumSuggestionCount), got \(request.suggestionCount)")
            }
            try ResourceName.checkClientID(request.clientID)
            let started = Date()
            let suggestion = try await service.suggest(
                study: name, client: request.clientID, count: Int(request.suggestionCount),
                expectedUID: request.expectedStudyUid.isEmpty ? nil : request.expectedStudyUid)
            return .with {
                $0.trials = suggestion.trials.map { Augur_V1_Trial($0, space: suggestion.spec.searchSpace) }
                $0.studyState = Augur_V1_Study.State(suggestion.studyState)
                $0.startTime = Google_Protobuf_Timestamp(date: started)
                $0.leaseDuration = Google_Protobuf_Duration(rounding: service.leaseDuration)
                $0.studyUid = suggestion.study.version.uid
                $0.studyRevision = Int64(suggestion.study.version.revision)
                $0.designerMetadata = suggestion.metadata.sorted { $0.key < $1.key }.flatMap { id, entries in
                    entries.compactMap { entry -> Augur_V1_DesignerMetadata? in
                        guard case .text(let value) = entry.value else { return nil }
                        return .with {
                            $0.trialID = String(id)
                            $0.namespace = entry.namespace
                            $0.key = entry.key
                            $0.value = value
                        }
                    }
                }
            }
        }
    }

    // MARK: Reporting

    public func addTrialMeasurement(request: Augur_V1_AddTrialMeasurementRequest, context: ServerContext) async throws -> Augur_V1_Trial {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.trialName, field: "trial_name")
            guard request.hasMeasurement else { throw .invalidArgument("measurement is missing") }
            let measurement = try TrialMeasurement(request.measurement, field: "measurement")
            let decision = try await service.addMeasurement(study: name, trial: id, measurement: measurement)
            var trial = Augur_V1_Trial(try await service.trial(study: name, id: id))
            if decision.shouldStop, trial.state == .active {
                trial.state = .stopping
                trial.statusReason = decision.reason ?? "the early-stopping rule recommends stopping this trial"
            }
            return trial
        }
    }

    public func completeTrial(request: Augur_V1_CompleteTrialRequest, context: ServerContext) async throws -> Augur_V1_Trial {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.name, field: "name")
            let completion: StudyService.Completion
            if request.trialInfeasible {
                let reason = request.infeasibleReason.isEmpty ? "marked infeasible by a client" : request.infeasibleReason
                completion = .infeasible(reason: reason)
            } else if request.hasFinalMeasurement {
                completion = .measurement(try TrialMeasurement(request.finalMeasurement, field: "final_measurement"))
            } else if !request.observations.isEmpty || request.hasElapsedDuration {
                guard request.observations.count <= RequestLimits.maximumObservations else {
                    throw .invalidArgument("observations has \(request.observations.count) measurements; at most \(RequestLimits.maximumObservations) per call")
                }
                let observations = try request.observations.enumerated().map { (index, observation) throws(ServiceError) in
                    try TrialMeasurement(observation, field: "observations[\(index)]")
                }
                completion = .observed(observations, elapsedSeconds: request.hasElapsedDuration ? request.elapsedDuration.timeInterval : nil)
            } else {
                completion = .measurement(nil)
            }
            return Augur_V1_Trial(try await service.completeTrial(study: name, trial: id, completion))
        }
    }

    public func checkTrialEarlyStoppingState(request: Augur_V1_CheckTrialEarlyStoppingStateRequest,
                                             context: ServerContext) async throws -> Augur_V1_CheckTrialEarlyStoppingStateResponse {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.trialName, field: "trial_name")
            let decision = try await service.earlyStoppingDecision(study: name, trial: id)
            return .with {
                $0.shouldStop = decision.shouldStop
                $0.reason = decision.reason ?? ""
            }
        }
    }

    public func stopTrial(request: Augur_V1_StopTrialRequest, context: ServerContext) async throws -> Augur_V1_Trial {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.name, field: "name")
            let reason = request.reason.isEmpty ? "stopped by a client" : request.reason
            return Augur_V1_Trial(try await service.stopTrial(study: name, trial: id, reason: reason))
        }
    }

    public func failTrial(request: Augur_V1_FailTrialRequest, context: ServerContext) async throws -> Augur_V1_Trial {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.name, field: "name")
            let reason = request.reason.isEmpty ? "failed (the client gave no reason)" : request.reason
            return Augur_V1_Trial(try await service.failTrial(study: name, trial: id, reason: reason))
        }
    }

    public func heartbeat(request: Augur_V1_HeartbeatRequest, context: ServerContext) async throws -> Augur_V1_HeartbeatResponse {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.trialName, field: "trial_name")
            try ResourceName.checkClientID(request.clientID)
            let renewedAt = Date()
            try await service.heartbeat(study: name, trial: id, client: request.clientID)
            return .with { $0.leaseExpireTime = Google_Protobuf_Timestamp(date: renewedAt.addingTimeInterval(service.leaseDuration)) }
        }
    }

    public func releaseTrials(request: Augur_V1_ReleaseTrialsRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await answer { () throws(ServiceError) in
            let name = try ResourceName.parseStudy(request.parent, field: "parent")
            try ResourceName.checkClientID(request.clientID)
            guard request.trialIds.count <= RequestLimits.maximumReleasedTrials else {
                throw .invalidArgument("trial_ids names \(request.trialIds.count) trials; at most \(RequestLimits.maximumReleasedTrials) per call")
            }
            try await service.releaseTrials(study: name, client: request.clientID, trials: request.trialIds.map { Int($0) })
            return Google_Protobuf_Empty()
        }
    }

    // MARK: Queries

    public func getTrial(request: Augur_V1_GetTrialRequest, context: ServerContext) async throws -> Augur_V1_Trial {
        try await answer { () throws(ServiceError) in
            let (name, id) = try ResourceName.parseTrial(request.name, field: "name")
            return Augur_V1_Trial(try await service.trial(study: name, id: id))
        }
    }

    public func listTrials(request: Augur_V1_ListTrialsRequest, context: ServerContext) async throws -> Augur_V1_ListTrialsResponse {
        try await answer { () throws(ServiceError) in
            let name = try ResourceName.parseStudy(request.parent, field: "parent")
            let page = try Page(size: request.pageSize, token: request.pageToken)
            var states: Set<TrialState>?
            if !request.states.isEmpty {
                var wanted = Set<TrialState>()
                for state in request.states {
                    switch state {
                    case .stopping: continue
                    case .unspecified, .UNRECOGNIZED: throw .invalidArgument("states: \(state) is not a trial state")
                    default: if let domain = state.domain { wanted.insert(domain) }
                    }
                }
                states = wanted
            }
            _ = try await service.getStudy(name)
            if states?.isEmpty == true { return Augur_V1_ListTrialsResponse() }
            // One more than the page tells whether another page follows.
            let query = TrialQuery(states: states, order: .id, limit: page.size + 1, offset: page.offset,
                                   includeMeasurements: request.includeMeasurements)
            let trials = try await service.trials(study: name, query: query)
            return .with {
                $0.trials = trials.prefix(page.size).map { Augur_V1_Trial($0) }
                if trials.count > page.size { $0.nextPageToken = String(page.offset + page.size) }
            }
        }
    }

    public func listOptimalTrials(request: Augur_V1_ListOptimalTrialsRequest, context: ServerContext) async throws -> Augur_V1_ListOptimalTrialsResponse {
        try await answer { () throws(ServiceError) in
            let name = try ResourceName.parseStudy(request.parent, field: "parent")
            guard request.maxTrialCount >= 0, request.maxTrialCount <= RequestLimits.maximumPageSize else {
                throw .invalidArgument("max_trial_count must be between 1 and \(RequestLimits.maximumPageSize), got \(request.maxTrialCount)")
            }
            let study = try await service.getStudy(name)
            // Several objectives: the whole Pareto front; one: the best `max_trial_count` (feasible) trials.
            let best = study.spec.objective.isMultiObjective
                ? try await service.paretoFront(study: name).trials
                : try await service.bestTrials(study: name, count: request.maxTrialCount == 0 ? 1 : Int(request.maxTrialCount))
            return .with { $0.optimalTrials = best.map { Augur_V1_Trial($0) } }
        }
    }

    // MARK: Helpers

    /// Runs a handler, turning its `ServiceError` into the gRPC status the client sees.
    private func answer<Response>(_ body: () async throws(ServiceError) -> Response) async throws(RPCError) -> Response {
        do {
            return try await body()
        } catch {
            throw error.rpcError
        }
    }
}

/// A page of a list: where it starts and how long it is, read from `page_size` and `page_token`.
public struct Page: Sendable {
    public var offset: Int
    public var size: Int

    public init(size: Int32, token: String) throws(ServiceError) {
        guard size >= 0 else { throw .invalidArgument("page_size must not be negative, got \(size)") }
        self.size = size == 0 ? RequestLimits.maximumPageSize : min(Int(size), RequestLimits.maximumPageSize)
        if token.isEmpty {
            offset = 0
        } else {
            guard token.utf8.count <= 12, let offset = Int(token), offset >= 0 else {
                throw .invalidArgument("page_token `\(ResourceName.excerpt(token))` is not one this server gave out; "
                    + "pass next_page_token from the previous page")
            }
            self.offset = offset
        }
    }
}
