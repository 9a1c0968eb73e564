import AugurCore
import AugurStorage
import Foundation

/// Latency of the queries behind `augur best` and `augur trials` on one large study.
enum LatencyBenchmark {
    static func run(url: String, trials: Int) async throws {
        let name = "latency-\(trials)-\(Int(Date().timeIntervalSince1970))"
        let store = try PostgresStudyStore(url: url, poolSize: 16)
        _ = try await store.createStudy(ThroughputBenchmark.spec(name: name, trials: trials, parallel: trials))
        let clock = ContinuousClock()
        let fillStart = clock.now
        var created = 0
        while created < trials {
            let batch = min(1_000, trials - created)
            let first = created
            let handed = try await store.assignTrials(study: name, worker: "filler", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                let space = snapshot.study.spec.searchSpace
                return AssignmentPlan(create: (first..<(first + batch)).map { index in
                    var generator = SeededGenerator(seed: 42, stream: UInt64(index))
                    return space.assignment(atUnit: space.parameters.map { _ in generator.nextUnit() })
                })
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<16 {
                    group.addTask {
                        for trial in handed.enumerated() where trial.offset % 16 == lane {
                            let trial = trial.element
                            // One in ten fails, so that state filters matter.
                            let failed = trial.id % 10 == 0
                            _ = try await store.finishTrial(
                                study: name, trial: trial.id, state: failed ? .failed : .completed,
                                finalMeasurement: failed ? nil : TrialMeasurement(metrics: ["loss": ThroughputBenchmark.objective(trial.parameters)]),
                                reason: failed ? "exit status 1" : nil)
                        }
                    }
                }
                try await group.waitForAll()
            }
            created += batch
        }
        print("PostgreSQL store query latency on a study of \(trials) trials (filled in \(String(format: "%.0f", (clock.now - fillStart) / .seconds(1))) s)")
        print("query                                              median ms   p95 ms")
        let queries: [(String, TrialQuery)] = [
            ("best trial (COMPLETED, by objective, limit 1)", TrialQuery(states: [.completed], order: .objective, limit: 1)),
            ("top 10 of every state by objective", TrialQuery(order: .objective, limit: 10)),
            ("list trials, first page of 100", TrialQuery(limit: 100)),
            ("list trials, page of 100 at offset 90,000", TrialQuery(limit: 100, offset: min(90_000, trials / 2))),
            ("failed trials, first 100", TrialQuery(states: [.failed], limit: 100)),
        ]
        for (label, query) in queries {
            try await measure(label) { _ = try await store.trials(study: name, query: query) }
        }
        try await measure("trial counts") { _ = try await store.trialCounts(study: name) }
        try await measure("one trial by id") { _ = try await store.trial(study: name, id: trials / 2) }
        try await store.deleteStudy(named: name)
    }

    private static func measure(_ label: String, _ body: () async throws -> Void) async throws {
        let clock = ContinuousClock()
        for _ in 0..<5 { try await body() }
        var samples: [Double] = []
        for _ in 0..<100 {
            let start = clock.now
            try await body()
            samples.append((clock.now - start) / .milliseconds(1))
        }
        samples.sort()
        let padded = label.padding(toLength: 50, withPad: " ", startingAt: 0)
        print(String(format: "%@ %9.2f %8.2f", padded, samples[samples.count / 2], samples[samples.count * 95 / 100]))
    }
}
