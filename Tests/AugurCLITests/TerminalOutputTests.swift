import AugurCore
import AugurStorage
import Foundation
import Testing

/// Parameter values and metric names come from users and trials: a terminal table shows their control characters
/// escaped, so that none can clear the screen, retitle the window or hide a line; CSV and JSON keep the exact value.
@Suite struct TerminalOutputTests {
    static let value = "\u{1B}[31mred\u{1B}[0m"
    static let metric = "\u{1B}]0;pwned\u{07}"

    /// A study (stored directly, as an old or foreign database could hold it) with one completed trial whose
    /// categorical value and extra metric name carry escape sequences.
    func makeDatabase() async throws -> String {
        let directory = try makeTemporaryDirectory()
        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")
        let spec = StudySpec(name: "escapes", searchSpace: SearchSpace([.categorical("color", [Self.value, "plain"])]),
                             objective: Objective(metric: "loss", goal: .minimize), budget: Budget(maxTrials: 2))
        _ = try await store.createStudy(spec)
        let requested = try await store.requestTrial(study: "escapes", parameters: ["color": .string(Self.value)])
        _ = try await store.assignTrials(study: "escapes", worker: "test", leaseExpiresAt: nil, history: .countsOnly) { _ in
            AssignmentPlan(assignRequested: [requested.id])
        }
        _ = try await store.finishTrial(study: "escapes", trial: requested.id, state: .completed,
                                        finalMeasurement: TrialMeasurement(metrics: ["loss": 0.5, Self.metric: 2]), reason: nil)
        return directory
    }

    @Test(arguments: [["trials", "escapes"], ["best", "escapes"], ["show", "escapes"]])
    func tablesEscapeControlCharacters(command: [String]) async throws {
        let directory = try await makeDatabase()
        let result = try await AugurProcess.run(command + ["--database", "db.sqlite"], in: directory)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.unicodeScalars.allSatisfy { $0 == "\n" || ($0.value >= 0x20 && $0.value != 0x7F) },
                "raw control characters in: \(result.standardOutput.debugDescription)")
        #expect(result.standardOutput.contains("\\e[31mred\\e[0m"), "\(result.standardOutput)")
    }

    @Test func jsonAndCSVKeepTheExactValues() async throws {
        let directory = try await makeDatabase()
        let json = try await AugurProcess.run(["trials", "escapes", "--database", "db.sqlite", "--format", "json"], in: directory)
        #expect(json.status == 0, "\(json.standardError)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        let parameters = try #require(records.first?["parameters"] as? [String: Any])
        #expect(parameters["color"] as? String == Self.value)

        let csv = try await AugurProcess.run(["trials", "escapes", "--database", "db.sqlite", "--format", "csv"], in: directory)
        #expect(csv.status == 0, "\(csv.standardError)")
        #expect(csv.standardOutput.contains(Self.value))
        #expect(csv.standardOutput.contains("metric.\(Self.metric)"))
    }
}
