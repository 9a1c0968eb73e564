import AugurStorage

/// Why a study-service call was refused. The RPC layer maps the cases to gRPC status codes
/// (`invalidArgument` → INVALID_ARGUMENT, `notFound` → NOT_FOUND, `failedPrecondition` → FAILED_PRECONDITION,
/// `unavailable` → UNAVAILABLE, `internalError` → INTERNAL).
public enum ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request itself is wrong (a negative count, a measurement without metrics, …).
    case invalidArgument(String)
    /// The study or trial does not exist.
    case notFound(String)
    /// The request is well formed but the study or trial is in a state that does not allow it.
    case failedPrecondition(String)
    /// The database could not be reached; retrying later may succeed.
    case unavailable(String)
    /// Something went wrong inside Augur or its database.
    case internalError(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message), .notFound(let message), .failedPrecondition(let message),
             .unavailable(let message), .internalError(let message):
            message
        }
    }

    /// Maps a store error to the service error a client should see.
    public init(_ error: StoreError) {
        switch error {
        case .studyNotFound, .trialNotFound:
            self = .notFound(error.description)
        case .studyExists, .trialNotActive, .notOwner:
            self = .failedPrecondition(error.description)
        case .connection:
            self = .unavailable(error.description)
        case .database, .schemaTooNew:
            self = .internalError(error.description)
        }
    }

    /// Wraps any error thrown by a store or designer.
    static func wrapping(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError: error
        case let error as StoreError: ServiceError(error)
        default: .internalError(String(describing: error))
        }
    }
}
