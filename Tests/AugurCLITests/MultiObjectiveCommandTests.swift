import Foundation
import Testing

/// `augur best`, `show` and `trials` on a study with two objectives and an outcome constraint.
@Suite struct MultiObjectiveCommandTests {
    @Test func bestShowsTheFrontAndShowReportsItsHypervolume() async throws {
        let directory = try makeTemporaryDirectory()
        // A grid over x = 0…5: error = x and cost = 5 − x trade off at every x; memory = x must stay at most 3.
        let spec = """
            name: multi
            objective:
              metric: error
              goal: minimize
              additionalMetrics:
                - {name: cost, goal: minimize}
                - {name: memory, atMost: 3}
            parameters:
              - {name: x, type: int, min: 0, max: 5}
            algorithm: {name: grid}
            budget: {maxTrials: 6, parallelTrials: 2}
            trial:
              command:
                - awk
                - 'BEGIN { x = ${parameters.x}; printf "error=%d\\ncost=%d\\nmemory=%d\\n", x, 5 - x, x }'
            """
        try spec.write(toFile: directory + "/multi.yaml", atomically: true, encoding: .utf8)
        let run = try await AugurProcess.run(["run", "multi.yaml", "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")

        let best = try await AugurProcess.run(["best", "multi", "--database", "db.sqlite", "--format", "json"], in: directory)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(best.standardOutput.utf8)) as? [[String: Any]])
        let errors = records.compactMap { ($0["metrics"] as? [String: Double])?["error"] }
        #expect(errors == [0, 1, 2, 3], "the whole front, safe trials only, by the first objective")
        let limited = try await AugurProcess.run(["best", "multi", "-n", "2", "--database", "db.sqlite", "--format", "csv"], in: directory)
        #expect(limited.standardOutput.split(separator: "\n").count == 3)

        let show = try await AugurProcess.run(["show", "multi", "--database", "db.sqlite"], in: directory)
        #expect(show.standardOutput.contains("objective:  minimize error, minimize cost"), "\(show.standardOutput)")
        #expect(show.standardOutput.contains("constraints: memory <= 3"))
        #expect(show.standardOutput.contains("front:      4 trials (Pareto-optimal, meeting every constraint)"))
        // Derived reference: worst feasible error 3 and cost 5, plus a tenth of the ranges (3): (3.3, 5.3).
        #expect(show.standardOutput.contains("above reference point (error = 3.3, cost = 5.3), derived"), "\(show.standardOutput)")
        let showJSON = try await AugurProcess.run(["show", "multi", "--database", "db.sqlite", "--format", "json"], in: directory)
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(showJSON.standardOutput.utf8)) as? [String: Any])
        let front = try #require(shown["paretoFront"] as? [String: Any])
        #expect((front["trials"] as? [Any])?.count == 4)
        // Boxes of (3.3 − x)·(5.3 − (5 − x)) minus overlaps: a staircase with steps of 1 from x = 0 to 3.
        let volume = try #require(front["hypervolume"] as? Double)
        #expect(abs(volume - (3.3 * 0.3 + 2.3 * 1 + 1.3 * 1 + 0.3 * 1)) < 1e-9)

        let csv = try await AugurProcess.run(["trials", "multi", "--database", "db.sqlite", "--format", "csv"], in: directory)
        #expect(csv.standardOutput.hasPrefix("id,state,metric.error,metric.cost,metric.memory,param.x,"))
    }
}
