import AugurAlgorithms
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurWorkers
import Foundation
import Testing

/// A two-objective study with an outcome constraint and a conditional parameter, from a spec file to its Pareto
/// front: the trials are real commands that print their metrics, the designer is the GP bandit, and the store is
/// SQLite or PostgreSQL.
@Suite struct MultiObjectiveEndToEndTests {
    /// error = x and cost = (1 − x)² + y + z trade off along y = 0 in the plain mode; memory = 1 + y must stay at
    /// most 1.5. `z` exists only in the shifted mode (its reference is empty in a plain trial, which awk reads as 0).
    static func specText(name: String) -> String {
        """
        name: \(name)
        objective:
          metric: error
          goal: minimize
          additionalMetrics:
            - {name: cost, goal: minimize}
            - {name: memory, atMost: 1.5}
          referencePoint: [1.2, 2.5]
        parameters:
          - {name: x, type: double, min: 0, max: 1}
          - {name: y, type: double, min: 0, max: 1}
          - {name: mode, type: categorical, values: [plain, shifted]}
          - {name: z, type: double, min: 0.1, max: 1, when: {mode: [shifted]}}
        algorithm: {name: gp, settings: {initialTrials: 4}}
        budget: {maxTrials: 10, parallelTrials: 2}
        seed: 5
        trial:
          command:
            - awk
            - 'BEGIN { x = ${parameters.x}; y = ${parameters.y}; z = "${parameters.z}" + 0; printf "error=%.9f\\ncost=%.9f\\nmemory=%.9f\\n", x, (1 - x) * (1 - x) + y + z, 1 + y }'
        """
    }

    static func loadSpec(name: String, in directory: String) throws -> StudySpec {
        let path = directory + "/tradeoff.yaml"
        try specText(name: name).write(toFile: path, atomically: true, encoding: .utf8)
        return try StudySpecParser.load(path: path).spec
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("augur-mo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The front the service reports is exactly the non-dominated safe trials, checked pair by pair.
    static func expectFront(_ front: [Trial], among trials: [Trial], objective: Objective) {
        let safe = trials.filter { $0.state == .completed && objective.isFeasible($0.finalMeasurement?.metrics ?? [:]) }
        let vectors = safe.compactMap { objective.maximizationVector($0.finalMeasurement?.metrics ?? [:]) }
        let expected = safe.indices.filter { i in !vectors.indices.contains { ParetoFront.dominates(vectors[$0], vectors[i]) } }.map { safe[$0].id }
        #expect(Set(front.map(\.id)) == Set(expected))
        #expect(!front.isEmpty)
    }

    static func runLocally(store: any StudyStore, name: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = try loadSpec(name: name, in: directory)
        let service = StudyService(store: store)
        _ = try await service.createStudy(spec)
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: directory), parallelism: 2)
        guard case .finished(let study) = try await runner.run(study: name) else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(study.state == .completed)
        let trials = try await service.trials(study: name)
        #expect(trials.count == 10 && trials.allSatisfy { $0.state == .completed })
        #expect(trials.allSatisfy { $0.finalMeasurement?.metrics.keys.sorted() == ["cost", "error", "memory"] })
        // Each trial carries exactly its active parameters: `z` with the shifted mode only.
        #expect(trials.allSatisfy { ($0.parameters["z"] != nil) == ($0.parameters["mode"] == .string("shifted")) }, "\(trials.map(\.parameters))")
        #expect(trials.allSatisfy { spec.searchSpace.isValid($0.parameters) })
        let front = try await service.paretoFront(study: name)
        expectFront(front.trials, among: trials, objective: spec.objective)
        #expect(front.referencePoint == [1.2, 2.5] && !front.referencePointDerived)
        #expect((front.hypervolume ?? 0) > 0)
        #expect(try await service.bestTrials(study: name, count: 100).map(\.id) == front.trials.map(\.id))
        try await service.deleteStudy(name)
    }

    @Test func specFileToParetoFrontOnSQLite() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.runLocally(store: try SQLiteStudyStore(path: directory + "/augur.sqlite"), name: "tradeoff")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"] != nil, "set AUGUR_TEST_POSTGRES_URL to run against PostgreSQL"))
    func specFileToParetoFrontOnPostgreSQL() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"])
        try await Self.runLocally(store: try StudyStores.open(url), name: "tradeoff-pg-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// The same study created and run through Augur's gRPC API by a remote worker; ListOptimalTrials answers the front.
    @Test func specFileThroughTheGRPCAPI() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = try Self.loadSpec(name: "tradeoff-rpc", in: directory)
        try await withTestServer(store: try SQLiteStudyStore(path: directory + "/augur.sqlite")) { address, service in
            try await withClient(address) { client in
                let created = try await client.createStudy(spec)
                #expect(created.spec.objective == spec.objective, "objectives, constraint and reference point cross the wire")
                let runner = StudyRunner(service: client, runner: CommandTrialRunner(runDirectory: directory), parallelism: 2)
                guard case .finished = try await runner.run(study: "tradeoff-rpc") else {
                    Issue.record("the run was interrupted")
                    return
                }
                let optimal = try await client.optimalTrials(study: "tradeoff-rpc", count: 1)
                let trials = try await service.trials(study: "tradeoff-rpc")
                Self.expectFront(optimal, among: trials, objective: spec.objective)
                #expect(optimal.map(\.id) == (try await service.paretoFront(study: "tradeoff-rpc")).trials.map(\.id),
                        "the whole front, whatever max_trial_count says")
            }
        }
    }
}
