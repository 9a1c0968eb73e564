import AugurTestSupport
import Foundation
import Testing

/// The test helper that runs child processes off the cooperative pool (used by the browser and PostgreSQL process
/// tests): it returns what the child printed and how it ended, and stops a child that outlives its bound.
struct ChildProcessTests {
    static func shell(_ script: String) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        return process
    }

    @Test func returnsTheOutputAndTheExitStatus() async throws {
        let output = try await ChildProcess.run(Self.shell("printf 'one\\ntwo\\n'; exit 3"))
        #expect(output.text == "one\ntwo\n")
        #expect(output.status == 3)
    }

    @Test func readsAnOutputLargerThanAPipeBuffer() async throws {
        // 1 MiB: a reader that waited for the exit before reading would deadlock on the full pipe.
        let output = try await ChildProcess.run(Self.shell("head -c 1048576 /dev/zero"))
        #expect(output.standardOutput.count == 1_048_576)
        #expect(output.status == 0)
    }

    @Test func severalRunAtOnceAndComeBackInOrder() async throws {
        let outputs = try await ChildProcess.runAll((0..<4).map { Self.shell("echo \($0)") })
        #expect(outputs.map(\.text) == ["0\n", "1\n", "2\n", "3\n"])
    }

    @Test func aChildThatOutlivesItsBoundIsStopped() async throws {
        // `exec` so that the signal reaches `sleep` itself; the test waits for the bound, not for the hour.
        let output = try await ChildProcess.run(Self.shell("echo started; exec sleep 3600"), bound: 0.5)
        #expect(output.text == "started\n")
        #expect(output.status == SIGTERM)
    }
}
