import AugurService
import GRPCCore

extension ServiceError {
    /// The gRPC status a client sees for this error, with the reason as its message and the error as its cause.
    public var rpcError: RPCError {
        RPCError(code: rpcCode, message: message, cause: self)
    }

    /// The one place a refusal's kind becomes a gRPC status code.
    var rpcCode: RPCError.Code {
        switch kind {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .failedPrecondition: .failedPrecondition
        case .unavailable: .unavailable
        case .internalError: .internalError
        case .dataLoss: .dataLoss
        }
    }

    /// The service error a gRPC status stands for (client side); the inverse of `rpcError`.
    init(_ error: RPCError) {
        let message = error.message.isEmpty ? "the server answered \(error.code)" : error.message
        switch error.code {
        case .invalidArgument, .outOfRange: self.init(.invalidArgument, message, cause: error)
        case .resourceExhausted: self.init(.invalidArgument, "the request is too large for the server: \(message)", cause: error)
        case .notFound: self.init(.notFound, message, cause: error)
        case .alreadyExists: self.init(.alreadyExists, message, cause: error)
        case .failedPrecondition, .aborted: self.init(.failedPrecondition, message, cause: error)
        case .unavailable, .deadlineExceeded, .cancelled:
            self.init(.unavailable, "the Augur server is unavailable (\(error.code)): \(message)", cause: error)
        case .unauthenticated:
            self.init(.failedPrecondition, "the server refused the token (\(message)); pass the server's token with --token-file", cause: error)
        case .permissionDenied: self.init(.failedPrecondition, message, cause: error)
        case .dataLoss: self.init(.dataLoss, message, cause: error)
        default: self.init(.internalError, "the server failed (\(error.code)): \(message)", cause: error)
        }
    }
}
