import AugurCore
import AugurStorage
import Foundation

/// The store-agnostic part of the benchmark: it drives any `StudyStore` through its public API only, so the same
/// figures can be taken for SQLite and PostgreSQL.
struct StoreBenchmarkRunner: Sendable {
    /// Opens one more connection (store) to the database under test; each client gets its own.
    var open: @Sendable () throws -> any StudyStore

    /// The spec of every benchmark study: four parameters of different types, `loss` minimized.
    static func spec(named name: String) -> StudySpec {
        StudySpec(
            name: name,
            searchSpace: SearchSpace([
                .double("learning_rate", min: 1e-5, max: 1, scale: .log),
                .integer("layers", min: 1, max: 12),
                .discrete("momentum", [0.5, 0.9, 0.99]),
                .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize, additionalMetrics: [MetricSpec(name: "accuracy")]),
            budget: Budget(maxTrials: 1_000_000, parallelTrials: 64))
    }

    /// A planner that creates one trial at a pseudo-random point (the n-th trial always gets the same point).
    static func createOne(_ snapshot: StudySnapshot) -> AssignmentPlan {
        AssignmentPlan(create: [point(number: snapshot.counts.total, in: snapshot.study.spec.searchSpace)])
    }

    static func point(number: Int, in space: SearchSpace) -> ParameterAssignment {
        var generator = SeededGenerator(seed: 2026, stream: UInt64(number))
        return space.assignment(atUnit: space.parameters.map { _ in generator.nextUnit() })
    }

    /// A final measurement whose loss depends on the parameters, so that rankings are not trivial.
    static func finalMeasurement(for trial: Trial) -> TrialMeasurement {
        var generator = SeededGenerator(seed: 7, stream: UInt64(trial.id))
        let learningRate = trial.parameters["learning_rate"]?.doubleValue ?? 0.01
        let loss = abs(log10(learningRate) + 2.5) + generator.nextUnit() * 0.1
        return TrialMeasurement(step: 10, elapsedSeconds: 1, metrics: ["loss": loss, "accuracy": 1 / (1 + loss)])
    }

    struct Throughput: Sendable {
        var clients: Int
        var trials: Int
        var seconds: Double
        var trialsPerSecond: Double { Double(trials) / seconds }
    }

    /// `clients` concurrent clients, each with its own store, each running `trialsPerClient` rounds of "assign one
    /// trial, finish it with a final measurement" on one shared study.
    func throughput(clients: Int, trialsPerClient: Int) async throws -> Throughput {
        let name = "bench-throughput-\(UUID().uuidString.prefix(8))"
        let setup = try open()
        _ = try await setup.createStudy(Self.spec(named: name))
        let stores = try (0..<clients).map { _ in try open() }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (client, store) in stores.enumerated() {
                group.addTask {
                    for _ in 0..<trialsPerClient {
                        let assigned = try await store.assignTrials(
                            study: name, worker: "client-\(client)", leaseExpiresAt: Date().addingTimeInterval(60), history: .countsOnly,
                            planner: Self.createOne)
                        for trial in assigned {
                            _ = try await store.finishTrial(
                                study: name, trial: trial.id, state: .completed, finalMeasurement: Self.finalMeasurement(for: trial), reason: nil)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = start.duration(to: clock.now)
        try await setup.deleteStudy(named: name)
        return Throughput(clients: clients, trials: clients * trialsPerClient, seconds: elapsed.seconds)
    }

    /// Fills a study with `trials` completed trials (batches of 500 per assignment), returning its name and the time
    /// the fill took.
    func populate(trials: Int) async throws -> (study: String, seconds: Double) {
        let name = "bench-queries-\(UUID().uuidString.prefix(8))"
        let store = try open()
        _ = try await store.createStudy(Self.spec(named: name))
        let clock = ContinuousClock()
        let start = clock.now
        var created = 0
        while created < trials {
            let batch = min(500, trials - created)
            let assigned = try await store.assignTrials(study: name, worker: "filler", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                AssignmentPlan(create: (0..<batch).map { Self.point(number: snapshot.counts.total + $0, in: snapshot.study.spec.searchSpace) })
            }
            for trial in assigned {
                _ = try await store.finishTrial(
                    study: name, trial: trial.id, state: .completed, finalMeasurement: Self.finalMeasurement(for: trial), reason: nil)
            }
            created += assigned.count
        }
        return (name, start.duration(to: clock.now).seconds)
    }

    struct Latency: Sendable {
        var name: String
        var samples: [Double]
        var median: Double { percentile(0.5) }
        var p95: Double { percentile(0.95) }

        private func percentile(_ fraction: Double) -> Double {
            let sorted = samples.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
        }
    }

    /// The latency of the everyday read queries on `study`, each repeated `repeats` times after one warm-up call.
    func queryLatencies(study: String, repeats: Int) async throws -> [Latency] {
        let store = try open()
        let queries: [(String, @Sendable (any StudyStore) async throws -> Void)] = [
            ("best trial (COMPLETED, by objective, limit 1)", { store in
                _ = try await store.trials(study: study, query: TrialQuery(states: [.completed], order: .objective, limit: 1))
            }),
            ("list trials (limit 100, by id)", { store in
                _ = try await store.trials(study: study, query: TrialQuery(limit: 100))
            }),
            ("list trials (limit 100, without measurements)", { store in
                _ = try await store.trials(study: study, query: TrialQuery(limit: 100, includeMeasurements: false))
            }),
            ("list trials (limit 100, by id, offset 50000)", { store in
                _ = try await store.trials(study: study, query: TrialQuery(limit: 100, offset: 50_000))
            }),
            ("top 100 trials (by objective)", { store in
                _ = try await store.trials(study: study, query: TrialQuery(order: .objective, limit: 100))
            }),
            ("trial counts", { store in
                _ = try await store.trialCounts(study: study)
            }),
            ("one trial by id", { store in
                _ = try await store.trial(study: study, id: 4_242)
            }),
        ]
        let clock = ContinuousClock()
        var results: [Latency] = []
        for (name, query) in queries {
            try await query(store)
            var samples: [Double] = []
            for _ in 0..<repeats {
                let start = clock.now
                try await query(store)
                samples.append(start.duration(to: clock.now).seconds * 1_000)
            }
            results.append(Latency(name: name, samples: samples))
        }
        return results
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
