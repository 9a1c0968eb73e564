import ArgumentParser
import AugurWorkers
import Logging

/// `--verbose` / `--quiet`, shared by the commands that log while they work (`run`, `serve`, `worker`).
struct LoggingOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log more (for trials: each command and its process id).")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Log only warnings and errors.")
    var quiet = false

    /// Sends swift-log's output to `console` (standard error) at the level the flags chose.
    func bootstrap(console: Console) {
        let level = Logger.Level.forCommandLine(verbose: verbose, quiet: quiet)
        LoggingSystem.bootstrap { _ in ConsoleLogHandler(console: console, logLevel: level) }
    }
}
