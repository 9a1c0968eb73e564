import Foundation
import GRPCCore
import Synchronization

/// The standard `grpc.health.v1.Health` service. It answers for the server as a whole (`""`) and for
/// `augur.v1.AugurService`; both are SERVING while the server runs and NOT_SERVING once it begins shutting down.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol, Sendable {
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        var status: Status = .serving
        var watchers: [UUID: AsyncStream<Status>.Continuation] = [:]
    }

    private let state = Mutex(State())
    /// The service names the server knows.
    public let services: Set<String>

    public init(services: Set<String> = ["", Augur_V1_AugurService.descriptor.fullyQualifiedService]) {
        self.services = services
    }

    /// The status reported for every known service.
    public var status: Status { state.withLock { $0.status } }

    /// Changes the status and tells every watcher.
    public func setStatus(_ status: Status) {
        let watchers = state.withLock { state -> [AsyncStream<Status>.Continuation] in
            guard state.status != status else { return [] }
            state.status = status
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard services.contains(request.service) else {
            throw RPCError(code: .notFound, message: "this server has no service named `\(request.service.prefix(128))`")
        }
        return .with { $0.status = status }
    }

    public func watch(request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
                      context: ServerContext) async throws {
        guard services.contains(request.service) else {
            try await response.write(.with { $0.status = .serviceUnknown })
            return
        }
        let id = UUID()
        let (changes, continuation) = AsyncStream<Status>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let current = state.withLock { state in
            state.watchers[id] = continuation
            return state.status
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        try await response.write(.with { $0.status = current })
        for await status in changes {
            try await response.write(.with { $0.status = status })
        }
    }

    /// Ends every watch (the server is stopping).
    func finishWatchers() {
        let watchers = state.withLock { state in
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }
}
