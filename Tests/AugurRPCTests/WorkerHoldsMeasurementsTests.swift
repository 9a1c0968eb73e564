import AugurCore
import AugurRPC
import Foundation
import Testing

/// `augur worker` whose server is killed in the middle of a trial: the measurements the server could not take are
/// held in the trial's folder and written once, in order, when it is back.
@Suite(.enabled(if: augurExecutable != nil, "build the augur executable first (swift build)"))
struct WorkerHoldsMeasurementsTests {
    @Test func measurementsReportedWhileTheServerIsDownAreStoredOnceInOrder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-held-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db.sqlite").path
        let down = directory.appendingPathComponent("down").path
        let back = directory.appendingPathComponent("back").path
        var (server, address) = try await startServer(database: database, port: 0, directory: directory, leaseSeconds: 30)
        let executable = try #require(augurExecutable)
        // Step 1 with the server up; steps 2 and 3 while it is down; the end once it is back.
        let script = "echo step=1 loss=9; while [ ! -e '\(down)' ]; do sleep 0.02; done; echo step=2 loss=8; echo step=3 loss=7; "
            + "while [ ! -e '\(back)' ]; do sleep 0.02; done; echo loss=1"
        try await withClient(address) { client in
            _ = try await client.createStudy(shellStudy(name: "held", maxTrials: 1, parallel: 1, script: script))
        }
        // A short retry window, so that the worker holds measurements soon after the server is gone.
        let worker = try ChildProcess(executable, ["worker", "--server", address.description, "--study", "held", "--retry-seconds", "0.3",
                                                   "--run-directory", directory.appendingPathComponent("runs").path], directory: directory)
        defer { worker.kill(SIGKILL) }
        try await withClient(address) { client in
            try await poll(within: 120, "step 1 to be stored") {
                try await client.trials(study: "held", includeMeasurements: true).first?.measurements.count == 1
            }
        }
        server.kill(SIGKILL)
        try await server.waitUntilDead(within: 120)
        _ = FileManager.default.createFile(atPath: down, contents: Data())
        let heldFile = directory.appendingPathComponent("runs/trials/1/held-measurements.jsonl").path
        try await poll(within: 120, "steps 2 and 3 to be held in the trial's folder") {
            ((try? String(contentsOfFile: heldFile, encoding: .utf8)) ?? "").split(separator: "\n").count == 2
        }
        (server, address) = try await startServer(database: database, port: address.port, directory: directory, leaseSeconds: 30)
        defer { server.kill(SIGKILL) }
        _ = FileManager.default.createFile(atPath: back, contents: Data())

        let status = try await worker.exitStatus(within: 120)
        #expect(status == 0, "\(worker.output.text)")
        #expect(worker.output.text.contains("holding 2 measurements for trial 1 until the store is back"), "\(worker.output.text)")
        try await withClient(address) { client in
            let trial = try #require(try await client.trials(study: "held", includeMeasurements: true).first)
            #expect(trial.state == .completed)
            #expect(trial.measurements.map(\.step) == [1, 2, 3])
            #expect(trial.measurements.map { $0.metrics["loss"] } == [9, 8, 7])
        }
        #expect(!FileManager.default.fileExists(atPath: heldFile))
    }
}
