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
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let collected = OutputCollector()
    pipe.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
    pipe.fileHandleForReading.readabilityHandler = nil
    collected.append(pipe.fileHandleForReading.readDataToEndOfFile())
    return (status, collected.text)
}

final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ chunk: Data) {
        lock.lock()
        data.append(chunk)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
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
