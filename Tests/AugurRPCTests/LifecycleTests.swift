import AugurAlgorithms
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

@Suite struct LifecycleTests {
    @Test func fullStudyLifecycleOverLoopback() async throws {
        try await withTestServer(store: try SQLiteStudyStore(path: ":memory:")) { address, _ in
            try await withClient(address) { client in
                let spec = StudySpec.rpcStudy(maxTrials: 4, parallel: 2)
                let created = try await client.createStudy(spec)
                #expect(created.spec == spec)
                #expect(created.state == .active)
                #expect(try await client.getStudy("rpc").spec == spec)
                #expect(try await client.listStudies().map(\.name) == ["rpc"])

                var completed: [Int] = []
                while true {
                    let trials = try await client.suggestTrials(study: "rpc", client: "worker-1", count: 2)
                    if trials.isEmpty { break }
                    for trial in trials {
                        #expect(trial.state == .active)
                        #expect(trial.worker == "worker-1")
                        #expect(spec.searchSpace.isValid(trial.parameters), "suggested \(trial.parameters)")
                        let loss = syntheticLoss(trial)
                        for step in 1...3 {
                            let decision = try await client.addMeasurement(
                                study: "rpc", trial: trial.id,
                                measurement: TrialMeasurement(step: step, elapsedSeconds: Double(step), metrics: ["loss": loss + 1 / Double(step), "accuracy": 0.5]))
                            #expect(decision == .keepRunning)
                        }
                        try await client.heartbeat(study: "rpc", trial: trial.id, client: "worker-1")
                        let finished = try await client.completeTrial(study: "rpc", trial: trial.id, .measurement(nil))
                        #expect(finished.state == .completed)
                        #expect(finished.finalMeasurement?.metrics["loss"] == loss + 1.0 / 3)
                        completed.append(trial.id)
                    }
                }
                #expect(completed == [1, 2, 3, 4])
                let study = try await client.getStudy("rpc")
                #expect(study.state == .completed)
                #expect(study.stateReason == "budget of 4 trials spent")

                let trials = try await client.trials(study: "rpc", includeMeasurements: true)
                #expect(trials.count == 4)
                #expect(trials.allSatisfy { $0.measurements.count == 3 && $0.state == .completed })
                let paged = try await client.trials(study: "rpc", states: [.completed], pageSize: 3)
                #expect(paged.map(\.id) == [1, 2, 3, 4])
                #expect(try await client.trials(study: "rpc", states: [.failed]).isEmpty)

                let best = try #require(try await client.optimalTrials(study: "rpc").first)
                let bestLoss = trials.compactMap { $0.finalValue(of: "loss") }.min()
                #expect(best.finalValue(of: "loss") == bestLoss)
                #expect(try await client.trial(study: "rpc", id: best.id).parameters == best.parameters)

                try await client.deleteStudy("rpc")
                #expect(try await client.listStudies().isEmpty)
            }
        }
    }

    @Test func integerAndCategoricalParametersKeepTheirTypes() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, service in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy())
                let trial = try #require(try await client.suggestTrials(study: "rpc", client: "w", count: 1).first)
                let stored = try await service.trial(study: "rpc", id: trial.id)
                #expect(trial.parameters == stored.parameters)
                guard case .integer = trial.parameters["layers"] else {
                    Issue.record("layers came back as \(String(describing: trial.parameters["layers"]))")
                    return
                }
            }
        }
    }

    @Test func infeasibleFailedAndStoppedTrials() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy(maxTrials: 3, parallel: 3))
                let trials = try await client.suggestTrials(study: "rpc", client: "w", count: 3)
                #expect(trials.count == 3)
                let infeasible = try await client.completeTrial(study: "rpc", trial: trials[0].id, .infeasible(reason: "diverged"))
                #expect(infeasible.state == .infeasible)
                #expect(infeasible.statusReason == "diverged")
                let failed = try await client.failTrial(study: "rpc", trial: trials[1].id, reason: "exit status 1")
                #expect(failed.state == .failed)
                _ = try await client.addMeasurement(study: "rpc", trial: trials[2].id, measurement: TrialMeasurement(step: 1, metrics: ["loss": 0.5]))
                let stopped = try await client.stopTrial(study: "rpc", trial: trials[2].id, reason: "enough")
                #expect(stopped.state == .stopped)
                #expect(stopped.finalMeasurement?.metrics["loss"] == 0.5)
                #expect(try await client.getStudy("rpc").state == .completed)
            }
        }
    }

    @Test func retriedSuggestionReturnsTheClientsActiveTrials() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy(maxTrials: 10, parallel: 4))
                let first = try await client.suggestTrials(study: "rpc", client: "a", count: 2)
                let retried = try await client.suggestTrials(study: "rpc", client: "a", count: 2)
                #expect(first.map(\.id) == [1, 2])
                #expect(retried.map(\.id) == [1, 2])
                #expect(retried.map(\.parameters) == first.map(\.parameters))
                let other = try await client.suggestTrials(study: "rpc", client: "b", count: 2)
                #expect(other.map(\.id) == [3, 4])
                #expect(try await client.suggestTrials(study: "rpc", client: "c", count: 1).isEmpty, "the parallel limit of 4 is reached")
            }
        }
    }

    @Test func expiredLeaseHandsTheTrialToAnotherClientAsARetry() async throws {
        let store = InMemoryStudyStore()
        try await withTestServer(store: store, leaseDuration: 30) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy(maxTrials: 1, parallel: 1))
                let held = try #require(try await client.suggestTrials(study: "rpc", client: "dead-worker", count: 1).first)
                #expect(try await client.suggestTrials(study: "rpc", client: "live-worker", count: 1).isEmpty)
                // Far beyond the lease, whatever time the set-up took (the service stamps leases with the wall clock).
                await store.advanceClock(by: 600)
                let retried = try #require(try await client.suggestTrials(study: "rpc", client: "live-worker", count: 1).first)
                #expect(retried.id == held.id)
                #expect(retried.parameters == held.parameters)
                #expect(retried.retryCount == 1)
                #expect(retried.worker == "live-worker")
                let heartbeatOfDead = await #expect(throws: ServiceError.self) {
                    try await client.heartbeat(study: "rpc", trial: held.id, client: "dead-worker")
                }
                if heartbeatOfDead?.kind == .failedPrecondition {} else { Issue.record("expected FAILED_PRECONDITION, got \(String(describing: heartbeatOfDead))") }
                try await client.completeTrial(study: "rpc", trial: retried.id, .measurement(TrialMeasurement(metrics: ["loss": 1])))
                #expect(try await client.getStudy("rpc").state == .completed)
            }
        }
    }

    @Test func earlyStoppingRecommendationReachesTheClient() async throws {
        let rule = EarlyStoppingSpec.median(MedianStoppingSettings(minTrialsRequired: 2, startStep: 1))
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                _ = try await client.createStudy(.rpcStudy(maxTrials: 3, parallel: 3, earlyStopping: rule))
                let trials = try await client.suggestTrials(study: "rpc", client: "w", count: 3)
                for (index, trial) in trials.prefix(2).enumerated() {
                    for step in 1...3 {
                        _ = try await client.addMeasurement(study: "rpc", trial: trial.id, measurement: TrialMeasurement(step: step, metrics: ["loss": Double(index)]))
                    }
                    try await client.completeTrial(study: "rpc", trial: trial.id, .measurement(nil))
                }
                let bad = trials[2]
                let decision = try await client.addMeasurement(study: "rpc", trial: bad.id, measurement: TrialMeasurement(step: 2, metrics: ["loss": 100]))
                #expect(decision.shouldStop)
                #expect(try await client.checkEarlyStopping(study: "rpc", trial: bad.id).shouldStop)
                #expect(try await client.trial(study: "rpc", id: bad.id).state == .active, "a recommendation does not change the stored state")
            }
        }
    }
}
