import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import GRPCCore
import SwiftProtobuf

/// OSS Vizier's `vizier.VizierService`, served over Augur's `StudyService`: the stock Vizier Python client
/// (`pip install google-vizier`, `clients.environment_variables.server_endpoint = "HOST:PORT"`) drives Augur unchanged.
///
/// It only translates: names, messages and states between Vizier's API and Augur's model; every decision (which
/// trials to suggest, whether to stop one, when a study is done) is `StudyService`'s, so a study created here is the
/// same study `augur studies`, Augur's own API and a spec file see. Semantics follow Vizier's own servicer
/// (docs/api.md, "Vizier's client"):
/// - `CreateStudy` is create-or-load by `owners/{owner}/studies/{display_name}`; the study id is Augur's study name.
/// - `SuggestTrials` answers at once with a finished `google.longrunning.Operation`, whose name lets `GetOperation`
///   answer again from the store (on any replica).
/// - The owner is recorded when the study is created and checked whenever a study is read, listed, changed or
///   deleted; a study made through Augur's own API belongs to every owner.
public struct VizierRPCService: Vizier_VizierService.SimpleServiceProtocol {
    public let service: StudyService

    public init(service: StudyService) {
        self.service = service
    }

    // MARK: Studies

    public func createStudy(request: Vizier_CreateStudyRequest, context: ServerContext) async throws -> Vizier_Study {
        try await answer { () throws(ServiceError) in
            let owner = try VizierNames.parseOwner(request.parent, field: "parent")
            guard request.hasStudy else { throw .invalidArgument("study is missing; send the study to create") }
            let id: String
            if !request.study.displayName.isEmpty {
                id = try VizierNames.studyID(Substring(request.study.displayName), field: "study.display_name")
            } else if !request.study.name.isEmpty {
                id = try VizierNames.parseStudy(request.study.name, field: "study.name").study
            } else {
                throw .invalidArgument("study.display_name is empty; it is the study id")
            }
            let name = VizierNames.StudyName(owner: owner, study: id)
            if let existing = try await existingStudy(name) { return existing }
            let spec = try StudySpec(vizier: request.study.studySpec, name: id, field: "study.study_spec")
            var updates = try VizierRecord.updates(owner: owner, spec: request.study.studySpec)
            for (index, keyValue) in request.study.studySpec.metadata.enumerated() {
                updates.append(MetadataUpdate(entry: try MetadataEntry(vizier: keyValue, field: "study.study_spec.metadata[\(index)]")))
            }
            do throws(ServiceError) {
                let study = try await service.createStudy(spec)
                try await service.updateMetadata(study: id, updates: updates)
                return Vizier_Study(study, owner: owner, metadata: try await service.metadata(study: id))
            } catch where error.kind == .alreadyExists {
                // Another client created it between the look-up and the insert: load that one, as Vizier does.
                if let existing = try await existingStudy(name) { return existing }
                throw error
            }
        }
    }

    public func getStudy(request: Vizier_GetStudyRequest, context: ServerContext) async throws -> Vizier_Study {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.name, field: "name")
            let (study, metadata) = try await ownedStudy(name)
            return Vizier_Study(study, owner: name.owner, metadata: metadata)
        }
    }

    public func listStudies(request: Vizier_ListStudiesRequest, context: ServerContext) async throws -> Vizier_ListStudiesResponse {
        try await answer { () throws(ServiceError) in
            let owner = try VizierNames.parseOwner(request.parent, field: "parent")
            let page = try Page(size: request.pageSize, token: request.pageToken)
            var studies: [Vizier_Study] = []
            for summary in try await service.listStudies().sorted(by: { $0.study.name < $1.study.name }) {
                guard let metadata = try? await service.metadata(study: summary.study.name) else { continue }  // deleted meanwhile
                let recorded = VizierRecord.owner(in: metadata)
                guard recorded == nil || recorded == owner else { continue }
                studies.append(Vizier_Study(summary.study, owner: owner, metadata: metadata))
            }
            let slice = studies.dropFirst(page.offset).prefix(page.size)
            return .with {
                $0.studies = Array(slice)
                if page.offset + slice.count < studies.count { $0.nextPageToken = String(page.offset + slice.count) }
            }
        }
    }

    public func deleteStudy(request: Vizier_DeleteStudyRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.name, field: "name")
            _ = try await ownedStudy(name)
            try await service.deleteStudy(name.study)
            return Google_Protobuf_Empty()
        }
    }

    public func setStudyState(request: Vizier_SetStudyStateRequest, context: ServerContext) async throws -> Vizier_Study {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.parent, field: "parent")
            let state: StudyState
            let reason: String
            switch request.state {
            case .active: (state, reason) = (.active, "set ACTIVE by a Vizier client")
            case .inactive: (state, reason) = (.stopped, "set INACTIVE by a Vizier client")
            case .completed: (state, reason) = (.completed, "set COMPLETED by a Vizier client")
            case .unspecified, .UNRECOGNIZED: throw .invalidArgument("state must be ACTIVE, INACTIVE or COMPLETED")
            }
            let (_, metadata) = try await ownedStudy(name)
            let study = try await service.setStudyState(name.study, to: state, reason: reason)
            return Vizier_Study(study, owner: name.owner, metadata: metadata)
        }
    }

    // MARK: Suggestions

    public func suggestTrials(request: Vizier_SuggestTrialsRequest, context: ServerContext) async throws -> Google_Longrunning_Operation {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.parent, field: "parent")
            guard request.suggestionCount >= 1, request.suggestionCount <= RequestLimits.maximumSuggestionCount else {
                throw .invalidArgument("suggestion_count must be between 1 and \(RequestLimits.maximumSuggestionCount), got \(request.suggestionCount)")
            }
            try ResourceName.checkClientID(request.clientID)
            let started = Date()
            let suggestion = try await service.suggest(study: name.study, client: request.clientID, count: Int(request.suggestionCount))
            // An inactive (stopped or failed) study hands out nothing, as in Vizier; its held trials stay the client's.
            let trials = [.stopped, .failed].contains(suggestion.studyState) ? [] : suggestion.trials
            let metadata = try await trialMetadata(name.study, trials: trials)
            let response = Vizier_SuggestTrialsResponse.with {
                $0.trials = trials.map { Vizier_Trial($0, study: name, space: suggestion.spec.searchSpace, metadata: metadata[$0.id] ?? []) }
                $0.studyState = Vizier_Study(suggestion.study, owner: name.owner, metadata: StudyMetadata()).state
                $0.startTime = Google_Protobuf_Timestamp(date: started)
                $0.endTime = Google_Protobuf_Timestamp(date: Date())
            }
            let operation = VizierNames.SuggestionOperation(study: name, client: request.clientID, trials: trials.map(\.id))
            return try Self.finishedOperation(operation, response: response)
        }
    }

    public func getOperation(request: Google_Longrunning_GetOperationRequest, context: ServerContext) async throws -> Google_Longrunning_Operation {
        try await answer { () throws(ServiceError) in
            try await operation(named: request.name)
        }
    }

    /// Answers a suggestion operation again from the store: its trials as they are now.
    func operation(named resource: String) async throws(ServiceError) -> Google_Longrunning_Operation {
        let operation = try VizierNames.parseSuggestionOperation(resource, field: "name")
        let study = try await service.getStudy(operation.study.study)
        var trials: [Trial] = []
        for id in operation.trials {
            trials.append(try await service.trial(study: study.name, id: id))
        }
        let metadata = try await trialMetadata(study.name, trials: trials)
        let response = Vizier_SuggestTrialsResponse.with {
            $0.trials = trials.map { Vizier_Trial($0, study: operation.study, space: study.spec.searchSpace, metadata: metadata[$0.id] ?? []) }
            $0.studyState = Vizier_Study(study, owner: operation.study.owner, metadata: StudyMetadata()).state
        }
        return try Self.finishedOperation(operation, response: response)
    }

    static func finishedOperation(_ operation: VizierNames.SuggestionOperation,
                                  response: Vizier_SuggestTrialsResponse) throws(ServiceError) -> Google_Longrunning_Operation {
        let packed: Google_Protobuf_Any
        do {
            packed = try Google_Protobuf_Any(message: response)
        } catch {
            throw .internalError("could not pack the suggestions: \(error)")
        }
        return .with {
            $0.name = operation.resource
            $0.done = true
            $0.response = packed
        }
    }

    // MARK: Trials

    public func createTrial(request: Vizier_CreateTrialRequest, context: ServerContext) async throws -> Vizier_Trial {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.parent, field: "parent")
            guard request.hasTrial else { throw .invalidArgument("trial is missing; send the trial to add") }
            let study = try await service.getStudy(name.study)
            let parameters = try ParameterAssignment.vizier(request.trial.parameters, space: study.spec.searchSpace, field: "trial.parameters")
            let completion: StudyService.Completion?
            if request.trial.state == .infeasible {
                let reason = request.trial.infeasibleReason.isEmpty ? "marked infeasible by a Vizier client" : request.trial.infeasibleReason
                completion = .infeasible(reason: reason)
            } else if request.trial.hasFinalMeasurement {
                completion = .measurement(try TrialMeasurement(vizier: request.trial.finalMeasurement, field: "trial.final_measurement"))
            } else {
                completion = nil
            }
            var updates: [MetadataUpdate] = []
            for (index, keyValue) in request.trial.metadata.enumerated() {
                updates.append(MetadataUpdate(entry: try MetadataEntry(vizier: keyValue, field: "trial.metadata[\(index)]")))
            }
            let trial = try await service.addTrial(study: name.study, parameters: parameters, completion: completion)
            if !updates.isEmpty {
                try await service.updateMetadata(study: name.study, updates: updates.map { MetadataUpdate(trial: trial.id, entry: $0.entry) })
            }
            return try await vizierTrial(trial, study: name, space: study.spec.searchSpace)
        }
    }

    public func getTrial(request: Vizier_GetTrialRequest, context: ServerContext) async throws -> Vizier_Trial {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseTrial(request.name, field: "name")
            let study = try await service.getStudy(name.study.study)
            let trial = try await service.trial(study: study.name, id: name.id)
            return try await vizierTrial(trial, study: name.study, space: study.spec.searchSpace)
        }
    }

    public func listTrials(request: Vizier_ListTrialsRequest, context: ServerContext) async throws -> Vizier_ListTrialsResponse {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.parent, field: "parent")
            let page = try Page(size: request.pageSize, token: request.pageToken)
            let study = try await service.getStudy(name.study)
            // One more than the page tells whether another page follows.
            let query = TrialQuery(order: .id, limit: page.size + 1, offset: page.offset, includeMeasurements: true)
            let trials = try await service.trials(study: study.name, query: query)
            let shown = Array(trials.prefix(page.size))
            let metadata = try await trialMetadata(study.name, trials: shown)
            return .with {
                $0.trials = shown.map { Vizier_Trial($0, study: name, space: study.spec.searchSpace, metadata: metadata[$0.id] ?? []) }
                if trials.count > page.size { $0.nextPageToken = String(page.offset + page.size) }
            }
        }
    }

    public func addTrialMeasurement(request: Vizier_AddTrialMeasurementRequest, context: ServerContext) async throws -> Vizier_Trial {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseTrial(request.trialName, field: "trial_name")
            guard request.hasMeasurement else { throw .invalidArgument("measurement is missing") }
            let measurement = try TrialMeasurement(vizier: request.measurement, field: "measurement")
            try await service.addMeasurement(study: name.study.study, trial: name.id, measurement: measurement)
            return try await currentTrial(name)
        }
    }

    public func completeTrial(request: Vizier_CompleteTrialRequest, context: ServerContext) async throws -> Vizier_Trial {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseTrial(request.name, field: "name")
            let completion: StudyService.Completion
            if request.trialInfeasible {
                let reason = request.infeasibleReason.isEmpty ? "marked infeasible by a Vizier client" : request.infeasibleReason
                completion = .infeasible(reason: reason)
            } else if request.hasFinalMeasurement {
                completion = .measurement(try TrialMeasurement(vizier: request.finalMeasurement, field: "final_measurement"))
            } else {
                completion = .measurement(nil)
            }
            let trial = try await service.completeTrial(study: name.study.study, trial: name.id, completion)
            let study = try await service.getStudy(name.study.study)
            return try await vizierTrial(trial, study: name.study, space: study.spec.searchSpace)
        }
    }

    public func deleteTrial(request: Vizier_DeleteTrialRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseTrial(request.name, field: "name")
            try await service.deleteTrial(study: name.study.study, trial: name.id)
            return Google_Protobuf_Empty()
        }
    }

    public func checkTrialEarlyStoppingState(request: Vizier_CheckTrialEarlyStoppingStateRequest,
                                             context: ServerContext) async throws -> Vizier_CheckTrialEarlyStoppingStateResponse {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseTrial(request.trialName, field: "trial_name")
            let decision = try await service.earlyStoppingDecision(study: name.study.study, trial: name.id)
            return .with { $0.shouldStop = decision.shouldStop }
        }
    }

    public func stopTrial(request: Vizier_StopTrialRequest, context: ServerContext) async throws -> Vizier_Trial {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseTrial(request.name, field: "name")
            let trial = try await service.stopTrial(study: name.study.study, trial: name.id, reason: "stopped by a Vizier client")
            let study = try await service.getStudy(name.study.study)
            return try await vizierTrial(trial, study: name.study, space: study.spec.searchSpace)
        }
    }

    public func listOptimalTrials(request: Vizier_ListOptimalTrialsRequest, context: ServerContext) async throws -> Vizier_ListOptimalTrialsResponse {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.parent, field: "parent")
            let study = try await service.getStudy(name.study)
            // Several objectives: the Pareto front of the trials that meet every safety threshold; one objective: the
            // best such trial (Vizier's answer for a single-metric study).
            let best = study.spec.objective.isMultiObjective
                ? try await service.paretoFront(study: study.name).trials
                : try await service.bestTrials(study: study.name, count: 1)
            let metadata = try await trialMetadata(study.name, trials: best)
            return .with {
                $0.optimalTrials = best.map { Vizier_Trial($0, study: name, space: study.spec.searchSpace, metadata: metadata[$0.id] ?? []) }
            }
        }
    }

    public func updateMetadata(request: Vizier_UpdateMetadataRequest, context: ServerContext) async throws -> Vizier_UpdateMetadataResponse {
        try await answer { () throws(ServiceError) in
            let name = try VizierNames.parseStudy(request.name, field: "name")
            _ = try await ownedStudy(name)
            var updates: [MetadataUpdate] = []
            for (index, delta) in request.delta.enumerated() {
                let field = "delta[\(index)]"
                var trial: Int?
                if delta.hasTrialID {
                    guard let id = Int(delta.trialID) else {
                        throw .invalidArgument("\(field).trial_id must be a trial number, got `\(delta.trialID.excerptForMessage)`")
                    }
                    trial = id
                }
                updates.append(MetadataUpdate(trial: trial, entry: try MetadataEntry(vizier: delta.metadatum, field: "\(field).metadatum")))
            }
            try await service.updateMetadata(study: name.study, updates: updates)
            return Vizier_UpdateMetadataResponse()
        }
    }

    // MARK: Helpers

    /// The study named, if it exists and belongs to the owner (or to every owner); ALREADY_EXISTS when another
    /// owner has taken its id (Augur's study names are one namespace).
    private func existingStudy(_ name: VizierNames.StudyName) async throws(ServiceError) -> Vizier_Study? {
        let study: Study
        do throws(ServiceError) {
            study = try await service.getStudy(name.study)
        } catch where error.kind == .notFound {
            return nil
        }
        let metadata = try await service.metadata(study: study.name)
        if let owner = VizierRecord.owner(in: metadata), owner != name.owner {
            throw .alreadyExists("study id '\(name.study)' is taken by owner '\(owner)'; study ids are unique across owners in Augur")
        }
        return Vizier_Study(study, owner: name.owner, metadata: metadata)
    }

    /// The study named with its metadata; NOT_FOUND when it does not exist or belongs to another owner.
    private func ownedStudy(_ name: VizierNames.StudyName) async throws(ServiceError) -> (Study, StudyMetadata) {
        let study = try await service.getStudy(name.study)
        let metadata = try await service.metadata(study: study.name)
        if let owner = VizierRecord.owner(in: metadata), owner != name.owner {
            throw .notFound("owner '\(name.owner)' has no study '\(name.study)'")
        }
        return (study, metadata)
    }

    /// The metadata of the given trials, by id (one read of the study's metadata, only when there are trials).
    private func trialMetadata(_ study: String, trials: [Trial]) async throws(ServiceError) -> [Int: [MetadataEntry]] {
        guard !trials.isEmpty else { return [:] }
        return try await service.metadata(study: study).trials
    }

    private func vizierTrial(_ trial: Trial, study: VizierNames.StudyName, space: SearchSpace) async throws(ServiceError) -> Vizier_Trial {
        let metadata = try await trialMetadata(study.study, trials: [trial])
        return Vizier_Trial(trial, study: study, space: space, metadata: metadata[trial.id] ?? [])
    }

    private func currentTrial(_ name: VizierNames.TrialName) async throws(ServiceError) -> Vizier_Trial {
        let study = try await service.getStudy(name.study.study)
        let trial = try await service.trial(study: study.name, id: name.id)
        return try await vizierTrial(trial, study: name.study, space: study.spec.searchSpace)
    }

    /// Runs a handler, turning its `ServiceError` into the gRPC status the client sees.
    private func answer<Response>(_ body: () async throws(ServiceError) -> Response) async throws(RPCError) -> Response {
        do {
            return try await body()
        } catch {
            throw error.rpcError
        }
    }
}

/// `google.longrunning.Operations` for the same operations: Augur's are done when they are created, so `Get` and
/// `Wait` answer from the store, `Cancel` and `Delete` have nothing left to do, and none is kept to list.
public struct VizierOperationsService: Google_Longrunning_Operations.SimpleServiceProtocol {
    let vizier: VizierRPCService

    public init(service: StudyService) {
        vizier = VizierRPCService(service: service)
    }

    public func listOperations(request: Google_Longrunning_ListOperationsRequest,
                               context: ServerContext) async throws -> Google_Longrunning_ListOperationsResponse {
        Google_Longrunning_ListOperationsResponse()
    }

    public func getOperation(request: Google_Longrunning_GetOperationRequest, context: ServerContext) async throws -> Google_Longrunning_Operation {
        try await vizier.getOperation(request: request, context: context)
    }

    public func deleteOperation(request: Google_Longrunning_DeleteOperationRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        _ = try await vizier.getOperation(request: .with { $0.name = request.name }, context: context)
        return Google_Protobuf_Empty()
    }

    public func cancelOperation(request: Google_Longrunning_CancelOperationRequest, context: ServerContext) async throws -> Google_Protobuf_Empty {
        _ = try await vizier.getOperation(request: .with { $0.name = request.name }, context: context)
        return Google_Protobuf_Empty()
    }

    public func waitOperation(request: Google_Longrunning_WaitOperationRequest, context: ServerContext) async throws -> Google_Longrunning_Operation {
        try await vizier.getOperation(request: .with { $0.name = request.name }, context: context)
    }
}
