import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurWorkers
import Foundation
import Testing

/// What a stranger who can reach `augur serve` can make workers run: only what the workers agreed to.
@Suite(.serialized, .enabled(if: augurExecutable != nil, "build the augur executable first (swift build)"))
struct WorkerSecurityTests {
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs `body` with a fresh directory and an `augur serve` on a free loopback port, both gone afterwards.
    private func withServer(_ body: (URL, ListenAddress) async throws -> Void) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (server, address) = try await startServer(database: directory.appendingPathComponent("db.sqlite").path, port: 0,
                                                      directory: directory, leaseSeconds: 60)
        defer { server.kill(SIGKILL) }
        try await body(directory, address)
    }

    private func worker(_ arguments: [String], in directory: URL) throws -> ChildProcess {
        try ChildProcess(try #require(augurExecutable), ["worker"] + arguments + ["--quiet"], directory: directory)
    }

    @Test(arguments: ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"])
    func serveRefusesAnAddressOtherMachinesReachWithoutAToken(listen: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ChildProcess(try #require(augurExecutable),
                                      ["serve", "--database", directory.appendingPathComponent("db.sqlite").path, "--listen", listen],
                                      directory: directory)
        #expect(try await server.exitStatus(within: 120) == 64)
        let output = server.output.text
        #expect(output.contains("--listen \(listen) accepts calls from other machines"), "\(output)")
        #expect(output.contains("--token-file FILE"), "\(output)")
        #expect(output.contains("add --insecure"), "\(output)")
        #expect(!output.contains("listening on"))
    }

    @Test(arguments: ["127.0.0.1:50051", "127.1.2.3:1", "localhost:0", "[::1]:0"])
    func loopbackAddressesAreLoopback(text: String) throws {
        #expect(try #require(ListenAddress(text)).isLoopback)
    }

    @Test(arguments: ["0.0.0.0:50051", "[::]:0", "10.0.0.1:1", "augur.example:1", "127.0.0:1", "[::ffff:127.0.0.1]:1"])
    func otherAddressesAreNot(text: String) throws {
        let address = try #require(ListenAddress(text))
        #expect(!address.isLoopback)
    }

    /// A stranger creates the study named in a worker's spec before the worker does, with another command: the
    /// worker refuses it and runs nothing. Once the study is its own, the same worker runs it.
    @Test func aWorkerWithASpecRefusesAStudyWithAnotherCommand() async throws {
        try await withServer { directory, address in
            let strangerRan = directory.appendingPathComponent("stranger-ran").path
            let spec = directory.appendingPathComponent("guarded.yaml").path
            try """
                name: guarded
                objective: {metric: loss, goal: minimize}
                parameters:
                  - {name: x, type: int, min: 0, max: 1000}
                algorithm: {name: random}
                budget: {maxTrials: 2, parallelTrials: 1}
                seed: 5
                trial:
                  command: [/bin/sh, -c, 'echo "loss=$1"', trial, '${parameters.x}']
                """.write(toFile: spec, atomically: true, encoding: .utf8)
            try await withClient(address) { client in
                _ = try await client.createStudy(shellStudy(name: "guarded", maxTrials: 2, parallel: 1,
                                                            script: "touch '\(strangerRan)'; echo \"loss=$1\""))
            }
            let refused = try worker(["--server", address.description, "--spec", spec], in: directory)
            #expect(try await refused.exitStatus(within: 120) == 1)
            #expect(refused.output.text.contains("refusing to run the trials of study 'guarded': its command is [\"/bin/sh\", \"-c\", \"touch"),
                    "\(refused.output.text)")
            #expect(!FileManager.default.fileExists(atPath: strangerRan))
            try await withClient(address) { client in
                #expect(try await client.trials(study: "guarded").isEmpty)
                try await client.deleteStudy("guarded")
            }

            let accepted = try worker(["--server", address.description, "--spec", spec], in: directory)
            #expect(try await accepted.exitStatus(within: 120) == 0, "\(accepted.output.text)")
            let completed = try await withClient(address) { client in try await client.trials(study: "guarded", states: [.completed]) }
            #expect(completed.count == 2)
        }
    }

    @Test func allowCommandRefusesEveryOtherCommand() async throws {
        try await withServer { directory, address in
            let ran = directory.appendingPathComponent("ran").path
            try await withClient(address) { client in
                _ = try await client.createStudy(shellStudy(name: "allowed", maxTrials: 2, parallel: 1, script: "touch '\(ran)'; echo \"loss=$1\""))
            }
            let refused = try worker(["--server", address.description, "--study", "allowed", "--allow-command", "/usr/bin/python3 train.py"],
                                     in: directory)
            #expect(try await refused.exitStatus(within: 120) == 1)
            #expect(refused.output.text.contains("does not start with an allowed prefix (--allow-command `/usr/bin/python3 train.py`)"),
                    "\(refused.output.text)")
            #expect(!FileManager.default.fileExists(atPath: ran))

            let accepted = try worker(["--server", address.description, "--study", "allowed", "--allow-command", "/usr/bin/python3 train.py",
                                       "--allow-command", "/bin/sh -c"], in: directory)
            #expect(try await accepted.exitStatus(within: 120) == 0, "\(accepted.output.text)")
            #expect(FileManager.default.fileExists(atPath: ran))
        }
    }

    /// The study is deleted and created again with another command while a worker runs one of its trials: the
    /// worker stops with an error and never runs the new study's command.
    @Test func aWorkerStopsWhenItsStudyIsCreatedAgain() async throws {
        try await withServer { directory, address in
            let gate = directory.appendingPathComponent("gate").path
            let strangerRan = directory.appendingPathComponent("stranger-ran").path
            try await withClient(address) { client in
                _ = try await client.createStudy(shellStudy(name: "recreated", maxTrials: 3, parallel: 1,
                                                            script: "while [ ! -e '\(gate)' ]; do sleep 0.05; done; echo \"loss=$1\""))
            }
            let running = try worker(["--server", address.description, "--study", "recreated"], in: directory)
            defer { running.kill(SIGKILL) }
            try await withClient(address) { client in
                try await poll(within: 120, "the worker to hold a trial") {
                    try await !client.trials(study: "recreated", states: [.active]).isEmpty
                }
                try await client.deleteStudy("recreated")
                _ = try await client.createStudy(shellStudy(name: "recreated", maxTrials: 3, parallel: 1,
                                                            script: "touch '\(strangerRan)'; echo \"loss=$1\""))
            }
            _ = FileManager.default.createFile(atPath: gate, contents: Data())
            #expect(try await running.exitStatus(within: 120) == 1)
            #expect(running.output.text.contains("study 'recreated' was deleted and created again on the server while this worker ran it"),
                    "\(running.output.text)")
            #expect(!FileManager.default.fileExists(atPath: strangerRan))
            // Refused before anything was created or leased in the new study.
            let run = try await withClient(address) { client in try await client.trials(study: "recreated") }
            #expect(run.isEmpty)
        }
    }

    /// The databases the comparison is checked against: SQLite, and PostgreSQL when the environment names one.
    static let databases = ["sqlite"] + (ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"].map { [$0] } ?? [])

    /// A worker given the spec a study was created from accepts the study the server stored: what it compares
    /// survives the store and the wire for every example spec.
    @Test(arguments: databases) func everyExampleSpecSurvivesTheServerUnchanged(database: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let examples = repositoryRoot.appendingPathComponent("Experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(!files.isEmpty)
        let location = database == "sqlite" ? directory.appendingPathComponent("db.sqlite").path : database
        let prefix = "example-\(UInt32.random(in: 0...UInt32.max))"
        try await withTestServer(store: try StudyStores.open(location)) { address, _ in
            try await withClient(address) { client in
                for (index, file) in files.enumerated() {
                    var spec = try StudySpecParser.load(path: examples.appendingPathComponent(file).path).spec
                    spec.name = "\(prefix)-\(index)"
                    _ = try await client.createStudy(spec)
                    let stored = try await client.getStudy(spec.name)
                    #expect(WorkerPolicy(spec: spec).refusal(of: stored) == nil, "\(file)")
                    try await client.deleteStudy(spec.name)
                }
            }
        }
    }
}
