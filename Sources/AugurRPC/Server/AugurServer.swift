import AugurService
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// An `augur.v1.AugurService` server with the health service, over HTTP/2 (plaintext) on one address.
///
/// ```swift
/// let server = AugurServer(service: StudyService(store: store), address: ListenAddress(host: "127.0.0.1", port: 0))
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await server.serve() }
///     print(try await server.listeningAddress())
///     …
///     server.beginGracefulShutdown()
/// }
/// ```
public final class AugurServer: Service, Sendable {
    public let address: ListenAddress
    public let health: HealthService
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let transport: HTTP2ServerTransport.Posix
    private let logger: Logger

    /// - Parameters:
    ///   - service: the study logic (and its store) the API exposes.
    ///   - address: where to listen; port 0 picks a free one.
    ///   - token: when given, every call but health checks needs `authorization: Bearer <token>`.
    ///   - additionalServices: other front ends over the same `service` served on the same port (Vizier's API).
    ///   - servesAugurAPI: whether `augur.v1.AugurService` itself is served (not on a listener for another API only).
    public init(service: StudyService, address: ListenAddress, token: String? = nil,
                additionalServices: [any RegistrableRPCService] = [], servesAugurAPI: Bool = true,
                logger: Logger = Logger(label: "augur.serve")) {
        self.address = address
        self.logger = logger
        health = HealthService()
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // Messages between the two limits reach RequestSizeInterceptor, which answers RESOURCE_EXHAUSTED with the
        // limit; the transport would only reset the stream (CANCELLED).
        config.rpc.maxRequestPayloadSize = RequestLimits.hardMessageBytes
        config.http2.maxConcurrentStreams = RequestLimits.maximumConcurrentStreams
        let socket: GRPCNIOTransportCore.SocketAddress = address.isIPv6
            ? .ipv6(host: address.host, port: address.port)
            : .ipv4(host: address.host == "localhost" ? "127.0.0.1" : address.host, port: address.port)
        transport = HTTP2ServerTransport.Posix(address: socket, transportSecurity: .plaintext, config: config)
        var interceptors: [any ServerInterceptor] = []
        if let token { interceptors.append(BearerTokenInterceptor(token: token)) }
        interceptors.append(RequestSizeInterceptor())
        let api: [any RegistrableRPCService] = servesAugurAPI ? [AugurRPCService(service: service)] : []
        server = GRPCServer(transport: transport, services: api + additionalServices + [health], interceptors: interceptors)
    }

    /// Makes the event loops that carry the server's connections Swift concurrency's global executor, for a process
    /// whose job is to serve (`augur serve`). A call's handler then runs on the thread that read its request, instead
    /// of being handed to the cooperative pool and its reply back to an event loop: two fewer thread switches per
    /// call, and on a small machine two fewer threads competing for the cores (PostgreSQL, 16 clients: 11–25 % more
    /// trials per second; Benchmarks/README.md).
    ///
    /// Safe because nothing the service does blocks a task: the stores run their blocking database calls on their
    /// own threads (the PostgreSQL pool's `BlockingWorkPool`, SQLite's executor), and designers run inside those calls.
    /// Call it at most once per process, before the server starts; later calls do nothing.
    /// - Returns: whether the event loops now run concurrency's tasks.
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        eventLoopExecutorInstalled.withLock { installed in
            if installed == nil {
                installed = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            return installed ?? false
        }
    }

    private static let eventLoopExecutorInstalled = Mutex<Bool?>(nil)

    /// Serves until `beginGracefulShutdown` has been called and running calls have finished, or until the task is
    /// cancelled. Throws when the address cannot be bound.
    public func serve() async throws {
        try await withTaskCancellationHandler {
            try await server.serve()
        } onCancel: {
            self.beginGracefulShutdown()
        }
    }

    /// Serves as a service of a `ServiceGroup`: graceful shutdown stops accepting calls and lets running ones
    /// finish (``beginGracefulShutdown()``).
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await serve()
        } onGracefulShutdown: {
            self.beginGracefulShutdown()
        }
    }

    /// The address the server listens on, once it listens (with the real port when port 0 was asked for).
    public func listeningAddress() async throws -> ListenAddress {
        let socket = try await transport.listeningAddress
        if let ipv4 = socket.ipv4 { return ListenAddress(host: ipv4.host, port: ipv4.port) }
        if let ipv6 = socket.ipv6 { return ListenAddress(host: ipv6.host, port: ipv6.port) }
        return address
    }

    /// Stops accepting calls; `serve` returns when the running ones have finished. Health checks answer NOT_SERVING.
    public func beginGracefulShutdown() {
        health.setStatus(.notServing)
        health.finishWatchers()
        server.beginGracefulShutdown()
    }
}
