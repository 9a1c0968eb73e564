/// What can go wrong in a factorization.
public enum LinearAlgebraError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The matrix has a NaN or infinite entry.
    case nonFiniteEntries
    /// The matrix stayed indefinite even after adding `jitter` to its diagonal.
    case notPositiveDefinite(order: Int, jitter: Double)
    /// LAPACK routine `routine` reported an invalid argument.
    case invalidArgument(routine: String, info: Int)

    public var description: String {
        switch self {
        case .nonFiniteEntries:
            "The matrix has NaN or infinite entries; check the inputs (parameters and objective values) for non-finite numbers."
        case let .notPositiveDefinite(order, jitter):
            "A \(order) × \(order) covariance matrix is not positive definite even with \(jitter) added to its diagonal; "
                + "the inputs are probably degenerate (many identical points with different values)."
        case let .invalidArgument(routine, info):
            "LAPACK's \(routine) rejected argument \(-info); this is a bug in Augur, please report it."
        }
    }
}
