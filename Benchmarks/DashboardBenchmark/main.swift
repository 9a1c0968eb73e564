import AugurCore
import AugurHTTP
import AugurService
import AugurStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle

// Times the dashboard's API on a large study: `DashboardBenchmark [--database PATH_OR_URL] [--trials N]
// [--curves N] [--repeats N]`. The study has N completed trials over 10 parameters; the first `--curves` trials also
// report 20 intermediate measurements each. Each endpoint is requested once to warm up, then `--repeats` times over
// loopback HTTP (a new connection each time); the first request's time, the median and the slowest are printed, with
// the reply's size. The first request of an analysis endpoint reads the whole study; later ones of a study with no
// running trial come from the dashboard's cache.

struct Options {
    var database: String?
    var trials = 100_000
    var curves = 1_000
    var repeats = 20

    init(_ arguments: [String]) {
        var index = 1
        while index < arguments.count {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch arguments[index] {
            case "--database": database = value
            case "--trials": trials = Int(value) ?? trials
            case "--curves": curves = Int(value) ?? curves
            case "--repeats": repeats = Int(value) ?? repeats
            default: break
            }
            index += 2
        }
    }
}

let options = Options(CommandLine.arguments)
let location = options.database ?? FileManager.default.temporaryDirectory
    .appendingPathComponent("augur-dashboard-bench-\(UUID().uuidString).sqlite").path
let store = try StudyStores.open(location)
let name = "bench-dashboard-\(UUID().uuidString.prefix(8))"
let space = SearchSpace((0..<10).map { index in
    switch index {
    case 0: .double("learning_rate", min: 1e-5, max: 1, scale: .log)
    case 1: .integer("layers", min: 1, max: 12)
    case 2: .categorical("optimizer", ["sgd", "adam", "rmsprop"])
    default: .double("p\(index)", min: 0, max: 1)
    }
})
let spec = StudySpec(name: name, searchSpace: space, objective: Objective(metric: "loss", goal: .minimize),
                     budget: Budget(maxTrials: 10_000_000, parallelTrials: 64), seed: 1)
_ = try await store.createStudy(spec)

func loss(_ parameters: ParameterAssignment, _ id: Int) -> Double {
    var generator = SeededGenerator(seed: 7, stream: UInt64(id))
    let learningRate = parameters["learning_rate"]?.doubleValue ?? 0.01
    return abs(log10(learningRate) + 2.5) + (parameters["p3"]?.doubleValue ?? 0) * 0.5 + generator.nextUnit() * 0.1
}

let clock = ContinuousClock()
let fillStart = clock.now
var created = 0
while created < options.trials {
    let batch = min(500, options.trials - created)
    let assigned = try await store.assignTrials(study: name, worker: "filler", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
        AssignmentPlan(create: (0..<batch).map { offset in
            var generator = SeededGenerator(seed: 2026, stream: UInt64(snapshot.counts.total + offset))
            return space.assignment(atUnit: space.parameters.map { _ in generator.nextUnit() })
        })
    }
    for trial in assigned {
        let final = loss(trial.parameters, trial.id)
        if trial.id <= options.curves {
            for step in 1...20 {
                try await store.addMeasurement(study: name, trial: trial.id,
                                               measurement: TrialMeasurement(step: step, metrics: ["loss": final + 1 / Double(step)]),
                                               leaseExpiresAt: nil)
            }
        }
        _ = try await store.finishTrial(study: name, trial: trial.id, state: .completed,
                                        finalMeasurement: TrialMeasurement(step: 20, metrics: ["loss": final]), reason: nil)
    }
    created += assigned.count
}
print("filled \(created) trials (\(options.curves) with 20 intermediate measurements) in \(String(format: "%.1f", (clock.now - fillStart).seconds)) s on \(location.hasPrefix("postgres") ? "PostgreSQL" : "SQLite")")

let service = StudyService(store: store)
let server = DashboardServer(service: service, host: "127.0.0.1", port: 0)
var logger = Logger(label: "bench")
logger.logLevel = .warning
let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))

let configuration = URLSessionConfiguration.ephemeral
configuration.urlCache = nil
let session = URLSession(configuration: configuration)

func fetch(_ url: URL) async throws -> Int {
    try await withCheckedThrowingContinuation { continuation in
        session.dataTask(with: url) { data, response, error in
            if let error { continuation.resume(throwing: error); return }
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                continuation.resume(throwing: DashboardError(.internalServerError, "status \((response as? HTTPURLResponse)?.statusCode ?? 0) for \(url)"))
                return
            }
            continuation.resume(returning: data?.count ?? 0)
        }.resume()
    }
}

try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    let port = try await server.listeningPort()
    let endpoints = [
        "/api/v1/studies",
        "/api/v1/studies/\(name)",
        "/api/v1/studies/\(name)/trials?page_size=50",
        "/api/v1/studies/\(name)/trials?page_size=50&state=COMPLETED&sort=loss",
        "/api/v1/studies/\(name)/trials?page_size=50&page_token=o50000",
        "/api/v1/studies/\(name)/trials/500",
        "/api/v1/studies/\(name)/history",
        "/api/v1/studies/\(name)/importance",
        "/api/v1/studies/\(name)/intermediate",
        "/studies/\(name)",
    ]
    print("| Endpoint (GET) | First (ms) | Median (ms) | Slowest (ms) | Reply (bytes) |")
    print("|---|---|---|---|---|")
    for endpoint in endpoints {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(endpoint)") else { continue }
        let first = clock.now
        let size = try await fetch(url)
        let firstMilliseconds = (clock.now - first).seconds * 1_000
        var samples: [Double] = []
        for _ in 0..<options.repeats {
            let start = clock.now
            _ = try await fetch(url)
            samples.append((clock.now - start).seconds * 1_000)
        }
        samples.sort()
        let shown = endpoint.replacingOccurrences(of: name, with: "{study}")
        print("| `\(shown)` | \(String(format: "%.1f", firstMilliseconds)) | \(String(format: "%.1f", samples[samples.count / 2])) | \(String(format: "%.1f", samples.last ?? 0)) | \(size) |")
    }
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
}
try await store.deleteStudy(named: name)

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
