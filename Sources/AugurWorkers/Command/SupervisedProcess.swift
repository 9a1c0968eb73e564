import CProcessSupervision
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A subprocess in its own process group, watched by a dedicated thread that copies its output to a log file, hands
/// complete lines to a callback, enforces a timeout and terminates the whole group on request (SIGTERM, then SIGKILL
/// after a grace period).
///
/// The group cannot outlive augur: its leader is a small supervisor (`augur_spawn_supervised`, CProcessSupervision)
/// that runs the command as its child and kills the group when augur dies, however it dies (`kill -9` included). The
/// supervisor exits as the command does, so `processID`'s exit status is the command's.
///
/// The blocking calls (`poll`, `read`, `waitpid`) run on that thread, never on Swift's cooperative pool.
final class SupervisedProcess: Sendable {
    /// Why Augur ended the process early.
    enum Termination: Sendable, Hashable {
        case timedOut(seconds: Double)
        case stopped(reason: String)
        case cancelled
    }

    /// How the process ended.
    enum Exit: Sendable, Hashable {
        case exited(status: Int32)
        case signaled(signal: Int32)
    }

    struct Result: Sendable {
        var exit: Exit
        /// Set when Augur asked the process to end.
        var termination: Termination?
    }

    let processID: pid_t
    private let outputDescriptor: Int32
    private let log: FileHandle?
    private let requested = Mutex<Termination?>(nil)

    /// Starts `arguments[0]` (searched in `PATH` when it has no `/`) with `environment`, in `directory`, with standard
    /// input from /dev/null and standard output and error going to one pipe.
    init(arguments: [String], environment: [String: String], directory: String, logPath: String) throws(WorkerError) {
        guard let program = arguments.first, !program.isEmpty else {
            throw .spawnFailed(command: "", message: "the trial command is empty")
        }
        // Pipe creation and spawning are serialized so that no other trial's child inherits this pipe's write end
        // between `pipe` and `fcntl` (which would keep the pipe open after this trial exits).
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            throw .spawnFailed(command: program, message: String(cString: strerror(errno)))
        }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(writeEnd) }

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var spawnError: Int32 = 0
        let pid = augur_spawn_supervised(program, argv, envp, directory, writeEnd, &spawnError)
        guard pid > 0 else {
            close(readEnd)
            throw .spawnFailed(command: program, message: String(cString: strerror(spawnError)))
        }
        processID = pid
        outputDescriptor = readEnd
        Self.running.withLock { _ = $0.insert(pid) }
        if FileManager.default.createFile(atPath: logPath, contents: nil) {
            log = FileHandle(forWritingAtPath: logPath)
        } else {
            log = nil
        }
    }

    /// Asks the process group to end (SIGTERM now, SIGKILL after the grace period). The first reason wins.
    func terminate(_ why: Termination) {
        requested.withLock { current in
            if current == nil { current = why }
        }
    }

    /// Watches the process until it exited and its output is drained.
    ///
    /// - Parameters:
    ///   - timeout: seconds after which the process is terminated as timed out.
    ///   - gracePeriod: seconds between SIGTERM and SIGKILL.
    ///   - tailFile: a metrics file whose new complete lines are handed to `onFileLine` while the process runs.
    ///   - onLine: called on the watching thread with each complete line of output.
    func wait(timeout: Double?, gracePeriod: Double, tailFile: String? = nil,
              onLine: @escaping @Sendable (String) -> Void, onFileLine: @escaping @Sendable (String) -> Void = { _ in }) async -> Result {
        await withTaskCancellationHandler {
            await DedicatedThread.run(name: "augur-trial-\(processID)") { [self] in
                watch(timeout: timeout, gracePeriod: gracePeriod, tailFile: tailFile, onLine: onLine, onFileLine: onFileLine)
            }
        } onCancel: {
            terminate(.cancelled)
        }
    }

    private func watch(timeout: Double?, gracePeriod: Double, tailFile: String?,
                       onLine: @Sendable (String) -> Void, onFileLine: @Sendable (String) -> Void) -> Result {
        let start = monotonicSeconds()
        var pending: [UInt8] = []
        var outputOpen = true
        var exit: Exit?
        var exitedAt: Double?
        var termination: Termination?
        var signalledAt: Double?
        var killed = false
        var tail = tailFile.map { FileTail(path: $0) }
        var buffer = [UInt8](repeating: 0, count: 65536)

        while exit == nil || outputOpen {
            let now = monotonicSeconds()
            if exit == nil {
                if termination == nil, let timeout, now - start >= timeout { terminate(.timedOut(seconds: timeout)) }
                if termination == nil, let why = requested.withLock({ $0 }) {
                    termination = why
                    signalledAt = now
                    killpg(processID, SIGTERM)
                }
                if let signalledAt, !killed, now - signalledAt >= gracePeriod {
                    killpg(processID, SIGKILL)
                    killed = true
                }
                var status: Int32 = 0
                if waitpid(processID, &status, WNOHANG) == processID {
                    Self.running.withLock { _ = $0.remove(processID) }
                    exit = Self.exit(from: status)
                    exitedAt = now
                    // What the trial left behind in its group ends with it (and releases the pipe).
                    killpg(processID, SIGKILL)
                }
            } else if let exitedAt, now - exitedAt > 5 {
                // Something outside the group still holds the pipe: stop reading.
                outputOpen = false
            }
            if let lines = tail?.readNewLines() { lines.forEach(onFileLine) }
            guard outputOpen else {
                // The output is closed but the process runs on: wait a little instead of spinning on waitpid.
                if exit == nil { _ = poll(nil, 0, 2) }
                continue
            }
            var descriptor = pollfd(fd: outputDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 50)
            guard ready > 0 else { continue }
            let count = read(outputDescriptor, &buffer, buffer.count)
            if count <= 0 {
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                outputOpen = false
                continue
            }
            let chunk = buffer[0..<count]
            log?.write(Data(chunk))
            pending.append(contentsOf: chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                onLine(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        if let lines = tail?.readNewLines(flushPartial: true) { lines.forEach(onFileLine) }
        close(outputDescriptor)
        try? log?.close()
        return Result(exit: exit ?? .exited(status: -1), termination: termination)
    }

    private static let spawnLock = NSLock()

    /// Process groups of trials started and not yet reaped, for `killAll()`.
    private static let running = Mutex<Set<pid_t>>([])

    /// Sends SIGKILL to every trial process group still running (used just before augur exits abruptly).
    static func killAll() {
        running.withLock { groups in
            for group in groups { killpg(group, SIGKILL) }
        }
    }

    private static func exit(from status: Int32) -> Exit {
        let signal = status & 0x7F
        if signal == 0 { return .exited(status: (status >> 8) & 0xFF) }
        return .signaled(signal: signal)
    }

    private func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// Reads lines appended to a file since the last call (the file may not exist yet).
private struct FileTail {
    var path: String
    var offset: UInt64 = 0
    var pending: [UInt8] = []

    init(path: String) {
        self.path = path
    }

    mutating func readNewLines(flushPartial: Bool = false) -> [String] {
        var lines: [String] = []
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            if (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty {
                offset += UInt64(data.count)
                pending.append(contentsOf: data)
            }
        }
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[..<newline], as: UTF8.self))
            pending.removeSubrange(...newline)
        }
        if flushPartial, !pending.isEmpty {
            lines.append(String(decoding: pending, as: UTF8.self))
            pending.removeAll()
        }
        return lines
    }
}
