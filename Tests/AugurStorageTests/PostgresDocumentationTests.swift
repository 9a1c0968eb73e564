import AugurCore
@testable import AugurStorage
import Foundation
import Testing

/// Runs every SQL block of docs/storage.md's PostgreSQL query section against a real server, on a small study.
@Suite("PostgreSQL documentation queries", .enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresDocumentationTests {
    static func documentedQueries() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/storage.md"), encoding: .utf8)
        guard let start = text.range(of: "## Querying results with SQL (PostgreSQL)") else { return [] }
        var section = text[start.upperBound...]
        if let end = section.range(of: "\n## ") { section = section[..<end.lowerBound] }
        return section.components(separatedBy: "```sql\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
    }

    static func populate(_ store: PostgresStudyStore) async throws {
        _ = try await store.createStudy(StudySpec(
            name: "mnist-mlp",
            searchSpace: SearchSpace([
                .double("lr", min: 1e-4, max: 1, scale: .log), .integer("layers", min: 1, max: 4), .categorical("optimizer", ["sgd", "adam"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize, additionalMetrics: [MetricSpec(name: "accuracy")]),
            budget: Budget(maxTrials: 20, parallelTrials: 20)))
        let points: [ParameterAssignment] = (0..<12).map { index in
            ["lr": .double(0.0005 * Double(index + 1)), "layers": .integer(1 + index % 4), "optimizer": .string(index % 3 == 0 ? "sgd" : "adam")]
        }
        _ = try await store.assignTrials(study: "mnist-mlp", worker: "docs", leaseExpiresAt: nil, history: .countsOnly) { _ in
            AssignmentPlan(create: points)
        }
        for id in 1...12 {
            for step in 1...3 {
                try await store.addMeasurement(study: "mnist-mlp", trial: id, measurement: TrialMeasurement(
                    step: step, elapsedSeconds: Double(step), metrics: ["loss": 1 / Double(id + step), "accuracy": 0.5]), leaseExpiresAt: nil)
            }
            switch id {
            case 11: _ = try await store.finishTrial(study: "mnist-mlp", trial: id, state: .failed, finalMeasurement: nil,
                                                     reason: "exit status 1\nTraceback (most recent call last): ...")
            case 12: _ = try await store.finishTrial(study: "mnist-mlp", trial: id, state: .infeasible, finalMeasurement: nil, reason: "NaN loss")
            default:
                _ = try await store.finishTrial(study: "mnist-mlp", trial: id, state: .completed, finalMeasurement: TrialMeasurement(
                    step: 3, elapsedSeconds: 3, metrics: ["loss": 1 / Double(id + 3), "accuracy": 0.5 + Double(id) / 100]), reason: nil)
            }
        }
    }

    @Test func everyDocumentedQueryRunsAndFindsRows() async throws {
        let queries = try Self.documentedQueries()
        #expect(queries.count >= 10, "found the SQL blocks of the section")
        let url = try PostgresTestDatabase.makeIsolatedURL("docs")
        try await Self.populate(try PostgresStudyStore(url: url, poolSize: 1))
        for query in queries {
            do {
                let rows = try PostgresTestDatabase.execute(query, url: url)
                #expect(rows.isEmpty == false, "no rows from:\n\(query)")
            } catch {
                Issue.record("documented query failed: \(error)\n\(query)")
            }
        }
        let wide = try PostgresTestDatabase.execute("SELECT trial_id, lr, layers, optimizer, loss, accuracy FROM mnist_mlp_trials WHERE trial_id = 1", url: url)
        #expect(wide.first == ["1", "0.0005", "1", "sgd", "0.25", "0.51"])
    }
}
