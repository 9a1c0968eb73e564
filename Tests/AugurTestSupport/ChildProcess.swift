import Foundation

/// Runs child processes from async tests without holding a thread of Swift's cooperative pool.
///
/// `readDataToEndOfFile()` and `waitUntilExit()` block their thread for as long as the child runs. Called from a
/// test they hold one of the cooperative pool's threads (as many as cores: two on the CI machine), and the tests and
/// servers that run in the same process meanwhile (a dashboard that a browser is loading, a store a worker process
/// writes to) wait for the other; under load that turns into timeouts. Here the blocking happens on a thread of its
/// own, and the test awaits the result.
public enum ChildProcess {
    /// What a finished child printed on standard output, and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutput: Data

        public var text: String { String(decoding: standardOutput, as: UTF8.self) }
    }

    /// Starts `process` with its standard output on a pipe, reads the output to its end and reaps the process on a
    /// dedicated thread. A child still running after `bound` is terminated: a bound so that a hung child fails its
    /// test instead of stalling the suite, not a synchronization.
    ///
    /// The child is started from that thread with no signal blocked. A child inherits the mask of the thread that
    /// starts it, and the cooperative pool's threads (dispatch workers) block nearly every signal: a child started
    /// from a test would ignore SIGTERM, and the bound could not stop it.
    public static func run(_ process: Process, bound: TimeInterval = 180) async throws -> Output {
        let pipe = Pipe()
        process.standardOutput = pipe
        let box = ProcessBox(process)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            let thread = Thread {
                let process = box.process
                var none = sigset_t()
                var previous = sigset_t()
                sigemptyset(&none)
                pthread_sigmask(SIG_SETMASK, &none, &previous)
                do {
                    try process.run()
                } catch {
                    pthread_sigmask(SIG_SETMASK, &previous, nil)
                    continuation.resume(throwing: error)
                    return
                }
                pthread_sigmask(SIG_SETMASK, &previous, nil)
                let limit = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(deadline: .now() + bound, execute: limit)
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                limit.cancel()
                continuation.resume(returning: Output(status: process.terminationStatus, standardOutput: data))
            }
            thread.name = "child-process-reader"
            thread.start()
        }
    }

    /// Runs several processes at once (as ``run(_:bound:)``) and returns their outputs in the same order.
    public static func runAll(_ processes: [Process], bound: TimeInterval = 180) async throws -> [Output] {
        try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            for (index, process) in processes.enumerated() {
                let box = ProcessBox(process)
                group.addTask { (index, try await run(box.process, bound: bound)) }
            }
            var outputs = [Output?](repeating: nil, count: processes.count)
            for try await (index, output) in group { outputs[index] = output }
            return outputs.compactMap { $0 }
        }
    }
}

/// `Process` is not `Sendable`; a started process is only read (its status) and waited for from the one thread
/// that reaps it.
private final class ProcessBox: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}
