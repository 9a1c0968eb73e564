import AugurCore
import GRPCCore

/// Lets a call through only when its `authorization` metadata is `Bearer <token>` with the server's token; answers
/// UNAUTHENTICATED otherwise. Health checks are exempt so that probes need no secret.
///
/// The comparison takes the same time wherever the tokens differ, so response timing does not reveal a prefix.
public struct BearerTokenInterceptor: ServerInterceptor {
    private let expected: BearerToken

    /// - Parameter token: the shared secret (surrounding white space is ignored); must not be empty.
    public init(token: String) {
        expected = BearerToken(token)
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if context.descriptor.service == Grpc_Health_V1_Health.descriptor {
            return try await next(request, context)
        }
        guard let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) else {
            throw RPCError(code: .unauthenticated, message: "this server needs `authorization: Bearer <token>` metadata")
        }
        guard let presented = BearerToken.credentials(ofAuthorization: header) else {
            throw RPCError(code: .unauthenticated, message: "the authorization metadata must be `Bearer <token>`")
        }
        guard expected.matches(presented) else {
            throw RPCError(code: .unauthenticated, message: "the bearer token is wrong")
        }
        return try await next(request, context)
    }
}
