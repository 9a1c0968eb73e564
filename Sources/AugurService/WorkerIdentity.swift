import Foundation

/// Who runs a trial: `host:pid:namespace:instance`, unique per worker process (and per parallel slot inside it).
///
/// The `instance` is random (128 bits) for each process, so that two workers never pass for one, even with the same
/// host name and process id: two containers on one host, every pod whose process is pid 1. The host and pid are
/// there for people reading a trial's worker.
///
/// The service uses the host, the `namespace` and the process id to notice trials left ACTIVE by a local process that
/// died (a runner killed with SIGKILL) without waiting for their lease to lapse. A pid means something only in its
/// PID namespace on one boot of one machine, so `namespace` names those (a digest of the kernel's boot id and the
/// PID namespace): a worker in another container, or on another machine with the same host name, is never
/// declared dead from here, however its pid looks here.
public struct WorkerIdentity: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var processID: Int32
    /// The boot and PID namespace `processID` belongs to (16 hex digits); empty when unknown, and then the process
    /// is never declared dead (its lease expires instead).
    public var namespace: String
    /// Random for each process (32 hex digits), with `.slot` appended per parallel slot.
    public var instance: String

    public init(host: String, processID: Int32, namespace: String, instance: String) {
        self.host = host
        self.processID = processID
        self.namespace = namespace
        self.instance = instance
    }

    /// Parses `host:pid:namespace:instance`; `nil` for ids of any other shape (RPC clients may use their own).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let pid = Int32(parts[1]), pid > 0, !parts[0].isEmpty, !parts[3].isEmpty else { return nil }
        self.init(host: String(parts[0]), processID: pid, namespace: String(parts[2]), instance: String(parts[3]))
    }

    public var description: String { "\(host):\(processID):\(namespace):\(instance)" }

    /// `host:pid`, for people.
    public var displayName: String { "\(host):\(processID)" }

    /// This process, with a fresh random instance id.
    public static func currentProcess() -> WorkerIdentity {
        var generator = SystemRandomNumberGenerator()
        let instance = hex(generator.next()) + hex(generator.next())
        return WorkerIdentity(host: currentHostName(), processID: getpid(), namespace: currentNamespace, instance: instance)
    }

    /// The same process with `.index` appended to the instance (one identity per parallel slot).
    public func slot(_ index: Int) -> WorkerIdentity {
        WorkerIdentity(host: host, processID: processID, namespace: namespace, instance: "\(instance).\(index)")
    }

    /// This machine's host name (without `:`, which separates the fields).
    public static func currentHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = name.replacingOccurrences(of: ":", with: "_")
        return cleaned.isEmpty ? "localhost" : cleaned
    }

    /// This process's boot and PID namespace as 16 hex digits: on Linux from `/proc/sys/kernel/random/boot_id` and
    /// `/proc/self/ns/pid`, on macOS (which has no PID namespaces) from the boot time; empty when unreadable.
    public static let currentNamespace: String = {
        #if os(Linux)
        guard let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
              let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid") else { return "" }
        return hex(fnv1a("\(boot.trimmingCharacters(in: .whitespacesAndNewlines))/\(namespace)"))
        #else
        var bootTime = timeval()
        var size = MemoryLayout<timeval>.size
        guard sysctlbyname("kern.boottime", &bootTime, &size, nil, 0) == 0 else { return "" }
        return hex(fnv1a("boot:\(bootTime.tv_sec).\(bootTime.tv_usec)"))
        #endif
    }()

    /// Whether `worker` names a process of this host, boot and PID namespace that no longer exists (`kill(pid, 0)`
    /// fails with ESRCH). Workers elsewhere (another machine, another container, another boot), or ids of another
    /// shape, are never declared dead here; their leases expire instead.
    public static func isDeadLocalProcess(_ worker: String) -> Bool {
        guard let identity = WorkerIdentity(worker), identity.host == currentHostName(), !currentNamespace.isEmpty,
              identity.namespace == currentNamespace else { return false }
        if identity.processID == getpid() { return false }
        return kill(identity.processID, 0) != 0 && errno == ESRCH
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// FNV-1a, 64 bits: a short stable digest (not a secret; any client can claim any worker id).
    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
