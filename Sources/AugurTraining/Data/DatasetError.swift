/// Why a dataset file could not be loaded.
public enum DatasetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// A CSV file has a problem at `line` (1-based), optionally in `column` (1-based).
    case malformedCSV(path: String, line: Int, column: Int?, message: String)
    /// An IDX file has a problem at byte `offset`.
    case malformedIDX(path: String, offset: Int, message: String)
    /// The images and labels files disagree, or options contradict the file.
    case inconsistent(String)
    /// A named dataset could not be found; `searched` lists the places looked at.
    case notFound(name: String, searched: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file: \(reason)."
        case .malformedCSV(let path, let line, let column, let message):
            let place = column.map { "\(path):\(line), column \($0)" } ?? "\(path):\(line)"
            return "\(place): \(message)"
        case .malformedIDX(let path, let offset, let message):
            return "\(path): byte offset \(offset): \(message)"
        case .inconsistent(let message):
            return message
        case .notFound(let name, let searched):
            return "dataset '\(name)' was not found; looked in: \(searched.joined(separator: ", ")). "
                + "Set AUGUR_DATA_DIR to the folder holding it, or give a path to a CSV file."
        }
    }
}
