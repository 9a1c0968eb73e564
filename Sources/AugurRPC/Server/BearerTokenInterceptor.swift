import GRPCCore

/// Lets a call through only when its `authorization` metadata is `Bearer <token>` with the server's token; answers
/// UNAUTHENTICATED otherwise. Health checks are exempt so that probes need no secret.
///
/// The comparison takes the same time wherever the tokens differ, so response timing does not reveal a prefix.
public struct BearerTokenInterceptor: ServerInterceptor {
    private let expected: [UInt8]

    /// - Parameter token: the shared secret (surrounding white space is ignored); must not be empty.
    public init(token: String) {
        expected = Array(token.trimmingWhitespace().utf8)
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
        guard let presented = Self.bearerCredentials(header) else {
            throw RPCError(code: .unauthenticated, message: "the authorization metadata must be `Bearer <token>`")
        }
        guard Self.constantTimeEquals(presented, expected) else {
            throw RPCError(code: .unauthenticated, message: "the bearer token is wrong")
        }
        return try await next(request, context)
    }

    /// The credentials of an `authorization` value in the Bearer scheme, or nil for another scheme. The scheme name is
    /// case-insensitive and may be followed by several spaces (RFC 7235 section 2.1, RFC 6750 section 2.1).
    static func bearerCredentials(_ header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " ") else { return nil }
        for (byte, expected) in zip(bytes, scheme) where byte | 0x20 != expected {
            return nil
        }
        return Array(bytes[scheme.count...].drop { $0 == UInt8(ascii: " ") })
    }

    /// Whether `a` equals `b`, looking at every byte of the longer one whatever the contents.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
