import AugurCore
import AugurStorage
import Foundation

// PostgreSQL store benchmark and the concurrency test's worker process.
//
//   PostgresStoreBenchmark throughput URL [clients...]   trials/s, random search + complete, trivial objective
//   PostgresStoreBenchmark latency URL [trials]          best-trial / list-trials latency on a large study
//   PostgresStoreBenchmark worker URL STUDY WORKER       runs a grid study's trials until the study completes

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    print("usage: PostgresStoreBenchmark throughput|latency|worker URL [...] (see Benchmarks/README.md)")
    exit(2)
}

do {
    switch arguments[0] {
    case "worker" where arguments.count == 4:
        let finished = try await GridWorker.run(url: arguments[1], study: arguments[2], worker: arguments[3])
        print("worker \(arguments[3]) finished \(finished) trials")
    case "throughput":
        let clients = arguments.count > 2 ? arguments[2...].compactMap { Int($0) } : [1, 4, 16]
        try await ThroughputBenchmark.run(url: arguments[1], clientCounts: clients)
    case "latency":
        try await LatencyBenchmark.run(url: arguments[1], trials: arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000)
    default:
        print("unknown mode or wrong arguments: \(arguments.joined(separator: " "))")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
