import AugurAlgorithms
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2

/// Runs `body` against a real `AugurServer` on a free loopback port, then shuts the server down.
func withTestServer<Result: Sendable>(
    store: any StudyStore,
    leaseDuration: TimeInterval = 60,
    token: String? = nil,
    designers: StudyService.DesignerProvider? = nil,
    stoppingPolicies: StudyService.StoppingPolicyProvider? = { StoppingPolicyFactory.make(for: $0) },
    _ body: @Sendable (ListenAddress, StudyService) async throws -> Result
) async throws -> Result {
    let service = StudyService(store: store, designers: designers, stoppingPolicies: stoppingPolicies, leaseDuration: leaseDuration,
                               retryLimit: 3, isWorkerGone: { _ in false })
    let server = AugurServer(service: service, address: ListenAddress(host: "127.0.0.1", port: 0), token: token)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        defer { server.beginGracefulShutdown() }
        let address = try await server.listeningAddress()
        let result = try await body(address, service)
        server.beginGracefulShutdown()
        try await group.waitForAll()
        return result
    }
}

/// Runs `body` with a client of the server at `address` (a short retry window: tests want errors, not waits).
func withClient<Result: Sendable>(_ address: ListenAddress, token: String? = nil,
                                  _ body: @Sendable (AugurClient) async throws -> Result) async throws -> Result {
    try await AugurClient.withClient(server: address, token: token, retryTimeout: .seconds(5), body)
}

/// Runs `body` with the generated stub, for requests the domain client would never send.
func withRawStub<Result: Sendable>(
    _ address: ListenAddress, metadata: Metadata = [:],
    _ body: @Sendable (Augur_V1_AugurService.Client<HTTP2ClientTransport.Posix>, Grpc_Health_V1_Health.Client<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    try await withGRPCClient(transport: try .http2NIOPosix(target: .ipv4(address: address.host, port: address.port), transportSecurity: .plaintext)) { client in
        try await body(Augur_V1_AugurService.Client(wrapping: client), Grpc_Health_V1_Health.Client(wrapping: client))
    }
}

/// The gRPC status code a call failed with, or nil when it succeeded.
func statusCode(of call: () async throws -> some Any) async -> RPCError.Code? {
    do {
        _ = try await call()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}

extension StudySpec {
    /// Two parameters of different kinds, minimizing `loss`, random search.
    static func rpcStudy(name: String = "rpc", maxTrials: Int = 10, parallel: Int = 2, earlyStopping: EarlyStoppingSpec? = nil) -> StudySpec {
        StudySpec(
            name: name,
            searchSpace: SearchSpace([
                .double("lr", min: 1e-4, max: 1e-1, scale: .log),
                .integer("layers", min: 1, max: 8),
                .categorical("optimizer", ["adam", "sgd"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize, additionalMetrics: [MetricSpec(name: "accuracy", strategy: .max)]),
            algorithm: .random,
            earlyStopping: earlyStopping,
            budget: Budget(maxTrials: maxTrials, parallelTrials: parallel),
            trial: .command(CommandTrial(argv: ["/bin/echo", "loss=${parameters.lr}"])),
            seed: 7)
    }
}

/// A stand-in objective: smooth in the parameters, deterministic.
func syntheticLoss(_ trial: Trial) -> Double {
    let lr = trial.parameters["lr"]?.doubleValue ?? 0.01
    let layers = trial.parameters["layers"]?.doubleValue ?? 1
    return abs(log10(lr) + 2) + abs(layers - 3) * 0.1
}
