import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The process group of a trial's running command, written in the trial's directory while it runs
/// (`.augur-process`), so that a later run of the same trial on this machine can end what an earlier one left behind.
///
/// A trial's command normally dies with the augur that started it (see ``SupervisedProcess``). When that supervision
/// was itself killed (`kill -9` of the whole process tree, the OOM killer), the command may live on; the next attempt
/// of the trial then finds the record, kills every process still in that group that belongs to this trial, and waits
/// until they are gone before it starts the command again. A trial never runs twice at once on one machine.
struct TrialProcessRecord: Sendable, Equatable {
    static let fileName = ".augur-process"

    /// The supervisor's pid, which is the group id.
    var processGroup: pid_t
    /// The kernel's boot id: after a reboot no process of the record can be alive.
    var bootID: String

    /// The record of a group just started.
    static func current(processGroup: pid_t) -> TrialProcessRecord {
        TrialProcessRecord(processGroup: processGroup, bootID: Self.readBootID())
    }

    var text: String { "\(processGroup) \(bootID)\n" }

    init(processGroup: pid_t, bootID: String) {
        self.processGroup = processGroup
        self.bootID = bootID
    }

    init?(text: String) {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let group = pid_t(fields[0]), group > 1 else { return nil }
        processGroup = group
        bootID = String(fields[1])
    }

    static func path(in directory: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
    }

    /// Writes the record into the trial's directory (best effort: a trial still runs when it cannot be written).
    func write(in directory: String) {
        try? text.write(toFile: Self.path(in: directory), atomically: true, encoding: .utf8)
    }

    /// Removes the record of a group that has ended.
    static func remove(in directory: String) {
        try? FileManager.default.removeItem(atPath: path(in: directory))
    }

    /// Ends what an earlier attempt of the trial in `directory` left running: the processes of the recorded group
    /// whose environment names this trial directory (`AUGUR_TRIAL_DIR`) or that are the recorded supervisor itself.
    /// Waits until they are gone (at most `timeout`), then removes the record.
    /// - Returns: the pids that were killed (empty when nothing was left).
    @discardableResult
    static func endStaleProcesses(in directory: String, timeout: Duration = .seconds(10)) async -> [pid_t] {
        guard let bytes = readProcFile(path(in: directory)) else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        defer { remove(in: directory) }
        guard let record = TrialProcessRecord(text: text), record.bootID == readBootID() else { return [] }
        let stale = members(of: record.processGroup, trialDirectory: directory)
        for pid in stale { kill(pid, SIGKILL) }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline, stale.contains(where: isAlive) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return stale
    }

    /// Processes of group `group` that belong to the trial in `directory`.
    static func members(of group: pid_t, trialDirectory directory: String) -> [pid_t] {
        let entries = processIDs()
        let marker = Array("AUGUR_TRIAL_DIR=\(directory)".utf8)
        var found: [pid_t] = []
        for pid in entries {
            guard pid > 1, pid != getpid(), processGroup(of: pid) == group else { continue }
            if pid == group, command(of: pid) == "augur-trial" {
                found.append(pid)
            } else if environment(of: pid).contains(where: { $0.elementsEqual(marker) }) {
                found.append(pid)
            }
        }
        return found
    }

    /// The pids listed in /proc.
    private static func processIDs() -> [pid_t] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) { String(cString: $0) }
            }
            if let pid = pid_t(name) { pids.append(pid) }
        }
        return pids
    }

    /// The state letter and process group of `pid` from /proc/PID/stat (fields 3 and 5), or nil when it is gone.
    private static func status(of pid: pid_t) -> (state: Substring, group: pid_t)? {
        guard let bytes = readProcFile("/proc/\(pid)/stat") else { return nil }
        let stat = String(decoding: bytes, as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name: state, ppid, pgrp, …
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let group = pid_t(fields[2]) else { return nil }
        return (fields[0], group)
    }

    private static func processGroup(of pid: pid_t) -> pid_t? {
        status(of: pid)?.group
    }

    /// Whether `pid` is alive (a zombie counts as gone).
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard let state = status(of: pid)?.state else { return false }
        return state != "Z"
    }

    private static func command(of pid: pid_t) -> String? {
        readProcFile("/proc/\(pid)/comm").map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    private static func environment(of pid: pid_t) -> [ArraySlice<UInt8>] {
        guard let bytes = readProcFile("/proc/\(pid)/environ") else { return [] }
        return bytes.split(separator: 0)
    }

    private static func readBootID() -> String {
        let text = readProcFile("/proc/sys/kernel/random/boot_id").map { String(decoding: $0, as: UTF8.self) } ?? "unknown"
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The contents of a small file (a /proc entry or the record) read with plain system calls: a process may vanish
    /// between listing /proc and opening its files, and every failure (ENOENT, ESRCH, EACCES, …) is just "nothing".
    private static func readProcFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while contents.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            contents.append(contentsOf: chunk[0..<count])
        }
        return contents
    }
}
