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

// Times the dashboard on a large study: `DashboardBenchmark [--database PATH_OR_URL] [--trials N] [--curves N]
// [--repeats N] [--render PYTHON]`. The study has N completed trials over 10 parameters; the first `--curves` trials
// also report 20 intermediate measurements each.
//
// With `--render`, the pages are first loaded in headless Chromium by Benchmarks/dashboard_render.py (run with that
// Python, which needs websocket-client): time to first byte and full render, the first load with every cache cold.
//
// Then each endpoint is requested once ("First"), then `--repeats` times over loopback HTTP (a new connection each
// time): the median and the slowest are printed with the reply's size. The analysis endpoints (history, importance,
// curves) are cached per request while no trial runs, so they are timed twice: with a different query on every
// request (each one a cache miss that reads the study: "uncached"), and with the same one (cached).

struct Options {
    var database: String?
    var trials = 100_000
    var curves = 1_000
    var repeats = 20
    var render: String?

    init(_ arguments: [String]) {
        var index = 1
        while index < arguments.count {
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch arguments[index] {
            case "--database": database = value
            case "--trials": trials = Int(value) ?? trials
            case "--curves": curves = Int(value) ?? curves
            case "--repeats": repeats = Int(value) ?? repeats
            case "--render": render = value
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

// The store reads behind the analysis endpoints, timed directly (no HTTP), next to the whole-trial read they replace.
func timed(_ label: String, _ body: () async throws -> Int) async throws {
    var samples: [Double] = []
    var count = 0
    for _ in 0..<5 {
        let start = clock.now
        count = try await body()
        samples.append((clock.now - start).seconds * 1_000)
    }
    samples.sort()
    print("| \(label) | \(count) | \(String(format: "%.1f", samples[0])) | \(String(format: "%.1f", samples[2])) |")
}
print("| Store read (no HTTP) | Rows | Fastest of 5 (ms) | Median (ms) |")
print("|---|---|---|---|")
let ended: Set<TrialState> = [.completed, .stopped, .failed, .infeasible]
try await timed("whole trials without measurements (the analysis endpoints' read before digests)") {
    try await service.trials(study: name, query: TrialQuery(states: ended, includeMeasurements: false)).count
}
try await timed("`trialDigests` (id, state, objective value)") { try await service.trialDigests(study: name, states: ended).count }
let allIDs = try await service.trialDigests(study: name, states: ended).map(\.id)
try await timed("`trialParameters` of 1,000 ids (a history's kept points)") {
    try await service.trialParameters(study: name, ids: Downsampling.indices(count: allIDs.count, limit: 1_000).map { allIDs[$0] }).count
}
try await timed("`trialParameters` of 5,000 ids (importance's sample)") {
    try await service.trialParameters(study: name, ids: Downsampling.indices(count: allIDs.count, limit: 5_000).map { allIDs[$0] }).count
}
let sampleIDs = Downsampling.indices(count: allIDs.count, limit: 5_000).map { allIDs[$0] }
let sampleParameters = try await service.trialParameters(study: name, ids: sampleIDs)
var sampleValues: [Int: Double] = [:]
for digest in try await service.trialDigests(study: name, states: [.completed]) { sampleValues[digest.id] = digest.objectiveValue }
let samples = sampleIDs.compactMap { id -> (parameters: ParameterAssignment, value: Double)? in
    guard let parameters = sampleParameters[id], let value = sampleValues[id] else { return nil }
    return (parameters, value)
}
try await timed("PED-ANOVA importance estimate on 5,000 trials (computation only)") {
    ParameterImportance.estimate(searchSpace: space, goal: .minimize, trials: samples)?.trialCount ?? 0
}
print("")
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
    if let python = options.render {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("dashboard_render.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--runs", "6", "http://127.0.0.1:\(port)/studies/\(name)", "http://127.0.0.1:\(port)/"]
        try process.run()
        process.waitUntilExit()
        print("")
    }
    // (label, the path of the first request, the path of the i-th repeat)
    let endpoints: [(String, String, (Int) -> String)] = [
        "/api/v1/studies",
        "/api/v1/studies/\(name)",
        "/api/v1/studies/\(name)/trials?page_size=50",
        "/api/v1/studies/\(name)/trials?page_size=50&state=COMPLETED&sort=loss",
        "/api/v1/studies/\(name)/trials?page_size=50&page_token=o50000",
        "/api/v1/studies/\(name)/trials/500",
    ].map { path in (path, path, { _ in path }) } + [
        ("/api/v1/studies/\(name)/history (uncached)", "/api/v1/studies/\(name)/history",
         { "/api/v1/studies/\(name)/history?max_points=\(1_000 - $0)" }),
        ("/api/v1/studies/\(name)/history (cached)", "/api/v1/studies/\(name)/history", { _ in "/api/v1/studies/\(name)/history" }),
        ("/api/v1/studies/\(name)/importance (uncached)", "/api/v1/studies/\(name)/importance",
         { "/api/v1/studies/\(name)/importance?quantile=\(String(format: "%.3f", 0.101 + 0.001 * Double($0)))" }),
        ("/api/v1/studies/\(name)/importance (cached)", "/api/v1/studies/\(name)/importance",
         { _ in "/api/v1/studies/\(name)/importance" }),
        ("/api/v1/studies/\(name)/intermediate (uncached)", "/api/v1/studies/\(name)/intermediate",
         { "/api/v1/studies/\(name)/intermediate?max_steps=\(100 - $0)" }),
        ("/api/v1/studies/\(name)/intermediate (cached)", "/api/v1/studies/\(name)/intermediate",
         { _ in "/api/v1/studies/\(name)/intermediate" }),
        ("/studies/\(name)", "/studies/\(name)", { _ in "/studies/\(name)" }),
    ]
    print("| Endpoint (GET) | First (ms) | Median (ms) | Slowest (ms) | Reply (bytes) |")
    print("|---|---|---|---|---|")
    for (label, firstPath, repeatPath) in endpoints {
        // An uncached row's first request is a distinct query too, so that it misses even after the browser's loads.
        let path = label.hasSuffix("(uncached)") ? repeatPath(-1) : firstPath
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { continue }
        let first = clock.now
        let size = try await fetch(url)
        let firstMilliseconds = (clock.now - first).seconds * 1_000
        var samples: [Double] = []
        for index in 0..<options.repeats {
            guard let url = URL(string: "http://127.0.0.1:\(port)\(repeatPath(index))") else { continue }
            let start = clock.now
            _ = try await fetch(url)
            samples.append((clock.now - start).seconds * 1_000)
        }
        samples.sort()
        let shown = label.replacingOccurrences(of: name, with: "{study}")
        print("| `\(shown)` | \(String(format: "%.1f", firstMilliseconds)) | \(String(format: "%.1f", samples.isEmpty ? 0 : samples[samples.count / 2])) | \(String(format: "%.1f", samples.last ?? 0)) | \(size) |")
    }
    // Cold: a trial is requested just before each request, so the study's counts change and the shared digests and
    // every cached reply are stale: each request reads the study again, as the first look at a changed study does.
    // "together" is what a study page's first load asks for at once (history, importance and curves): its wall time.
    print("")
    print("| Analysis after a change of the study (GET) | Median (ms) | Slowest (ms) |")
    print("|---|---|---|")
    let middle = space.assignment(atUnit: space.parameters.map { _ in 0.5 })
    let analyses = ["history", "importance", "intermediate"].map { "/api/v1/studies/\(name)/\($0)" }
    for (label, paths) in analyses.map({ ($0, [$0]) }) + [("history + importance + intermediate together", analyses)] {
        var samples: [Double] = []
        for _ in 0..<options.repeats {
            _ = try await store.requestTrial(study: name, parameters: middle)
            let urls = paths.compactMap { URL(string: "http://127.0.0.1:\(port)\($0)") }
            let start = clock.now
            try await withThrowingTaskGroup(of: Int.self) { requests in
                for url in urls { requests.addTask { try await fetch(url) } }
                try await requests.waitForAll()
            }
            samples.append((clock.now - start).seconds * 1_000)
        }
        samples.sort()
        let shown = label.replacingOccurrences(of: name, with: "{study}")
        print("| `\(shown)` | \(String(format: "%.1f", samples.isEmpty ? 0 : samples[samples.count / 2])) | \(String(format: "%.1f", samples.last ?? 0)) |")
    }
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
}
try await store.deleteStudy(named: name)

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
