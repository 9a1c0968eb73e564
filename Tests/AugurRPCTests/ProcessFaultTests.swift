import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import Testing

/// The `augur` executable of this build, when it has been built (`swift build` builds it with the tests).
let augurExecutable: String? = {
    let candidates = ["debug", "release"].map { repositoryRoot.appendingPathComponent(".build/\($0)/augur").path }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// A child process whose output is collected, which a test can kill.
final class ChildProcess: Sendable {
    let process: Process
    let output: OutputFile

    init(_ executable: String, _ arguments: [String], directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        output = try OutputFile()
        process.standardOutput = output.handle
        process.standardError = output.handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    var pid: Int32 { process.processIdentifier }

    func kill(_ signal: Int32) { _ = Foundation.kill(process.processIdentifier, signal) }

    /// Whether the process is gone or a zombie. Read from /proc because Foundation's `isRunning` does not always
    /// notice a process killed by a signal.
    var isDead: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Waits (bounded) until a killed process is dead.
    func waitUntilDead(within seconds: Double) async throws {
        try await poll(within: seconds, "process \(pid) to die") { self.isDead }
    }

    /// Waits for the process to exit (bounded) without blocking the cooperative pool.
    func exitStatus(within seconds: Double) async throws -> Int32 {
        try await poll(within: seconds, "process \(pid) to exit") { !self.process.isRunning }
        return process.terminationStatus
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` until it holds, giving up after `seconds`. For waiting on other processes only.
///
/// The condition is checked once more after the deadline has passed: a test task can be left unscheduled for a long
/// time while other tests hold the cooperative pool's threads (on a 2-core machine, two long synchronous tests hold
/// both), and the other process may have done its part meanwhile.
func poll(within seconds: Double, _ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { break }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TimedOut(description: "gave up waiting for \(what) after \(seconds) s")
}

/// Starts `augur serve` on `port` (0: any) and returns it with the address it listens on.
func startServer(database: String, port: Int, directory: URL, leaseSeconds: Double) async throws -> (ChildProcess, ListenAddress) {
    let executable = try #require(augurExecutable)
    let server = try ChildProcess(executable, ["serve", "--database", database, "--listen", "127.0.0.1:\(port)",
                                               "--lease-seconds", String(leaseSeconds), "--quiet"], directory: directory)
    @Sendable func announced() -> ListenAddress? {
        guard let line = server.output.text.split(separator: "\n").first(where: { $0.hasPrefix("augur serve: listening on ") }) else {
            return nil
        }
        let rest = line.dropFirst("augur serve: listening on ".count)
        return ListenAddress(String(rest.prefix { $0 != " " }))
    }
    try await poll(within: 120, "augur serve to listen") {
        if announced() != nil { return true }
        if !server.process.isRunning { throw TimedOut(description: "augur serve exited: \(server.output.text)") }
        return false
    }
    return (server, try #require(announced()))
}

/// A study whose trials run `/bin/sh -c script` (`$1` = x).
func shellStudy(name: String, maxTrials: Int, parallel: Int, script: String) -> StudySpec {
    StudySpec(
        name: name,
        searchSpace: SearchSpace([.integer("x", min: 0, max: 1000)]),
        objective: Objective(metric: "loss", goal: .minimize),
        budget: Budget(maxTrials: maxTrials, parallelTrials: parallel),
        trial: .command(CommandTrial(argv: ["/bin/sh", "-c", script, "trial", "${parameters.x}"])),
        seed: 5)
}

@Suite(.serialized, .enabled(if: augurExecutable != nil, "build the augur executable first (swift build)"))
struct ProcessFaultTests {
    @Test func workerKilledMidTrialLosesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let gate = directory.appendingPathComponent("go").path
        let (server, address) = try await startServer(database: directory.appendingPathComponent("db.sqlite").path, port: 0,
                                                      directory: directory, leaseSeconds: 2)
        defer { server.kill(SIGKILL) }
        let executable = try #require(augurExecutable)
        // Each trial waits for the gate file, so the first worker is surely mid-trial when it dies.
        let script = "while [ ! -e '\(gate)' ]; do sleep 0.05; done; echo \"loss=$1\""
        try await withClient(address) { client in
            _ = try await client.createStudy(shellStudy(name: "killed-worker", maxTrials: 4, parallel: 1, script: script))
            let doomed = try ChildProcess(executable, ["worker", "--server", address.description, "--study", "killed-worker", "--quiet"],
                                          directory: directory)
            try await poll(within: 120, "the first worker to hold a trial") {
                try await !client.trials(study: "killed-worker", states: [.active]).isEmpty
            }
            let held = try #require(try await client.trials(study: "killed-worker", states: [.active]).first)
            doomed.kill(SIGKILL)
            try await doomed.waitUntilDead(within: 120)

            let rescuer = try ChildProcess(executable, ["worker", "--server", address.description, "--study", "killed-worker", "--quiet"],
                                           directory: directory)
            try await poll(within: 120, "the second worker to take the trial over") {
                try await client.trial(study: "killed-worker", id: held.id).retryCount >= 1
            }
            _ = FileManager.default.createFile(atPath: gate, contents: Data())
            let status = try await rescuer.exitStatus(within: 120)
            #expect(status == 0, "\(rescuer.output.text)")

            let trials = try await client.trials(study: "killed-worker")
            #expect(trials.map(\.id) == [1, 2, 3, 4])
            #expect(trials.allSatisfy { $0.state == .completed }, "\(trials.map(\.state))")
            let recovered = try #require(trials.first { $0.id == held.id })
            #expect(recovered.retryCount >= 1)
            #expect(recovered.parameters == held.parameters)
            #expect(try await client.getStudy("killed-worker").state == .completed)
        }
    }

    @Test func serverKilledAndRestartedLosesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-fault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db.sqlite").path
        let gate = directory.appendingPathComponent("go").path
        var (server, address) = try await startServer(database: database, port: 0, directory: directory, leaseSeconds: 30)
        let executable = try #require(augurExecutable)
        // Trials after the third wait for the gate, so the server dies while trials are out.
        let script = "if [ $(ls '\(directory.path)/trials-done' | wc -l) -ge 3 ]; then "
            + "while [ ! -e '\(gate)' ]; do sleep 0.05; done; fi; touch '\(directory.path)/trials-done/'$$; echo \"loss=$1\""
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("trials-done"), withIntermediateDirectories: true)
        try await withClient(address) { client in
            _ = try await client.createStudy(shellStudy(name: "killed-server", maxTrials: 8, parallel: 2, script: script))
        }
        let worker = try ChildProcess(executable, ["worker", "--server", address.description, "--study", "killed-server",
                                                   "--parallel", "2", "--retry-seconds", "120", "--quiet"], directory: directory)
        defer { worker.kill(SIGKILL) }
        try await withClient(address) { client in
            try await poll(within: 120, "three trials to complete and two to be out") {
                let trials = try await client.trials(study: "killed-server")
                return trials.filter { $0.state == .completed }.count >= 3 && trials.filter { $0.state == .active }.count == 2
            }
        }
        server.kill(SIGKILL)
        try await server.waitUntilDead(within: 120)
        _ = FileManager.default.createFile(atPath: gate, contents: Data())
        (server, address) = try await startServer(database: database, port: address.port, directory: directory, leaseSeconds: 30)
        defer { server.kill(SIGKILL) }

        let status = try await worker.exitStatus(within: 180)
        #expect(status == 0, "\(worker.output.text)")
        try await withClient(address) { client in
            let trials = try await client.trials(study: "killed-server")
            #expect(trials.map(\.id) == Array(1...8))
            #expect(trials.allSatisfy { $0.state == .completed }, "\(trials.map(\.state))")
            #expect(trials.allSatisfy { $0.retryCount == 0 }, "the worker kept its leases through the restart")
            #expect(try await client.getStudy("killed-server").state == .completed)
        }
    }
}

/// `augur serve` wires the checks that need the training core into the service.
@Suite(.enabled(if: augurExecutable != nil, "build the augur executable first (swift build)"))
struct ServeCommandChecksTests {
    @Test func createStudyRefusesATrainingStudyWithAnUnknownHyperparameter() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-serve-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, address) = try await startServer(database: directory.appendingPathComponent("db.sqlite").path, port: 0,
                                                      directory: directory, leaseSeconds: 60)
        defer { server.kill(SIGKILL) }
        var misspelt = StudySpec.rpcStudy(name: "misspelt")
        misspelt.trial = .training(TrainingTrial(dataset: "digits", fixed: ["widht": "32"]))
        var fixed = misspelt
        fixed.trial = .training(TrainingTrial(dataset: "digits", fixed: ["width": "32"]))
        try await withClient(address) { [misspelt, fixed] client in
            let refusal = await #expect(throws: ServiceError.self) { try await client.createStudy(misspelt) }
            guard let reason = refusal?.message, refusal?.kind == .invalidArgument else {
                Issue.record("expected INVALID_ARGUMENT, got \(String(describing: refusal))")
                return
            }
            #expect(reason.hasPrefix("trial.training.fixed.widht: 'widht' is not a hyperparameter of the training core"), "\(reason)")
            await #expect(throws: ServiceError.self) { try await client.getStudy("misspelt") }
            _ = try await client.createStudy(fixed)
        }
    }
}
