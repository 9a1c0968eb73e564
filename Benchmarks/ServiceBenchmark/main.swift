import AugurCore
import AugurService
import AugurStorage
import AugurWorkers
import Foundation

// ServiceBenchmark: the cost of the one path every trial takes through StudyService, with and without a process.
//
//   ServiceBenchmark [--trials N] [--command-trials N] [--parallel N]
//
// 1. Service round trips: suggestTrials (random designer) + completeTrial on an SQLite file, one client, so the
//    figure is trials handed out and recorded per second by the service over the embedded store.
// 2. Command trials: StudyRunner with CommandTrialRunner running `/bin/echo loss=…` (no shell), `--parallel` at a
//    time: the end-to-end rate of `augur run` when the trial itself costs nothing (spawn, log, parse, record).

func argument(_ flag: String, default value: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: flag), index + 1 < CommandLine.arguments.count,
          let number = Int(CommandLine.arguments[index + 1]), number > 0 else { return value }
    return number
}

let serviceTrials = argument("--trials", default: 2_000)
let commandTrials = argument("--command-trials", default: 200)
let parallel = argument("--parallel", default: 2)

let directory = NSTemporaryDirectory() + "augur-service-benchmark-" + UUID().uuidString
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

func spec(name: String, trials: Int, parallel: Int, trial: TrialTemplate?) -> StudySpec {
    StudySpec(
        name: name,
        searchSpace: SearchSpace([.double("x", min: -5, max: 5), .integer("n", min: 1, max: 64, scale: .log),
                                  .categorical("kind", ["a", "b", "c"])]),
        objective: Objective(metric: "loss", goal: .minimize),
        algorithm: .random,
        budget: Budget(maxTrials: trials, parallelTrials: parallel),
        trial: trial)
}

// 1. Service round trips.
do {
    let service = StudyService(store: try SQLiteStudyStore(path: directory + "/service.sqlite"))
    _ = try await service.createStudy(spec(name: "roundtrip", trials: serviceTrials, parallel: 1, trial: nil))
    let start = Date()
    var completed = 0
    var suggesting = 0.0
    var completing = 0.0
    while true {
        let suggestStart = Date()
        guard let trial = try await service.suggestTrials(study: "roundtrip", client: "bench:1:a", count: 1).first else { break }
        let completeStart = Date()
        suggesting += completeStart.timeIntervalSince(suggestStart)
        let x = trial.parameters["x"]?.doubleValue ?? 0
        try await service.completeTrial(study: "roundtrip", trial: trial.id, .measurement(TrialMeasurement(metrics: ["loss": x * x])))
        completing += Date().timeIntervalSince(completeStart)
        completed += 1
    }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "service round trips (suggest + complete, SQLite file, random designer): %d trials in %.2f s = %.0f trials/s "
                 + "(suggest %.2f ms, complete %.2f ms per trial)",
                 completed, seconds, Double(completed) / seconds, suggesting * 1000 / Double(max(1, completed)),
                 completing * 1000 / Double(max(1, completed))))
}

// 2. Command trials end to end.
do {
    let service = StudyService(store: try SQLiteStudyStore(path: directory + "/command.sqlite"))
    let command = CommandTrial(argv: ["/bin/echo", "loss=${parameters.x}"])
    _ = try await service.createStudy(spec(name: "command", trials: commandTrials, parallel: parallel, trial: .command(command)))
    let runner = StudyRunner(service: service, runner: CommandTrialRunner(runDirectory: directory + "/runs"), parallelism: parallel)
    let start = Date()
    _ = try await runner.run(study: "command")
    let seconds = Date().timeIntervalSince(start)
    let counts = try await service.trialCounts(study: "command")
    print(String(format: "command trials (/bin/echo, %d in parallel, SQLite file): %d trials in %.2f s = %.0f trials/s",
                 parallel, counts.completed, seconds, Double(counts.completed) / seconds))
}
