import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
@testable import AugurWorkers
import Foundation
import Testing

/// A real PostgreSQL server (the test's own, so that stopping it disturbs nobody) stopped in the middle of a trial and
/// started again: the measurements reported meanwhile are held and stored once, in order.
@Suite("Held measurements on PostgreSQL", .enabled(if: PostgresPrivateServer.installedBinaries != nil, "PostgreSQL's initdb and pg_ctl are not installed"))
struct HeldMeasurementsPostgresTests {
    /// Runs a blocking server tool off the cooperative pool.
    private func serverTool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    @Test func measurementsReportedWhileTheServerIsStoppedAreStoredOnceInOrder() async throws {
        let server = try PostgresPrivateServer(binaries: try #require(PostgresPrivateServer.installedBinaries))
        defer { server.stop() }
        // A short reconnect window, so that a call fails soon after the server stops instead of after 30 s.
        let store = try PostgresStudyStore(url: server.url, poolSize: 2, reconnectWindow: 0.2)
        let service = StudyService(store: store, designers: { _ in CountingDesigner() })
        let directory = try makeTemporaryDirectory()
        let stopped = directory + "/stopped"
        let restarted = directory + "/restarted"
        // Step 1 with the server up; steps 2 and 3 while it is stopped; the end once it is back.
        let script = "echo step=1 loss=9; while [ ! -f \(stopped) ]; do sleep 0.02; done; echo step=2 loss=8; echo step=3 loss=7; "
            + "while [ ! -f \(restarted) ]; do sleep 0.02; done; echo loss=1"
        _ = try await service.createStudy(shellStudy(script, maxTrials: 1))
        let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: directory), parallelism: 1,
                                 pollInterval: .milliseconds(20))
        let run = Task { try await runner.run(study: "shell") }

        try await waitUntil("step 1 is stored") { try await store.trial(study: "shell", id: 1)?.measurements.count == 1 }
        try await serverTool { try server.pause() }
        #expect(FileManager.default.createFile(atPath: stopped, contents: nil))
        let heldFile = directory + "/trials/1/" + HeldMeasurements.fileName
        try await waitUntil("steps 2 and 3 are held in the trial's folder", seconds: 60) {
            let text = (try? String(contentsOfFile: heldFile, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").count == 2
        }
        try await serverTool { try server.start() }
        #expect(FileManager.default.createFile(atPath: restarted, contents: nil))

        guard case .finished(let study) = try await run.value else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(study.state == .completed)
        let trial = try #require(try await store.trial(study: "shell", id: 1))
        #expect(trial.state == .completed)
        #expect(trial.measurements.map(\.step) == [1, 2, 3])
        #expect(trial.measurements.map { $0.metrics["loss"] } == [9, 8, 7])
        #expect(!FileManager.default.fileExists(atPath: heldFile))
    }
}
