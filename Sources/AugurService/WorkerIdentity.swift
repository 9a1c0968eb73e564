import Foundation

/// Who runs a trial: `host:pid:nonce`, unique per worker process (and per parallel slot inside it).
///
/// The service uses the host and process id to notice trials left ACTIVE by a local process that died (a runner killed
/// with SIGKILL) without waiting for their lease to lapse.
public struct WorkerIdentity: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var processID: Int32
    /// Distinguishes processes that reuse a pid and slots within one process.
    public var nonce: String

    public init(host: String, processID: Int32, nonce: String) {
        self.host = host
        self.processID = processID
        self.nonce = nonce
    }

    /// Parses `host:pid:nonce`; `nil` for ids of any other shape (RPC clients may use their own).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]), pid > 0, !parts[0].isEmpty else { return nil }
        self.init(host: String(parts[0]), processID: pid, nonce: String(parts[2]))
    }

    public var description: String { "\(host):\(processID):\(nonce)" }

    /// This process, with a fresh random nonce.
    public static func currentProcess() -> WorkerIdentity {
        var generator = SystemRandomNumberGenerator()
        let nonce = String(generator.next() & 0xFFFF_FFFF, radix: 16)
        return WorkerIdentity(host: currentHostName(), processID: getpid(), nonce: nonce)
    }

    /// The same process with `suffix` appended to the nonce (one identity per parallel slot).
    public func slot(_ index: Int) -> WorkerIdentity {
        WorkerIdentity(host: host, processID: processID, nonce: "\(nonce).\(index)")
    }

    /// This machine's host name (without `:`, which separates the fields).
    public static func currentHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = name.replacingOccurrences(of: ":", with: "_")
        return cleaned.isEmpty ? "localhost" : cleaned
    }

    /// Whether `worker` names a process on this host that no longer exists (`kill(pid, 0)` fails with ESRCH).
    /// Workers on other hosts, or ids of another shape, are never declared dead here; their leases expire instead.
    public static func isDeadLocalProcess(_ worker: String) -> Bool {
        guard let identity = WorkerIdentity(worker), identity.host == currentHostName() else { return false }
        if identity.processID == getpid() { return false }
        return kill(identity.processID, 0) != 0 && errno == ESRCH
    }
}
