import Foundation
import Testing

/// `augur run` with the command forms Katib's examples use: values a shell would run reach the program as text.
@Suite struct ShellQuotingRunTests {
    @Test(arguments: [
        #"command: "printf '%s\\n' ${parameters.opt} >> SEEN; echo loss=1""#,
        #"command: [sh, -c, "printf '%s\\n' \"${parameters.opt}\" >> SEEN; echo loss=1"]"#,
        #"command: [/bin/bash, -ec, "printf '%s\\n' '${parameters.opt}' >> SEEN; echo loss=1"]"#,
    ])
    func categoricalValuesRunNothingAndArriveLiterally(command: String) async throws {
        let directory = try makeTemporaryDirectory()
        let seen = directory + "/seen"
        let spec = directory + "/quoting.yaml"
        try """
            name: quoting
            objective: {metric: loss, goal: minimize}
            parameters:
              - {name: opt, type: categorical, values: ['; touch pwned', '$(touch pwned)', 'it''s `touch pwned`']}
            algorithm: {name: grid}
            trial:
              \(command.replacingOccurrences(of: "SEEN", with: "'\(seen)'"))
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let run = try await AugurProcess.run(["run", spec, "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains(#"warning: trial.command[2]: categorical value "; touch pwned" of parameter `opt`"#))
        let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.sorted() == ["$(touch pwned)", "; touch pwned", "it's `touch pwned`"])
        let everything = FileManager.default.enumerator(atPath: directory)?.allObjects.compactMap { $0 as? String } ?? []
        #expect(!everything.contains { $0.hasSuffix("pwned") }, "\(everything)")
    }
}
