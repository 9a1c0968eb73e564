import AugurService
import GRPCCore

extension ServiceError {
    /// The gRPC status a client sees for this error, with the reason as its message.
    var rpcError: RPCError {
        switch self {
        case .invalidArgument(let message): RPCError(code: .invalidArgument, message: message)
        case .notFound(let message): RPCError(code: .notFound, message: message)
        case .failedPrecondition(let message): RPCError(code: .failedPrecondition, message: message)
        case .unavailable(let message): RPCError(code: .unavailable, message: message)
        case .internalError(let message): RPCError(code: .internalError, message: message)
        }
    }

    /// The service error a gRPC status stands for (client side); the inverse of `rpcError`.
    init(_ error: RPCError) {
        let message = error.message.isEmpty ? "the server answered \(error.code)" : error.message
        switch error.code {
        case .invalidArgument, .outOfRange: self = .invalidArgument(message)
        case .resourceExhausted: self = .invalidArgument("the request is too large for the server: \(message)")
        case .notFound: self = .notFound(message)
        case .failedPrecondition, .alreadyExists, .aborted: self = .failedPrecondition(message)
        case .unavailable, .deadlineExceeded, .cancelled:
            self = .unavailable("the Augur server is unavailable (\(error.code)): \(message)")
        case .unauthenticated:
            self = .failedPrecondition("the server refused the token (\(message)); pass the server's token with --token-file")
        case .permissionDenied: self = .failedPrecondition(message)
        default: self = .internalError("the server failed (\(error.code)): \(message)")
        }
    }
}
