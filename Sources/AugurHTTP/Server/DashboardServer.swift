import AugurService
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The dashboard as a service of a `ServiceGroup`: the JSON API under /api/v1/ and the HTML pages over a study
/// service, on Hummingbird 2. It only reads studies. Graceful shutdown stops accepting connections and lets running
/// requests finish.
public final class DashboardServer: Service, Sendable {
    private let service: StudyService
    private let host: String
    private let port: Int
    private let token: String?
    private let logger: Logger
    private let bound = Mutex<BoundState>(.waiting([]))

    private enum BoundState {
        case waiting([CheckedContinuation<Int, any Error>])
        case bound(Int)
        case stopped
    }

    /// - Parameters:
    ///   - service: where studies are read.
    ///   - host: the address to listen on (`127.0.0.1`, `::`, …).
    ///   - port: the port; 0 picks a free one (`listeningPort()` tells which).
    ///   - token: when set, every request but `/healthz` must carry it (`TokenMiddleware`).
    public init(service: StudyService, host: String, port: Int, token: String? = nil, logger: Logger = Logger(label: "augur.dashboard")) {
        self.service = service
        self.host = host
        self.port = port
        self.token = token
        self.logger = logger
    }

    public func run() async throws {
        let router = DashboardRoutes.router(service: service, token: token)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "augur-dashboard"),
            onServerRunning: { channel in self.announce(port: channel.localAddress?.port ?? 0) },
            logger: logger)
        defer {
            let waiters = bound.withLock { state -> [CheckedContinuation<Int, any Error>] in
                defer { state = .stopped }
                if case .waiting(let waiters) = state { return waiters }
                return []
            }
            for waiter in waiters { waiter.resume(throwing: DashboardError(.serviceUnavailable, "the dashboard stopped before it was listening")) }
        }
        try await application.run()
    }

    private func announce(port: Int) {
        let waiters = bound.withLock { state -> [CheckedContinuation<Int, any Error>] in
            defer { state = .bound(port) }
            if case .waiting(let waiters) = state { return waiters }
            return []
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// The port the server listens on, once it is bound; throws if it stopped before.
    public func listeningPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Int, any Error>? = bound.withLock { state in
                switch state {
                case .waiting(let waiters):
                    state = .waiting(waiters + [continuation])
                    return nil
                case .bound(let port):
                    return .success(port)
                case .stopped:
                    return .failure(DashboardError(.serviceUnavailable, "the dashboard is not running"))
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
