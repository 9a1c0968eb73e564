/// How a libpq call failed, as the connection pool needs to know it to decide between retrying and reporting.
enum PostgresFailure: Error, Sendable {
    /// The connection broke (server restarted, network gone): nothing sent on it since the last completed
    /// statement is known to have been applied.
    case connectionLost(String)
    /// A connection could not be opened; the message is one line naming host, port and database.
    case cannotConnect(String)
    /// The statement failed but the transaction may simply be retried (serialization failure, deadlock).
    case transient(message: String, sqlState: String)
    /// The server rejected the statement; the connection is still usable.
    case server(message: String, sqlState: String)

    /// SQLSTATEs that mean the session is gone (class 08 connection exceptions, operator intervention 57P0x).
    static func isConnectionLoss(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }

    /// SQLSTATEs after which the whole transaction may be retried as is.
    static func isTransient(sqlState: String) -> Bool {
        sqlState == "40001" || sqlState == "40P01"
    }

    /// The error the store reports once retrying is over.
    var storeError: StoreError {
        switch self {
        case .connectionLost(let message): .connection("lost the connection to PostgreSQL: \(message)")
        case .cannotConnect(let message): .connection(message)
        case .transient(let message, let sqlState), .server(let message, let sqlState): .database(message, sqlState: sqlState)
        }
    }
}
