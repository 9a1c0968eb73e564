import AugurWorkers
import Logging

/// Writes swift-log records to standard error through the `Console`, so they scroll above the progress line:
/// `augur: warning: message key=value …`.
struct ConsoleLogHandler: LogHandler {
    let console: Console
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let level = event.level >= .warning ? "\(event.level): " : ""
        console.printLine("augur: \(level)\(event.message)" + (details.isEmpty ? "" : " (\(details))"))
    }
}

extension Logger.Level {
    /// The level chosen by `--verbose` / `--quiet`.
    static func forCommandLine(verbose: Bool, quiet: Bool) -> Logger.Level {
        verbose ? .debug : quiet ? .warning : .info
    }
}
