import AugurRPC
import AugurStorage
import Foundation
import Testing

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs a program to its end without blocking the cooperative pool; returns its exit status and output.
func runProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = try OutputFile()
    process.standardOutput = output.handle
    process.standardError = output.handle
    process.standardInput = FileHandle.nullDevice
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    return (status, output.text)
}

/// A child process's standard output and error, written to a temporary file (removed with this object) and read
/// back whole. A file rather than a pipe with a `readabilityHandler`: Foundation on Linux watches such a pipe with a
/// dispatch source, and closing the pipe while the source is live crashed the test process in libdispatch.
final class OutputFile: Sendable {
    let path: String
    let handle: FileHandle

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("augur-child-\(UUID().uuidString).log").path
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Everything written so far.
    var text: String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}

/// The Python the client tests use: the repository's `.venv` (which `make test` fills with grpcio and grpcio-tools),
/// else `python3` on the PATH; nil when neither can import grpc and grpc_tools.
let pythonWithGrpc: String? = {
    let candidates = [repositoryRoot.appendingPathComponent(".venv/bin/python3").path]
        + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: candidate)
        probe.arguments = ["-c", "import grpc, grpc_tools"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { continue }
        probe.waitUntilExit()
        if probe.terminationStatus == 0 { return candidate }
    }
    return nil
}()

@Suite struct PythonClientTests {
    @Test(.enabled(if: pythonWithGrpc != nil, "python3 with grpcio and grpcio-tools (make test installs them into .venv)"))
    func pythonGrpcioClientRunsAStudy() async throws {
        let python = try #require(pythonWithGrpc)
        let script = repositoryRoot.appendingPathComponent("Experiments/python-client/run_study.py").path
        try await withTestServer(store: try SQLiteStudyStore(path: ":memory:")) { address, service in
            let run = try await runProgram(python, [script, "--server", address.description, "--study", "from-python", "--trials", "6"])
            #expect(run.status == 0, "\(run.output)")
            let study = try await service.getStudy("from-python")
            #expect(study.state == .completed)
            let counts = try await service.trialCounts(study: "from-python")
            #expect(counts.completed == 6)
        }
    }
}
