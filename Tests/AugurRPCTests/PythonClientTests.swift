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

@Suite struct PythonClientTests {
    @Test func pythonGrpcioClientRunsAStudy() async throws {
        let python = "/usr/bin/env"
        let probe = try await runProgram(python, ["python3", "-c", "import grpc, grpc_tools"])
        guard probe.status == 0 else {
            print("skipping the Python client test: python3 with grpcio and grpcio-tools is not available (pip install grpcio grpcio-tools)")
            return
        }
        let script = repositoryRoot.appendingPathComponent("Experiments/python-client/run_study.py").path
        try await withTestServer(store: try SQLiteStudyStore(path: ":memory:")) { address, service in
            let run = try await runProgram(python, ["python3", script, "--server", address.description, "--study", "from-python", "--trials", "6"])
            #expect(run.status == 0, "\(run.output)")
            let study = try await service.getStudy("from-python")
            #expect(study.state == .completed)
            let counts = try await service.trialCounts(study: "from-python")
            #expect(counts.completed == 6)
        }
    }
}
