import Foundation
import Testing

/// The built `augur` binary, run as a subprocess the way a user runs it.
struct AugurProcess {
    /// `.build/<triple>/debug/augur`, next to the test bundle (the test target depends on the executable, so it is built).
    static let binary: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("augur")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("augur")
    }()

    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    let process = Process()
    private let outputFile: URL
    private let errorFile: URL

    /// Starts `augur arguments…` in `directory`, with output going to files (read with `finish()`).
    init(_ arguments: [String], in directory: String) throws {
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        outputFile = URL(fileURLWithPath: directory).appendingPathComponent("stdout-\(UUID().uuidString)")
        errorFile = URL(fileURLWithPath: directory).appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// What the process wrote on standard error so far.
    var standardErrorSoFar: String {
        (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
    }

    /// Waits for the process to exit and returns what it printed. It polls instead of calling `waitUntilExit()` at
    /// once, which would hold one of the cooperative pool's threads (there are as many as cores: two here) for as long
    /// as the run takes and stall every other test of the suite meanwhile.
    func finish() async -> Output {
        while process.isRunning {
            do { try await Task.sleep(for: .milliseconds(20)) } catch { break }
        }
        process.waitUntilExit()
        let out = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, standardOutput: out, standardError: err)
    }

    /// Kills the process with SIGKILL and reaps it (so that its pid is gone, as after a crash).
    func killAndReap() async throws {
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        // Reaped by us or by Foundation's own monitor, whichever comes first.
        try await waitUntil("the killed run is reaped") {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            return result == pid || (result == -1 && errno == ECHILD)
        }
    }

    /// Runs `augur arguments…` to completion.
    static func run(_ arguments: [String], in directory: String) async throws -> Output {
        try await AugurProcess(arguments, in: directory).finish()
    }
}

/// A fresh directory under the system's temporary directory.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "augur-cli-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Polls `condition` until it holds, failing after `seconds` (a bound, not a synchronization delay).
func waitUntil(_ what: String, seconds: Double = 120, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while try await !condition() {
        if Date() > deadline {
            Issue.record("timed out waiting until \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Writes an Augur spec whose trial runs `/bin/sh -c script`; `x` is an integer parameter in 0...100.
func writeSpec(_ script: String, name: String, maxTrials: Int, parallel: Int, maxFailed: Int? = nil, in directory: String) throws -> String {
    let escaped = script.replacingOccurrences(of: "'", with: "''")
    var budget = "{maxTrials: \(maxTrials), parallelTrials: \(parallel)"
    if let maxFailed { budget += ", maxFailedTrials: \(maxFailed)" }
    budget += "}"
    let text = """
        name: \(name)
        objective: {metric: loss, goal: minimize}
        parameters:
          - {name: x, type: int, min: 0, max: 100}
        algorithm: {name: random}
        budget: \(budget)
        seed: 7
        trial:
          command: [/bin/sh, -c, '\(escaped)']
        """
    let path = directory + "/\(name).yaml"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
