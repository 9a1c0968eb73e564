import AugurAlgorithms
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import SwiftProtobuf
import Testing

/// Stops every trial that reached step 2: a policy no factory builds, so an answer that follows it can only come
/// from the service's injected policies.
private struct StopAtStepTwo: StoppingPolicy {
    var historyScope: StoppingHistoryScope { .progressingTrials }

    func decide(for trial: Trial, among trials: [Trial], objective: Objective) -> StoppingDecision {
        (trial.measurements.last?.step ?? 0) >= 2 ? .stop(because: "step 2 reached") : .keepRunning
    }
}

/// The gRPC front end decides nothing itself: its answers are the service's.
@Suite struct OneDoorTests {
    @Test func checkTrialEarlyStoppingStateUsesTheServicesPolicies() async throws {
        try await withTestServer(store: InMemoryStudyStore(), stoppingPolicies: { _ in StopAtStepTwo() }) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy(earlyStopping: .median(MedianStoppingSettings())))
                let trials = try await client.suggestTrials(study: "rpc", client: "w", count: 2)
                #expect(trials.count == 2)
                let running = trials[0].id, other = trials[1].id
                #expect(try await client.addMeasurement(study: "rpc", trial: running, measurement: TrialMeasurement(step: 1, metrics: ["loss": 1])) == .keepRunning)
                #expect(try await client.checkEarlyStopping(study: "rpc", trial: running) == .keepRunning)
                let decision = try await client.addMeasurement(study: "rpc", trial: running, measurement: TrialMeasurement(step: 2, metrics: ["loss": 1]))
                #expect(decision == .stop(because: "step 2 reached"))
                #expect(try await client.checkEarlyStopping(study: "rpc", trial: running) == .stop(because: "step 2 reached"))
                // A trial stopped by a client: its worker is told to stop, with the reason.
                try await client.stopTrial(study: "rpc", trial: other, reason: "enough")
                #expect(try await client.checkEarlyStopping(study: "rpc", trial: other) == .stop(because: "enough"))
            }
        }
    }

    @Test func aWorkersObservationsReachTheServiceWhichComputesTheFinalMeasurement() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy())
                let trial = try #require(try await client.suggestTrials(study: "rpc", client: "w", count: 1).first)
                try await client.addMeasurement(study: "rpc", trial: trial.id, measurement: TrialMeasurement(step: 1, metrics: ["loss": 3, "accuracy": 0.9]))
                let unreported = [TrialMeasurement(step: 1, metrics: ["loss": 2, "accuracy": 0.5])]
                let finished = try await client.completeTrial(study: "rpc", trial: trial.id, .observed(unreported, elapsedSeconds: 4))
                // loss takes the latest value, accuracy (strategy max) the largest; the elapsed time is the worker's.
                #expect(finished.finalMeasurement == TrialMeasurement(step: 1, elapsedSeconds: 4, metrics: ["loss": 2, "accuracy": 0.9]))
            }
        }
    }

    @Test func aTakenStudyNameIsAlreadyExistsOnTheWireAndInTheClient() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy())
                let refusal = await #expect(throws: ServiceError.self) { try await client.createStudy(.rpcStudy()) }
                #expect(refusal?.kind == .alreadyExists)
            }
        }
    }

    /// Katib's metric names with spaces (`valid_1 auc`) and its trial-metadata references travel over the wire
    /// unchanged, and the service computes the final measurement under the spaced name.
    @Test func katibMetricNamesAndTrialMetadataTravelOverTheWire() async throws {
        var katib = StudySpec.rpcStudy()
        katib.objective = Objective(metric: "valid_1 auc", goal: .maximize, additionalMetrics: [MetricSpec(name: "training auc")])
        katib.trial = .command(CommandTrial(
            argv: ["/bin/echo", "${trialParameters.trialName}"],
            parameterReferences: ["trialName": TrialParameterReference.trialName.encoded,
                                  "namespace": TrialParameterReference.text("kubeflow").encoded]))
        let spec = katib
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                let created = try await client.createStudy(spec)
                #expect(created.spec == spec)
                #expect(try await client.getStudy("rpc").spec == spec)
                let trial = try #require(try await client.suggestTrials(study: "rpc", client: "w", count: 1).first)
                let finished = try await client.completeTrial(
                    study: "rpc", trial: trial.id, .measurement(TrialMeasurement(metrics: ["valid_1 auc": 0.8, "training auc": 0.9])))
                #expect(finished.finalMeasurement?.metrics["valid_1 auc"] == 0.8)
                #expect(try await client.trials(study: "rpc").first?.finalMeasurement?.metrics["training auc"] == 0.9)
            }
        }
    }

    @Test func aSuggestionOverTheWireCarriesTheStudy() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                let created = try await client.createStudy(.rpcStudy(maxTrials: 1))
                let suggestion = try await client.suggest(study: "rpc", client: "w", count: 1)
                #expect(suggestion.study.spec == created.spec)
                let trial = try #require(suggestion.trials.first)
                try await client.completeTrial(study: "rpc", trial: trial.id, .measurement(TrialMeasurement(metrics: ["loss": 1])))
                #expect(try await client.suggest(study: "rpc", client: "w", count: 1).study.state == .completed)
            }
        }
    }

    /// A parameter's distribution is part of the spec on the wire, as in a spec file: a study created over gRPC with
    /// a log-normal and a normal parameter (the field set on the message, as any client sets it) is stored with them,
    /// and its clients read them back.
    @Test func normalDistributionsSentOverTheWireAreStored() async throws {
        let store = InMemoryStudyStore()
        var expected = StudySpec.rpcStudy()
        expected.searchSpace.parameters[0].distribution = .normal
        expected.searchSpace.parameters[1].distribution = .normal
        let spec = expected
        try await withTestServer(store: store) { address, _ in
            try await withRawStub(address) { stub, _ in
                _ = try await stub.createStudy(.with {
                    $0.study.displayName = "rpc"
                    $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy())
                    $0.study.studySpec.parameters[0].distribution = .normal
                    $0.study.studySpec.parameters[1].distribution = .normal
                })
            }
            try await withClient(address) { client in
                let read = try await client.getStudy("rpc")
                #expect(read.spec == spec)
            }
        }
        let stored = try #require(await store.study(named: "rpc"))
        #expect(stored.spec.searchSpace.parameters.map(\.distribution) == [.normal, .normal, .uniform])
        #expect(stored.spec == spec)
    }
}
