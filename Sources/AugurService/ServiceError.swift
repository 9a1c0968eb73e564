import AugurCore
import AugurStorage

/// Why a study-service call was refused: a kind a front end can act on, one sentence for a human, and what caused it.
///
/// The kinds say what the caller should do (fix the request, look for another study, wait, report a bug); they are
/// mapped to a transport's status only at the edge (`AugurRPC` turns them into gRPC codes). The cause keeps the
/// error that led here (a `StoreError` with PostgreSQL's SQLSTATE, a designer's error), so logs and callers need not
/// parse the message. Messages follow one style (docs/architecture.md, "Errors"): what was wrong, where (study,
/// trial, field path), and what to do, in one sentence without a trailing period.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The request itself is wrong (a negative count, a measurement without metrics, an invalid spec, …).
        case invalidArgument
        /// The study or trial does not exist.
        case notFound
        /// A study of that name exists already (creating it again).
        case alreadyExists
        /// The request is well formed but the study or trial is in a state that does not allow it.
        case failedPrecondition
        /// The database could not be reached; retrying later may succeed.
        case unavailable
        /// Something went wrong inside Augur or its database.
        case internalError
        /// The database was lost under the service (its file deleted, moved or replaced): nothing more can be
        /// recorded and retrying cannot help, so the caller should stop; the message says what was kept.
        case dataLoss
    }

    public var kind: Kind
    /// One sentence for a human.
    public var message: String
    /// For an invalid spec: every problem, keyed by field path.
    public var problems: [SpecProblem]
    /// The error that caused this one, when there was one (a `StoreError`, a designer's error).
    public var cause: (any Error)?

    public init(_ kind: Kind, _ message: String, problems: [SpecProblem] = [], cause: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.problems = problems
        self.cause = cause
    }

    public static func invalidArgument(_ message: String) -> ServiceError { ServiceError(.invalidArgument, message) }
    public static func notFound(_ message: String) -> ServiceError { ServiceError(.notFound, message) }
    public static func alreadyExists(_ message: String) -> ServiceError { ServiceError(.alreadyExists, message) }
    public static func failedPrecondition(_ message: String) -> ServiceError { ServiceError(.failedPrecondition, message) }
    public static func unavailable(_ message: String) -> ServiceError { ServiceError(.unavailable, message) }
    public static func internalError(_ message: String) -> ServiceError { ServiceError(.internalError, message) }

    /// An invalid spec: every problem, with the message listing them as `field: message; …`.
    /// The message lists at most the first 20 problems (the rest are counted), so that a spec with thousands of
    /// bad values makes a short reply; `problems` keeps them all.
    public static func invalidSpec(_ problems: [SpecProblem]) -> ServiceError {
        let shown = problems.prefix(20).map { problem in
            let sentence = problem.message.hasSuffix(".") ? String(problem.message.dropLast()) : problem.message
            return problem.field.isEmpty ? sentence : "\(problem.field): \(sentence)"
        }
        let more = problems.count > shown.count ? ["and \(problems.count - shown.count) more problems"] : []
        return ServiceError(.invalidArgument, (shown + more).joined(separator: "; "), problems: problems)
    }

    public var description: String { message }

    /// The store error behind this one, if any.
    public var storeError: StoreError? { cause as? StoreError }

    /// PostgreSQL's SQLSTATE for a database error, when the cause carries one.
    public var sqlState: String? {
        if case .database(_, let sqlState)? = storeError { return sqlState }
        return nil
    }

    /// Maps a store error to the service error a client should see, keeping it as the cause.
    public init(_ error: StoreError) {
        let kind: Kind
        switch error {
        case .studyNotFound, .trialNotFound: kind = .notFound
        case .studyExists: kind = .alreadyExists
        case .trialNotActive, .notOwner: kind = .failedPrecondition
        case .connection: kind = .unavailable
        case .database, .schemaTooNew: kind = .internalError
        case .databaseFileLost: kind = .dataLoss
        }
        self.init(kind, error.description, cause: error)
    }

    /// Wraps any error thrown by a store or designer.
    static func wrapping(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError: error
        case let error as StoreError: ServiceError(error)
        default: ServiceError(.internalError, String(describing: error), cause: error)
        }
    }
}

extension ServiceError: Equatable {
    /// Two refusals are equal when they say the same thing (kind and message); causes are not compared.
    public static func == (lhs: ServiceError, rhs: ServiceError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message
    }
}
