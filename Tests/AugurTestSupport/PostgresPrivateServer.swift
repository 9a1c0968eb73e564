import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of one test's own (initdb into a temporary directory, a free port on 127.0.0.1), for tests
/// that stop and start the server and so must not disturb the shared one. Uses the binaries in
/// `AUGUR_TEST_POSTGRES_BINDIR` (or `installedBinaries`) and runs them as the `postgres` user when the tests run as
/// root (initdb refuses root).
public final class PostgresPrivateServer: Sendable {
    public let directory: String
    public let port: Int
    public let binaries: String

    public var url: String { "postgres://augur@127.0.0.1:\(port)/postgres" }
    private var dataDirectory: String { directory + "/data" }

    /// The folder holding `initdb` and `pg_ctl`: `AUGUR_TEST_POSTGRES_BINDIR` (set by scripts/with-postgres.sh), else
    /// the newest `/usr/lib/postgresql/*/bin` that has them; `nil` when PostgreSQL's server is not installed.
    public static var installedBinaries: String? {
        if let configured = ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_BINDIR"] { return configured }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            .map { "/usr/lib/postgresql/\($0)/bin" }
            .last { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") && FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }

    public init(binaries: String) throws {
        self.binaries = binaries
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        if getuid() == 0 { try Self.run("/bin/chown", ["postgres", directory], log: "/dev/null") }
        try runServerTool("initdb", ["-D", dataDirectory, "-U", "augur", "--auth=trust", "-E", "UTF8", "--no-sync"])
        try start()
    }

    /// Stops the server (fast: sessions are cut, in-flight transactions abort) and starts it again with the same
    /// options; returns once it accepts connections.
    public func restart() throws {
        try runServerTool("pg_ctl", ["-D", dataDirectory, "-l", directory + "/server.log", "-m", "fast", "-w", "-t", "60", "restart"])
    }

    /// Stops the server (fast: sessions are cut, in-flight transactions abort), keeping its data for `start()`.
    public func pause() throws {
        try runServerTool("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// Starts a server stopped by `pause()` with the same options; returns once it accepts connections.
    public func start() throws {
        try runServerTool("pg_ctl", [
            "-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60",
            "-o", "-h 127.0.0.1 -p \(port) -k \(directory) -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start",
        ])
    }

    /// Stops the server for good and deletes its files.
    public func stop() {
        _ = try? runServerTool("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func runServerTool(_ tool: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try Self.run("/sbin/runuser", ["-u", "postgres", "--", binaries + "/" + tool] + arguments, log: directory + "/tools.log")
        } else {
            try Self.run(binaries + "/" + tool, arguments, log: directory + "/tools.log")
        }
    }

    /// Runs a tool to completion with `posix_spawn` and `waitpid`. Its output goes to a file, not a pipe: the
    /// postmaster that `pg_ctl start` leaves behind would hold a pipe open forever.
    private static func run(_ executable: String, _ arguments: [String], log: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw PrivateServerError(message: "cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw PrivateServerError(message: "\(executable) \(arguments.joined(separator: " ")) failed: \(text.suffix(2000))")
        }
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw PrivateServerError(message: "no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct PrivateServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
