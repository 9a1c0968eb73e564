import Foundation
import Testing

/// `augur trials --verbose` shows each trial's metadata: for the GP, why it was suggested.
@Suite struct TrialsVerboseTests {
    @Test func verboseShowsTheGaussianProcessExplanation() async throws {
        let directory = try makeTemporaryDirectory()
        let path = try writeSpec("echo loss=$(( ($AUGUR_PARAM_X - 30) * ($AUGUR_PARAM_X - 30) ))", name: "why", maxTrials: 5, parallel: 1, in: directory)
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "algorithm: {name: random}", with: "algorithm: {name: gp, settings: {initialTrials: 3}}")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await AugurProcess.run(["run", path, "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")

        let table = try await AugurProcess.run(["trials", "why", "--database", "db.sqlite", "--verbose"], in: directory)
        #expect(table.status == 0, "\(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n")
        #expect(lines.first?.contains("METADATA") == true)
        #expect(lines.filter { $0.contains("augur.gp/source=initial design") }.count == 3)
        #expect(lines.filter { $0.contains("augur.gp/source=model") && $0.contains("augur.gp/predicted_mean=") }.count == 2)

        let plain = try await AugurProcess.run(["trials", "why", "--database", "db.sqlite"], in: directory)
        #expect(!plain.standardOutput.contains("METADATA"))

        let json = try await AugurProcess.run(["trials", "why", "--database", "db.sqlite", "--format", "json", "-v"], in: directory)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        #expect(records.count == 5)
        let last = try #require(records.last?["metadata"] as? [String: String])
        #expect(last["augur.gp/source"] == "model")
        #expect(last["augur.gp/acquisition"] == "logei")
        #expect(last["augur.gp/predicted_stddev"].flatMap(Double.init) != nil)
    }
}
