import AugurStorage
import Foundation

// StoreBenchmark: how fast a StudyStore hands out and records trials, and how fast its everyday queries answer on
// a large study.
//
//   StoreBenchmark [--database PATH_OR_URL] [--clients N] [--trials N] [--query-trials N] [--repeats N]
//                  [--skip-throughput] [--skip-queries]
//
// Without --database it uses a fresh SQLite file in a temporary directory (removed afterwards). A PostgreSQL URL
// works once the PostgreSQL store is built in. --clients runs that many concurrent clients, each with its own store.

struct Options {
    var database: String?
    var clients = 1
    var trialsPerClient = 2_000
    var queryTrials = 100_000
    var repeats = 50
    var throughput = true
    var queries = true

    static let usage = """
        usage: StoreBenchmark [--database PATH_OR_URL] [--clients N] [--trials N] [--query-trials N] [--repeats N]
                              [--skip-throughput] [--skip-queries]
        """

    init(arguments: [String]) throws(OptionError) {
        var remaining = arguments[...]
        func number(after flag: String) throws(OptionError) -> Int {
            guard let text = remaining.popFirst(), let value = Int(text), value > 0 else {
                throw OptionError("\(flag) needs a positive whole number")
            }
            return value
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--database":
                guard let value = remaining.popFirst() else { throw OptionError("--database needs a path or URL") }
                database = value
            case "--clients": clients = try number(after: argument)
            case "--trials": trialsPerClient = try number(after: argument)
            case "--query-trials": queryTrials = try number(after: argument)
            case "--repeats": repeats = try number(after: argument)
            case "--skip-throughput": throughput = false
            case "--skip-queries": queries = false
            case "--help", "-h": throw OptionError(nil)
            default: throw OptionError("unknown argument '\(argument)'")
            }
        }
    }
}

struct OptionError: Error {
    var message: String?
    init(_ message: String?) { self.message = message }
}

func format(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    if let message = error.message {
        FileHandle.standardError.write(Data("error: \(message)\n\(Options.usage)\n".utf8))
        exit(64)
    }
    print(Options.usage)
    exit(0)
}

let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("augur-store-benchmark-\(UUID().uuidString)")
let location = options.database ?? temporary.appendingPathComponent("bench.sqlite").path
defer { try? FileManager.default.removeItem(at: temporary) }

let runner = StoreBenchmarkRunner { try StudyStores.open(location) }
print("StoreBenchmark on \(options.database ?? "a fresh SQLite file (\(location))")")

do {
    if options.throughput {
        let result = try await runner.throughput(clients: options.clients, trialsPerClient: options.trialsPerClient)
        print("""

            Throughput: \(result.trials) trials, each assigned (1 per assignTrials) and finished with a final measurement
              clients: \(result.clients)
              elapsed: \(format(result.seconds, 2)) s
              rate:    \(format(result.trialsPerSecond, 0)) trials/s (\(format(1_000_000 / result.trialsPerSecond * Double(result.clients), 0)) us per trial per client)
            """)
    }
    if options.queries {
        print("\nFilling a study with \(options.queryTrials) completed trials…")
        let (study, seconds) = try await runner.populate(trials: options.queryTrials)
        print("  filled in \(format(seconds, 1)) s (\(format(Double(options.queryTrials) / seconds, 0)) trials/s in batches of 500)")
        print("\nQuery latency on the \(options.queryTrials)-trial study (\(options.repeats) runs each, milliseconds):")
        print("  query                                              median      p95")
        for latency in try await runner.queryLatencies(study: study, repeats: options.repeats) {
            let name = latency.name.padding(toLength: 48, withPad: " ", startingAt: 0)
            print("  \(name) \(format(latency.median, 3).leftPadded(8)) \(format(latency.p95, 3).leftPadded(8))")
        }
        try await StudyStores.open(location).deleteStudy(named: study)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
