import AugurCore
import AugurStorage
import Foundation

/// End-to-end trials per second: each client asks for one trial (random search, planned under the study lock),
/// reports it completed with a trivial objective, and repeats until the budget is spent. Clients are separate
/// stores with one connection each, as separate `augur run` processes would be.
enum ThroughputBenchmark {
    static func spec(name: String, trials: Int, parallel: Int) -> StudySpec {
        StudySpec(
            name: name,
            searchSpace: SearchSpace([
                .double("lr", min: 1e-5, max: 1, scale: .log), .integer("units", min: 16, max: 512), .categorical("opt", ["adam", "sgd", "rmsprop"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize),
            budget: Budget(maxTrials: trials, parallelTrials: parallel), seed: 42)
    }

    /// Random search as a planner: the n-th trial's point comes from its own seeded stream.
    static func plan(_ snapshot: StudySnapshot) -> AssignmentPlan {
        let spec = snapshot.study.spec
        guard snapshot.study.state == .active else { return AssignmentPlan() }
        if snapshot.counts.ended >= spec.budget.maxTrials {
            return AssignmentPlan(studyState: (.completed, "budget spent"))
        }
        guard snapshot.counts.active < spec.budget.parallelTrials, snapshot.counts.total < spec.budget.maxTrials else {
            return AssignmentPlan()
        }
        var generator = SeededGenerator(seed: spec.seed, stream: UInt64(snapshot.counts.total))
        let unit = spec.searchSpace.parameters.map { _ in generator.nextUnit() }
        return AssignmentPlan(create: [spec.searchSpace.assignment(atUnit: unit)])
    }

    static func objective(_ parameters: ParameterAssignment) -> Double {
        let lr = parameters["lr"]?.doubleValue ?? 1
        return (log10(lr) + 3) * (log10(lr) + 3) + Double(parameters["units"]?.doubleValue ?? 0) / 1000
    }

    static func run(url: String, clientCounts: [Int]) async throws {
        print("PostgreSQL store throughput: random search + complete, trivial objective, one connection per client")
        print("clients  trials  seconds  trials/s")
        let stamp = Int(Date().timeIntervalSince1970)
        for clients in clientCounts {
            let trials = clients == 1 ? 2_000 : 5_000
            let name = "throughput-\(clients)-\(stamp)"
            let admin = try PostgresStudyStore(url: url, poolSize: 1)
            _ = try await admin.createStudy(spec(name: name, trials: trials, parallel: clients))
            var stores: [PostgresStudyStore] = []
            for _ in 0..<clients { stores.append(try PostgresStudyStore(url: url, poolSize: 1)) }
            let clock = ContinuousClock()
            let start = clock.now
            let finished = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask { try await client(store: store, study: name, worker: "client-\(index)") }
                }
                return try await group.reduce(0, +)
            }
            let seconds = (clock.now - start) / .seconds(1)
            let counts = try await admin.trialCounts(study: name)
            guard finished == trials, counts.completed == trials else {
                print("error: \(finished) trials finished, \(counts.completed) completed, expected \(trials)")
                exit(1)
            }
            print(String(format: "%7d  %6d  %7.2f  %8.0f", clients, trials, seconds, Double(trials) / seconds))
            try await admin.deleteStudy(named: name)
        }
    }

    private static func client(store: PostgresStudyStore, study: String, worker: String) async throws -> Int {
        var finished = 0
        while true {
            let trials = try await store.assignTrials(study: study, worker: worker, leaseExpiresAt: nil, history: .countsOnly, planner: plan)
            if trials.isEmpty {
                guard try await store.study(named: study)?.state == .active else { return finished }
                await Task.yield()
                continue
            }
            for trial in trials {
                _ = try await store.finishTrial(study: study, trial: trial.id, state: .completed,
                                                finalMeasurement: TrialMeasurement(metrics: ["loss": objective(trial.parameters)]), reason: nil)
                finished += 1
            }
        }
    }
}
