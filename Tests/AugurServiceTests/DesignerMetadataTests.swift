import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// A designer that counts like `CountingDesigner` and explains each trial with one metadata entry.
private struct ExplainingDesigner: Designer {
    var historyScope: HistoryScope { .countsOnly }

    func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        try propose(request).map(\.parameters)
    }

    func propose(_ request: DesignRequest) throws -> [DesignProposal] {
        (request.trialCount..<(request.trialCount + request.count)).map { index in
            DesignProposal(parameters: ["x": .integer(index)],
                          metadata: [MetadataEntry(namespace: "test", key: "why", value: .text("number \(index)"))])
        }
    }
}

/// The service writes what a designer says about its proposals (`DesignProposal.metadata`) on the trials it creates.
@Suite struct DesignerMetadataTests {
    @Test(arguments: StoreKind.allCases) func proposedMetadataIsWrittenOnTheNewTrials(kind: StoreKind) async throws {
        let service = StudyService(store: try kind.make(), designers: { _ in ExplainingDesigner() }, leaseDuration: 60, retryLimit: 2,
                                   isWorkerGone: { _ in false })
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 3))
        let trials = try await service.suggestTrials(study: "test", client: "a", count: 2)
        #expect(trials.map(\.id) == [1, 2])
        // A trial handed out again (already held) is not explained twice; a new one is.
        let more = try await service.suggestTrials(study: "test", client: "a", count: 3)
        #expect(more.map(\.id) == [1, 2, 3])
        let metadata = try await service.metadata(study: "test")
        for id in 1...3 {
            #expect(metadata.entries(ofTrial: id) == [MetadataEntry(namespace: "test", key: "why", value: .text("number \(id - 1)"))])
        }
        #expect(metadata.study.isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func designersWithoutMetadataWriteNone(kind: StoreKind) async throws {
        let service = StudyService(store: try kind.make(), designers: { _ in CountingDesigner() }, leaseDuration: 60, retryLimit: 2,
                                   isWorkerGone: { _ in false })
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 3))
        _ = try await service.suggestTrials(study: "test", client: "a", count: 3)
        #expect(try await service.metadata(study: "test").trials.isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func gaussianProcessTrialsExplainThemselves(kind: StoreKind) async throws {
        let service = StudyService(store: try kind.make(), leaseDuration: 60, retryLimit: 2, isWorkerGone: { _ in false })
        let spec = StudySpec.testStudy(maxTrials: 12, parallel: 1, algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 4)))
        _ = try await service.createStudy(spec)
        for _ in 0..<6 {
            let trial = try #require(try await service.suggestTrials(study: "test", client: "a", count: 1).first)
            let x = try #require(trial.parameters["x"]?.doubleValue)
            try await service.completeTrial(study: "test", trial: trial.id, .measurement(TrialMeasurement(metrics: ["loss": (x - 300) * (x - 300)])))
        }
        let metadata = try await service.metadata(study: "test")
        func fields(_ id: Int) -> [String: String] {
            Dictionary(uniqueKeysWithValues: metadata.entries(ofTrial: id).compactMap { entry -> (String, String)? in
                guard entry.namespace == "augur.gp", case .text(let text) = entry.value else { return nil }
                return (entry.key, text)
            })
        }
        for id in 1...4 { #expect(fields(id)["source"] == "initial design") }
        for id in 5...6 {
            #expect(fields(id)["source"] == "model")
            #expect(fields(id)["acquisition"] == "logei")
            #expect(fields(id)["predicted_mean"].flatMap(Double.init) != nil)
            #expect(fields(id)["predicted_stddev"].flatMap(Double.init) != nil)
        }
    }
}

/// An in-memory store whose metadata writes fail, as a database that went away after the assignment would.
private final class MetadataRefusingStore: StudyStore {
    struct Refused: Error {}
    let inner = InMemoryStudyStore()

    func updateMetadata(study: String, updates: [MetadataUpdate]) async throws { throw Refused() }

    func createStudy(_ spec: StudySpec) async throws -> Study { try await inner.createStudy(spec) }
    func study(named name: String) async throws -> Study? { await inner.study(named: name) }
    func studySummaries() async throws -> [StudySummary] { await inner.studySummaries() }
    func deleteStudy(named name: String) async throws { try await inner.deleteStudy(named: name) }
    func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws {
        try await inner.setStudyState(name, to: state, reason: reason)
    }
    func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study { try await inner.setStudyBudget(name, to: budget) }
    func assignTrials(study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
                      planner: @Sendable (StudySnapshot) throws -> AssignmentPlan) async throws -> [Trial] {
        try await inner.assignTrials(study: study, worker: worker, leaseExpiresAt: leaseExpiresAt, history: history, planner: planner)
    }
    func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial {
        try await inner.requestTrial(study: study, parameters: parameters)
    }
    func trial(study: String, id: Int) async throws -> Trial? { try await inner.trial(study: study, id: id) }
    func trials(study: String, query: TrialQuery) async throws -> [Trial] { try await inner.trials(study: study, query: query) }
    func trialCounts(study: String) async throws -> TrialCounts { try await inner.trialCounts(study: study) }
    func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws {
        try await inner.addMeasurement(study: study, trial: trial, measurement: measurement, leaseExpiresAt: leaseExpiresAt)
    }
    func renewLease(study: String, trial: Int, worker: String, until: Date) async throws {
        try await inner.renewLease(study: study, trial: trial, worker: worker, until: until)
    }
    func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial {
        try await inner.finishTrial(study: study, trial: trial, state: state, finalMeasurement: finalMeasurement, reason: reason)
    }
    func metadata(study: String) async throws -> StudyMetadata { try await inner.metadata(study: study) }
    func deleteTrial(study: String, trial: Int) async throws { try await inner.deleteTrial(study: study, trial: trial) }
}

/// `ExplainingDesigner` for a runner that needs what it records (as population-based training needs a parent).
private struct LineageDesigner: Designer {
    var historyScope: HistoryScope { .countsOnly }
    var recordsTrialMetadata: Bool { true }
    func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] { try ExplainingDesigner().suggest(request) }
    func propose(_ request: DesignRequest) throws -> [DesignProposal] { try ExplainingDesigner().propose(request) }
}

@Suite struct DesignerMetadataWriteFailureTests {
    @Test func anExplanationThatCannotBeWrittenIsLostButTheTrialsGoOut() async throws {
        let store = MetadataRefusingStore()
        let service = StudyService(store: store, designers: { _ in ExplainingDesigner() }, leaseDuration: 60, retryLimit: 2,
                                   isWorkerGone: { _ in false })
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 3))
        let trials = try await service.suggestTrials(study: "test", client: "a", count: 2)
        #expect(trials.map(\.id) == [1, 2])
        #expect(try await service.metadata(study: "test").entries(ofTrial: 1).isEmpty)
    }

    @Test func metadataARunnerNeedsFailsTheSuggestionWhenItCannotBeWritten() async throws {
        let service = StudyService(store: MetadataRefusingStore(), designers: { _ in LineageDesigner() }, leaseDuration: 60,
                                   retryLimit: 2, isWorkerGone: { _ in false })
        _ = try await service.createStudy(.testStudy(maxTrials: 10, parallel: 3))
        await #expect(throws: ServiceError.self) { _ = try await service.suggestTrials(study: "test", client: "a", count: 2) }
    }
}
