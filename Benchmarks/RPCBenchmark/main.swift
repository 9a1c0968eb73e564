import AugurAlgorithms
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import Logging

// RPCBenchmark: the suggestion service end to end over gRPC on loopback.
//
//   RPCBenchmark [--database PATH_OR_URL | --server HOST:PORT] [--clients 1,16,64] [--trials N] [--gp-history 100,500] [--gp-repeats N]
//                    [--skip-throughput] [--skip-gp] [--cooperative-pool]
//
// Throughput: one `augur serve`-equivalent server (AugurServer over StudyService, with concurrency on the event
// loops as `augur serve` runs it) in this process, and N concurrent
// clients (tasks, each with its own client id, sharing 4 HTTP/2 connections) that loop SuggestTrials(1) →
// CompleteTrial(final measurement) on a random-search study whose parallel limit is N. It prints trials per second
// and the p50/p99 latency of one suggest+complete cycle and of each call.
//
// --server drives a running `augur serve` instead (throughput only; the clients in this process, the server in its
// own, as in a deployment; `augur serve` prints the store it uses).
//
// --cooperative-pool leaves Swift concurrency on its default thread pool, for comparison.
//
// GP overhead: on a study with H completed trials, the time of one GP suggestion in-process (StudyService) and
// through the RPC server, alternating; the difference is what the RPC layer adds (printed as the difference of the
// two medians and as the median of each round's difference, the steadier of the two on a busy machine).
//
// Without --database it uses a fresh SQLite file in a temporary directory (removed afterwards).

struct Options {
    var database: String?
    var server: ListenAddress?
    var clientCounts = [1, 16, 64]
    var trials = 2_000
    var gpHistories = [100, 500]
    var gpRepeats = 10
    var throughput = true
    var gp = true
    var eventLoopExecutor = true

    init(arguments: [String]) throws(OptionError) {
        var remaining = arguments[...]
        func numbers(after flag: String) throws(OptionError) -> [Int] {
            guard let text = remaining.popFirst() else { throw OptionError("\(flag) needs a comma-separated list of numbers") }
            let values = text.split(separator: ",").compactMap { Int($0) }
            guard !values.isEmpty, values.allSatisfy({ $0 > 0 }) else { throw OptionError("\(flag) needs positive whole numbers") }
            return values
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--database":
                guard let value = remaining.popFirst() else { throw OptionError("--database needs a path or URL") }
                database = value
            case "--server":
                guard let value = remaining.popFirst(), let address = ListenAddress(value) else {
                    throw OptionError("--server needs HOST:PORT of a running augur serve")
                }
                server = address
            case "--clients": clientCounts = try numbers(after: argument)
            case "--trials": trials = try numbers(after: argument)[0]
            case "--gp-history": gpHistories = try numbers(after: argument)
            case "--gp-repeats": gpRepeats = try numbers(after: argument)[0]
            case "--skip-throughput": throughput = false
            case "--skip-gp": gp = false
            case "--cooperative-pool": eventLoopExecutor = false
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

/// Latencies in seconds.
struct Latencies {
    var values: [Double] = []

    mutating func append(contentsOf other: Latencies) { values += other.values }

    func percentile(_ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }
}

/// The service's own log lines (study completed, …) would interleave with the tables.
let quietLogger: Logger = {
    var logger = Logger(label: "augur.rpc-benchmark")
    logger.logLevel = .warning
    return logger
}()

func milliseconds(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1000) }

func elapsed(since start: ContinuousClock.Instant) -> Double {
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func benchmarkSpec(name: String, trials: Int, parallel: Int, algorithm: AlgorithmSpec = .random) -> StudySpec {
    StudySpec(
        name: name,
        searchSpace: SearchSpace([
            .double("lr", min: 1e-4, max: 1e-1, scale: .log),
            .integer("layers", min: 1, max: 8),
            .double("dropout", min: 0, max: 0.5),
            .categorical("optimizer", ["adam", "sgd", "rmsprop"]),
        ]),
        objective: Objective(metric: "loss", goal: .minimize),
        algorithm: algorithm,
        budget: Budget(maxTrials: trials, parallelTrials: parallel),
        seed: 3)
}

func loss(of trial: Trial) -> Double {
    let lr = trial.parameters["lr"]?.doubleValue ?? 0.01
    let layers = trial.parameters["layers"]?.doubleValue ?? 1
    let dropout = trial.parameters["dropout"]?.doubleValue ?? 0
    return abs(log10(lr) + 2.5) + abs(layers - 4) * 0.1 + (dropout - 0.2) * (dropout - 0.2)
}

/// Runs `body` with an RPC server over `store` on a free loopback port.
func withServer<T: Sendable>(_ service: StudyService, _ body: @Sendable (ListenAddress) async throws -> T) async throws -> T {
    let server = AugurServer(service: service, address: ListenAddress(host: "127.0.0.1", port: 0))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        let address = try await server.listeningAddress()
        let result = try await body(address)
        server.beginGracefulShutdown()
        try await group.waitForAll()
        return result
    }
}

struct ThroughputResult {
    var clients: Int
    var trials: Int
    var seconds: Double
    var cycle: Latencies
    var suggest: Latencies
    var complete: Latencies
}

/// Where the throughput clients send their calls: a server started here over an in-process service, or a running one.
enum Target: Sendable {
    case local(StudyService)
    case remote(ListenAddress)
}

func measureThroughput(target: Target, clients: Int, trials: Int, label: String) async throws -> ThroughputResult {
    let name = "bench-\(label)-\(clients)-\(UInt32.random(in: 0...UInt32.max))"
    let spec = benchmarkSpec(name: name, trials: trials, parallel: clients)
    let result: ThroughputResult
    switch target {
    case .local(let service):
        _ = try await service.createStudy(spec)
        result = try await withServer(service) { address in try await runClients(address: address, study: name, clients: clients) }
        try await service.deleteStudy(name)
    case .remote(let address):
        try await AugurClient.withClient(server: address) { client in _ = try await client.createStudy(spec) }
        result = try await runClients(address: address, study: name, clients: clients)
        try await AugurClient.withClient(server: address) { client in try await client.deleteStudy(name) }
    }
    return result
}

/// The latencies one client (or a group of them) saw.
struct ClientLatencies: Sendable {
    var cycle = Latencies(), suggest = Latencies(), complete = Latencies()

    mutating func append(contentsOf other: ClientLatencies) {
        cycle.append(contentsOf: other.cycle)
        suggest.append(contentsOf: other.suggest)
        complete.append(contentsOf: other.complete)
    }
}

/// `clients` concurrent clients looping suggest → complete on `name` until the study has no more trials to give.
func runClients(address: ListenAddress, study name: String, clients: Int) async throws -> ThroughputResult {
    let connections = min(4, clients)
    let start = ContinuousClock.now
    let all = try await withThrowingTaskGroup(of: ClientLatencies.self) { outer in
        for connection in 0..<connections {
            outer.addTask {
                try await AugurClient.withClient(server: address) { client in
                    try await withThrowingTaskGroup(of: ClientLatencies.self) { group in
                        for number in stride(from: connection, to: clients, by: connections) {
                            group.addTask {
                                var seen = ClientLatencies()
                                let me = "bench-client-\(number)"
                                while true {
                                    let began = ContinuousClock.now
                                    guard let trial = try await client.suggestTrials(study: name, client: me, count: 1).first else { break }
                                    let suggested = elapsed(since: began)
                                    let completing = ContinuousClock.now
                                    try await client.completeTrial(study: name, trial: trial.id,
                                                                   .measurement(TrialMeasurement(step: 1, metrics: ["loss": loss(of: trial)])))
                                    seen.complete.values.append(elapsed(since: completing))
                                    seen.suggest.values.append(suggested)
                                    seen.cycle.values.append(elapsed(since: began))
                                }
                                return seen
                            }
                        }
                        return try await group.reduce(into: ClientLatencies()) { $0.append(contentsOf: $1) }
                    }
                }
            }
        }
        return try await outer.reduce(into: ClientLatencies()) { $0.append(contentsOf: $1) }
    }
    return ThroughputResult(clients: clients, trials: all.cycle.values.count, seconds: elapsed(since: start),
                            cycle: all.cycle, suggest: all.suggest, complete: all.complete)
}

/// Creates `history` completed trials with random search, then times GP suggestions in-process and over RPC.
func measureGaussianProcess(store: any StudyStore, history: Int, repeats: Int) async throws -> (inProcess: Latencies, rpc: Latencies)? {
    let spec = benchmarkSpec(name: "bench-gp-\(history)-\(UInt32.random(in: 0...UInt32.max))", trials: history + 2 * repeats + 10,
                             parallel: 1, algorithm: .gaussianProcess(GaussianProcessSettings()))
    guard (try? DesignerFactory.make(for: spec)) != nil else { return nil }
    let filler = StudyService(store: store, designers: { try RandomDesigner(spec: $0) }, isWorkerGone: { _ in false }, logger: quietLogger)
    _ = try await filler.createStudy(spec)
    for _ in 0..<history {
        guard let trial = try await filler.suggestTrials(study: spec.name, client: "filler", count: 1).first else { break }
        try await filler.completeTrial(study: spec.name, trial: trial.id, .measurement(TrialMeasurement(metrics: ["loss": loss(of: trial)])))
    }
    let service = StudyService(store: store, isWorkerGone: { _ in false }, logger: quietLogger)
    let (inProcess, rpc) = try await withServer(service) { address in
        try await AugurClient.withClient(server: address) { client in
            var inProcess = Latencies(), rpc = Latencies()
            for round in 0..<repeats {
                // Alternate, so that both paths see histories of the same sizes.
                for viaRPC in round.isMultiple(of: 2) ? [false, true] : [true, false] {
                    let began = ContinuousClock.now
                    let trial: Trial?
                    if viaRPC {
                        trial = try await client.suggestTrials(study: spec.name, client: "gp-rpc", count: 1).first
                    } else {
                        trial = try await service.suggestTrials(study: spec.name, client: "gp-local", count: 1).first
                    }
                    let seconds = elapsed(since: began)
                    guard let trial else { continue }
                    if viaRPC { rpc.values.append(seconds) } else { inProcess.values.append(seconds) }
                    try await service.completeTrial(study: spec.name, trial: trial.id, .measurement(TrialMeasurement(metrics: ["loss": loss(of: trial)])))
                }
            }
            return (inProcess, rpc)
        }
    }
    try await service.deleteStudy(spec.name)
    return (inProcess, rpc)
}

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    if let message = error.message { FileHandle.standardError.write(Data("RPCBenchmark: \(message)\n".utf8)) }
    print("usage: RPCBenchmark [--database PATH_OR_URL | --server HOST:PORT] [--clients 1,16,64] [--trials N] [--gp-history 100,500] [--gp-repeats N] [--skip-throughput] [--skip-gp] [--cooperative-pool]")
    exit(error.message == nil ? 0 : 64)
}

// Configured as `augur serve` is, unless asked otherwise.
if options.eventLoopExecutor { AugurServer.runConcurrencyOnEventLoops() }

var scratch: URL?
let location: String
if let database = options.database {
    location = database
} else {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-rpc-benchmark-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    scratch = directory
    location = directory.appendingPathComponent("bench.sqlite").path
}
defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }

let store: (any StudyStore)?
let engine: String
let target: Target
if let server = options.server {
    store = nil
    engine = "augur serve"
    target = .remote(server)
    print("RPCBenchmark: the augur serve at \(server), clients in this process over gRPC")
} else {
    let opened = try StudyStores.open(location)
    store = opened
    engine = location.lowercased().hasPrefix("postgres") ? "PostgreSQL" : "SQLite"
    target = .local(StudyService(store: opened, isWorkerGone: { _ in false }, logger: quietLogger))
    print("RPCBenchmark: \(engine) store (\(options.database == nil ? "temporary file" : location)), server and clients in one process over "
        + "loopback gRPC, " + (options.eventLoopExecutor ? "concurrency on the event loops as in augur serve" : "concurrency on the default cooperative pool") + ")")
}

if options.throughput {
    print("")
    print("| store | clients | trials | trials/s | cycle p50 ms | cycle p99 ms | suggest p50 / p99 ms | complete p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for clients in options.clientCounts {
        // A warm-up study, so that connections and caches are set up before timing.
        _ = try await measureThroughput(target: target, clients: clients, trials: min(100, options.trials), label: "warmup")
        let result = try await measureThroughput(target: target, clients: clients, trials: options.trials, label: "run")
        print("| \(engine) | \(clients) | \(result.trials) | \(String(format: "%.0f", Double(result.trials) / result.seconds)) | "
            + "\(milliseconds(result.cycle.percentile(0.5))) | \(milliseconds(result.cycle.percentile(0.99))) | "
            + "\(milliseconds(result.suggest.percentile(0.5))) / \(milliseconds(result.suggest.percentile(0.99))) | "
            + "\(milliseconds(result.complete.percentile(0.5))) / \(milliseconds(result.complete.percentile(0.99))) |")
    }
}

if options.gp, options.server != nil {
    print("")
    print("GP overhead: skipped with --server (it compares with an in-process suggestion on the same store)")
} else if options.gp, let store {
    print("")
    var printedHeader = false
    for history in options.gpHistories {
        guard let result = try await measureGaussianProcess(store: store, history: history, repeats: options.gpRepeats) else {
            print("GP overhead: skipped, this build has no GP designer (DesignerFactory refuses GAUSSIAN_PROCESS_BANDIT)")
            break
        }
        if !printedHeader {
            print("| store | completed trials | GP suggest in-process p50 ms | through RPC p50 ms | RPC adds (p50) ms | RPC adds (median of rounds) ms |")
            print("|---|---|---|---|---|---|")
            printedHeader = true
        }
        let local = result.inProcess.percentile(0.5), remote = result.rpc.percentile(0.5)
        // Round i's two suggestions see the same history size, so their difference is the RPC layer's share of that
        // round; the median of those differences is steadier than the difference of two medians on a noisy machine.
        var paired = Latencies()
        paired.values = zip(result.rpc.values, result.inProcess.values).map { $0 - $1 }
        print("| \(engine) | \(history) | \(milliseconds(local)) | \(milliseconds(remote)) | \(milliseconds(remote - local)) | "
            + "\(milliseconds(paired.percentile(0.5))) |")
    }
}
