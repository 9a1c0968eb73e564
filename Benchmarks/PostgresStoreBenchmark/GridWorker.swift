import AugurCore
import AugurStorage
import Foundation

/// One worker process of a grid study: asks for a trial, "runs" it, reports it, until the study completes.
enum GridWorker {
    static func run(url: String, study: String, worker: String) async throws -> Int {
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        var finished = 0
        while true {
            let trials = try await store.assignTrials(study: study, worker: worker, leaseExpiresAt: nil, history: .parameters) {
                GridPlanner.plan($0, want: 1)
            }
            if trials.isEmpty {
                guard try await store.study(named: study)?.state == .active else { return finished }
                // Every slot is taken by other workers: poll again shortly.
                try await Task.sleep(for: .milliseconds(2))
                continue
            }
            for trial in trials {
                let cell = trial.parameters["cell"]?.doubleValue ?? 0
                _ = try await store.finishTrial(study: study, trial: trial.id, state: .completed,
                                                finalMeasurement: TrialMeasurement(metrics: ["loss": cell]), reason: nil)
                finished += 1
            }
        }
    }
}
