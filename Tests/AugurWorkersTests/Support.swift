import AugurCore
import Foundation
import Testing

/// A fresh directory under the system's temporary directory.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "augur-workers-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Polls `condition` until it holds, failing after `seconds` (a bound, not a synchronization delay: generous, because
/// a 2-core machine running the whole suite, PostgreSQL and its child processes can starve a test for many seconds).
func waitUntil(_ what: String, seconds: Double = 120, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while try await !condition() {
        if Date() > deadline {
            Issue.record("timed out waiting until \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A study whose trial runs `/bin/sh -c script` (the script sees parameter `x` as `$AUGUR_PARAM_X`).
func shellStudy(_ script: String, name: String = "shell", maxTrials: Int = 3, parallel: Int = 1, maxFailed: Int? = nil,
                timeout: Double? = nil, metrics: MetricsCollector = MetricsCollector()) -> StudySpec {
    StudySpec(
        name: name,
        searchSpace: SearchSpace([.integer("x", min: 0, max: 1000)]),
        objective: Objective(metric: "loss", goal: .minimize),
        budget: Budget(maxTrials: maxTrials, parallelTrials: parallel, maxFailedTrials: maxFailed),
        trial: .command(CommandTrial(argv: ["/bin/sh", "-c", script], timeoutSeconds: timeout, metrics: metrics)))
}

func trial(_ id: Int = 1, x: Int = 4, study: String = "shell") -> Trial {
    Trial(id: id, study: study, parameters: ["x": .integer(x)], state: .active)
}
