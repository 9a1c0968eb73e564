import AugurRPC
@testable import AugurStorage
import Foundation
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
