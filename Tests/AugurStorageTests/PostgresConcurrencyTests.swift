import AugurCore
@testable import AugurStorage
import AugurTestSupport
import Foundation
import Synchronization
import Testing

/// Many writers on one study: tasks sharing stores, and separate processes.
@Suite("PostgreSQL concurrency", .enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresConcurrencyTests {
    /// What every writer of a grid study must together guarantee, read back from the rows.
    static func expectGridStudyCompleted(url: String, study: String, cells: Int, parallel: Int) async throws {
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        let trials = try await store.trials(study: study, query: TrialQuery(includeMeasurements: false))
        #expect(trials.count == cells, "exactly the budget of trials was created")
        #expect(trials.allSatisfy { $0.state == .completed }, "every trial completed")
        let handedOut = trials.compactMap { $0.parameters["cell"]?.doubleValue.map { Int($0) } }
        #expect(Set(handedOut) == Set(0..<cells) && handedOut.count == cells, "no grid cell twice, none missing")
        #expect(try await store.study(named: study)?.state == .completed)
        #expect(maximumOverlap(trials) <= parallel, "never more than \(parallel) trials ACTIVE at once")
    }

    /// The most `[startedAt, endedAt]` intervals that overlap at one instant (ends before starts on ties). Both ends
    /// are the server's clock: a start is stamped after the planner's snapshot, an end before its commit.
    static func maximumOverlap(_ trials: [Trial]) -> Int {
        var events: [(time: Date, delta: Int)] = []
        for trial in trials {
            guard let start = trial.startedAt, let end = trial.endedAt else { continue }
            events.append((start, 1))
            events.append((end, -1))
        }
        events.sort { $0.time == $1.time ? $0.delta < $1.delta : $0.time < $1.time }
        var current = 0
        var maximum = 0
        for event in events {
            current += event.delta
            maximum = max(maximum, current)
        }
        return maximum
    }

    @Test func manyTasksOnOneStudyKeepBudgetGridAndParallelLimit() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("tasks")
        let cells = 120
        let parallel = 5
        let stores = try (0..<4).map { _ in try PostgresStudyStore(url: url, poolSize: 4) }
        _ = try await stores[0].createStudy(GridStudy.spec(name: "grid", cells: cells, parallel: parallel))
        let held = HeldTrials()
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<16 {
                let store = stores[worker % stores.count]
                group.addTask {
                    try await GridStudy.work(store: store, study: "grid", worker: "task-\(worker)", held: held.change)
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(finished == cells)
        #expect(held.maximum <= parallel)
        try await Self.expectGridStudyCompleted(url: url, study: "grid", cells: cells, parallel: parallel)
    }

    @Test func severalProcessesOnOneStudyKeepBudgetGridAndParallelLimit() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("PostgresStoreBenchmark")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path),
                     "build the worker first: swift build --product PostgresStoreBenchmark (looked for \(executable.path))")
        let url = try PostgresTestDatabase.makeIsolatedURL("processes")
        let cells = 80
        let parallel = 3
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        _ = try await store.createStudy(GridStudy.spec(name: "grid", cells: cells, parallel: parallel))
        let processes = (0..<4).map { index in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["worker", url, "grid", "process-\(index)"]
            return process
        }
        // The four run at once, each reaped on a thread of its own (``ChildProcess``), not on the cooperative pool.
        var outputs: [String] = []
        for output in try await ChildProcess.runAll(processes, bound: 300) {
            outputs.append(output.text)
            #expect(output.status == 0, "worker output: \(output.text)")
        }
        let perProcess = outputs.compactMap { $0.split(separator: " ").dropFirst(3).first.flatMap { Int($0) } }
        #expect(perProcess.reduce(0, +) == cells, "the processes together finished exactly the budget: \(outputs)")
        try await Self.expectGridStudyCompleted(url: url, study: "grid", cells: cells, parallel: parallel)
    }
}

/// How many trials the workers of one process hold at once, and the most they ever held.
final class HeldTrials: Sendable {
    private let counts = Mutex((current: 0, maximum: 0))

    var maximum: Int { counts.withLock { $0.maximum } }

    func change(_ delta: Int) {
        counts.withLock { counts in
            counts.current += delta
            counts.maximum = max(counts.maximum, counts.current)
        }
    }
}

/// The grid study the concurrency and restart tests run: one integer parameter `cell`, planned like Augur's grid
/// search (the lowest cells not yet created, within the parallel limit and the budget). The same logic runs in the
/// `PostgresStoreBenchmark worker` processes.
enum GridStudy {
    static func spec(name: String, cells: Int, parallel: Int) -> StudySpec {
        StudySpec(
            name: name, searchSpace: SearchSpace([.integer("cell", min: 0, max: cells - 1)]),
            objective: Objective(metric: "loss", goal: .minimize), algorithm: .grid,
            budget: Budget(maxTrials: cells, parallelTrials: parallel), seed: 1)
    }

    static func plan(_ snapshot: StudySnapshot) -> AssignmentPlan {
        let budget = snapshot.study.spec.budget
        guard snapshot.study.state == .active else { return AssignmentPlan() }
        if snapshot.counts.ended >= budget.maxTrials {
            return AssignmentPlan(studyState: (.completed, "budget of \(budget.maxTrials) trials spent"))
        }
        let room = min(1, budget.parallelTrials - snapshot.counts.active, budget.maxTrials - snapshot.counts.total)
        guard room > 0 else { return AssignmentPlan() }
        let cells = snapshot.study.spec.searchSpace.parameters.first?.cardinality ?? 0
        let used = Set(snapshot.history.compactMap { $0.parameters["cell"]?.doubleValue.map { Int($0) } })
        return AssignmentPlan(create: (0..<cells).lazy.filter { used.contains($0) == false }.prefix(room).map { ["cell": .integer($0)] })
    }

    /// Asks for trials and completes them until the study completes; `held` hears +1 when a trial is handed over
    /// and −1 just before it is reported. Returns how many trials this worker finished.
    static func work(store: any StudyStore, study: String, worker: String, held: @Sendable (Int) -> Void = { _ in },
                     afterFinish: @Sendable () -> Void = {}) async throws -> Int {
        var finished = 0
        while true {
            let trials = try await store.assignTrials(study: study, worker: worker, leaseExpiresAt: nil, history: .parameters, planner: plan)
            if trials.isEmpty {
                guard try await store.study(named: study)?.state == .active else { return finished }
                await Task.yield()
                continue
            }
            for trial in trials {
                held(1)
                await Task.yield()  // "runs" the trial
                held(-1)
                _ = try await store.finishTrial(study: study, trial: trial.id, state: .completed,
                                                finalMeasurement: TrialMeasurement(metrics: ["loss": trial.parameters["cell"]?.doubleValue ?? 0]),
                                                reason: nil)
                finished += 1
                afterFinish()
            }
        }
    }
}
