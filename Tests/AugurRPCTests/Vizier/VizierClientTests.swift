import AugurRPC
@testable import AugurStorage
import AugurVizier
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// The Python with OSS Vizier's client (`make test` installs google-vizier==0.1.24 into .venv), or nil.
let pythonWithVizier: String? = {
    guard let python = pythonWithGrpc else { return nil }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: python)
    probe.arguments = ["-c", "import vizier.service.clients"]
    probe.standardOutput = FileHandle.nullDevice
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return nil }
    probe.waitUntilExit()
    return probe.terminationStatus == 0 ? python : nil
}()

/// The stock Vizier Python client's ordinary loop (`vizier_client_loop.py`: create twice, suggest in rounds,
/// measurements, early stopping, complete, infeasible, stop, get/list, optimal trials, the config round trip,
/// metadata, load by name and by owner, ABORTED then ACTIVE, delete, load the deleted study) against a real
/// `augur serve`, on SQLite and on PostgreSQL, with the GP bandit and with random search.
@Suite(.serialized) struct VizierClientTests {
    static let databases = ["sqlite"] + (BadInputTests.postgresURL == nil ? [] : ["postgres"])
    static let algorithms = ["GAUSSIAN_PROCESS_BANDIT", "RANDOM_SEARCH"]

    @Test(.enabled(if: pythonWithVizier != nil && augurExecutable != nil,
                   "python3 with google-vizier (make test installs it into .venv) and the built augur"),
          arguments: databases, algorithms)
    func stockVizierClientRunsItsLoop(database: String, algorithm: String) async throws {
        let python = try #require(pythonWithVizier)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-vizier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let location: String
        if database == "sqlite" {
            location = directory.appendingPathComponent("db.sqlite").path
        } else {
            let admin = try #require(BadInputTests.postgresURL)
            let schema = "t_vizier_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
            _ = try PostgresConnection(settings: try PostgresConnectionSettings(admin)).run("CREATE SCHEMA \(schema)")
            location = admin + (admin.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }
        let (server, address) = try await startServer(database: location, port: 0, directory: directory, leaseSeconds: 60)
        defer { server.kill(SIGKILL) }
        let script = repositoryRoot.appendingPathComponent("Tests/AugurRPCTests/Vizier/vizier_client_loop.py").path
        let study = "loop-\(algorithm.lowercased().replacingOccurrences(of: "_", with: "-"))"
        let run = try await runProgram(python, [script, "--endpoint", address.description, "--algorithm", algorithm,
                                                "--owner", "team-a", "--study", study])
        #expect(run.status == 0 && run.output.contains("ok"), "\(run.output)\n--- augur serve:\n\(server.output.text)")
    }
}

/// `augur serve --token-file … --vizier-listen …`: the main port wants the token for Vizier's API too; the Vizier
/// listener serves it without one (for Vizier's client, which sends none) and serves nothing else.
@Suite struct VizierListenerTests {
    @Test(.enabled(if: augurExecutable != nil, "the built augur")) func aTokenFreeVizierListenerBesideATokenGuardedPort() async throws {
        let executable = try #require(augurExecutable)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-vizier-listen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token")
        try "secret\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let server = try ChildProcess(executable, ["serve", "--database", directory.appendingPathComponent("db.sqlite").path,
                                                   "--listen", "127.0.0.1:0", "--token-file", tokenFile.path,
                                                   "--vizier-listen", "127.0.0.1:0", "--quiet"], directory: directory)
        defer { server.kill(SIGKILL) }
        @Sendable func announced(_ prefix: String) -> ListenAddress? {
            guard let line = server.output.text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
            return ListenAddress(String(line.dropFirst(prefix.count).prefix { $0 != " " }))
        }
        try await poll(within: 120, "augur serve to listen twice") {
            if !server.process.isRunning { throw TimedOut(description: "augur serve exited: \(server.output.text)") }
            return announced("augur serve: listening on ") != nil && announced("augur serve: Vizier API listening on ") != nil
        }
        let main = try #require(announced("augur serve: listening on "))
        let vizierOnly = try #require(announced("augur serve: Vizier API listening on "))
        for (address, expected) in [(main, RPCError.Code.unauthenticated), (vizierOnly, nil)] {
            let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: address.host, port: address.port), transportSecurity: .plaintext)
            try await withGRPCClient(transport: transport) { client in
                let vizier = Vizier_VizierService.Client(wrapping: client)
                let code = await statusCode { try await vizier.listStudies(.with { $0.parent = "owners/o" }) }
                #expect(code == expected, "\(address)")
                if address == vizierOnly {
                    let augur = Augur_V1_AugurService.Client(wrapping: client)
                    let augurCode = await statusCode { try await augur.listStudies(Augur_V1_ListStudiesRequest()) }
                    #expect(augurCode == .unimplemented, "Augur's own API is not on the Vizier listener")
                }
            }
        }
    }
}
