import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import Testing

/// What many concurrent clients saw: trials held at once, and every hand-out and completion.
actor Ledger {
    private(set) var running: Set<Int> = []
    private(set) var maximumRunning = 0
    private(set) var completed: [Int] = []
    private(set) var violations: [String] = []
    private var generation = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func started(_ trial: Int, by client: String) {
        if !running.insert(trial).inserted { violations.append("trial \(trial) handed to \(client) while another client runs it") }
        if completed.contains(trial) { violations.append("trial \(trial) handed to \(client) after it was completed") }
        maximumRunning = max(maximumRunning, running.count)
    }

    /// The client is about to complete `trial`: it no longer counts as running here (the server still counts it until
    /// the completion commits, so this count never exceeds the server's).
    func finishing(_ trial: Int) {
        running.remove(trial)
    }

    func finished(_ trial: Int) {
        completed.append(trial)
        generation += 1
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }

    var currentGeneration: Int { generation }

    /// Suspends until some trial finishes after `seen` (a client with nothing to do waits for room, without sleeping).
    func waitForProgress(after seen: Int) async {
        if generation != seen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func wakeEveryone() {
        generation += 1
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }
}

/// Runs `clientCount` tasks, each its own client id, spread over `addresses`, until the study is no longer ACTIVE.
func runConcurrentClients(addresses: [ListenAddress], clientCount: Int, study: String) async throws -> Ledger {
    let ledger = Ledger()
    try await withThrowingTaskGroup(of: Void.self) { outer in
        for (index, address) in addresses.enumerated() {
            outer.addTask {
                try await withClient(address) { client in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for number in stride(from: index, to: clientCount, by: addresses.count) {
                            group.addTask {
                                let me = "client-\(number)"
                                while true {
                                    let seen = await ledger.currentGeneration
                                    guard let trial = try await client.suggestTrials(study: study, client: me, count: 1).first else {
                                        if try await client.getStudy(study).state != .active {
                                            await ledger.wakeEveryone()
                                            return
                                        }
                                        await ledger.waitForProgress(after: seen)
                                        continue
                                    }
                                    await ledger.started(trial.id, by: me)
                                    _ = try await client.addMeasurement(study: study, trial: trial.id,
                                                                        measurement: TrialMeasurement(step: 1, metrics: ["loss": syntheticLoss(trial) + 1]))
                                    await ledger.finishing(trial.id)
                                    try await client.completeTrial(study: study, trial: trial.id,
                                                                   .measurement(TrialMeasurement(step: 2, metrics: ["loss": syntheticLoss(trial)])))
                                    await ledger.finished(trial.id)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
            }
        }
        try await outer.waitForAll()
    }
    return ledger
}

@Suite struct ConcurrencyTests {
    @Test func manyClientsNeverExceedTheParallelLimitOrShareATrial() async throws {
        try await withTestServer(store: try SQLiteStudyStore(path: ":memory:")) { address, service in
            _ = try await service.createStudy(.rpcStudy(name: "crowd", maxTrials: 60, parallel: 5))
            let ledger = try await runConcurrentClients(addresses: [address, address], clientCount: 24, study: "crowd")
            #expect(await ledger.violations == [])
            #expect(await ledger.maximumRunning <= 5)
            #expect(await ledger.completed.sorted() == Array(1...60))
            let counts = try await service.trialCounts(study: "crowd")
            #expect(counts.completed == 60 && counts.total == 60)
            #expect(try await service.getStudy("crowd").state == .completed)
        }
    }

    @Test func twoServersOnOneDatabaseShareTheWork() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-rpc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("studies.sqlite").path
        let first = try SQLiteStudyStore(path: path)
        let second = try SQLiteStudyStore(path: path)
        try await withTestServer(store: first) { one, service in
            try await withTestServer(store: second) { two, _ in
                _ = try await service.createStudy(.rpcStudy(name: "shared", maxTrials: 40, parallel: 4))
                let ledger = try await runConcurrentClients(addresses: [one, two], clientCount: 12, study: "shared")
                #expect(await ledger.violations == [])
                #expect(await ledger.maximumRunning <= 4)
                #expect(await ledger.completed.sorted() == Array(1...40))
            }
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"] != nil, "set AUGUR_TEST_POSTGRES_URL to run against PostgreSQL"))
    func serverOnPostgreSQL() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"])
        let name = "rpc-pg-\(UInt32.random(in: 0...UInt32.max))"
        try await withTestServer(store: try StudyStores.open(url)) { one, service in
            try await withTestServer(store: try StudyStores.open(url)) { two, _ in
                _ = try await service.createStudy(.rpcStudy(name: name, maxTrials: 30, parallel: 4))
                let ledger = try await runConcurrentClients(addresses: [one, two], clientCount: 8, study: name)
                #expect(await ledger.violations == [])
                #expect(await ledger.maximumRunning <= 4)
                #expect(await ledger.completed.sorted() == Array(1...30))
                try await service.deleteStudy(name)
            }
        }
    }
}
