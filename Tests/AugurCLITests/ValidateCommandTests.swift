import Foundation
import Testing

@Suite struct ValidateCommandTests {
    @Test func validFileIsOK() async throws {
        let directory = try makeTemporaryDirectory()
        let spec = try writeSpec("echo loss=1", name: "fine", maxTrials: 3, parallel: 1, in: directory)
        let result = try await AugurProcess.run(["validate", spec], in: directory)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("fine.yaml: ok (study 'fine'"))
    }

    @Test func everyProblemIsReportedWithItsLocationAndTheExitStatusIs1() async throws {
        let directory = try makeTemporaryDirectory()
        let good = try writeSpec("echo loss=1", name: "fine", maxTrials: 3, parallel: 1, in: directory)
        let bad = directory + "/bad.yaml"
        try """
            name: bad
            objective: {metric: loss, goal: minimize}
            parameters:
              - {name: lr, type: double, min: 1, max: 0.5}
            algorithm: {name: gird}
            """.write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try await AugurProcess.run(["validate", good, bad, directory + "/missing.yaml"], in: directory)
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("fine.yaml: ok"))
        #expect(result.standardError.contains("bad.yaml:4:"))
        #expect(result.standardError.contains("bad.yaml:5:"))
        #expect(result.standardError.contains(": error: algorithm.name: "))
        #expect(result.standardError.contains("missing.yaml:1:1: error: cannot open spec file"))
    }

    @Test func valuesAShellWouldInterpretAreWarnedOf() async throws {
        let directory = try makeTemporaryDirectory()
        let spec = directory + "/shell.yaml"
        try """
            name: shell
            objective: {metric: loss, goal: minimize}
            parameters:
              - {name: opt, type: categorical, values: [adam, '; touch pwned', '$(touch pwned)']}
            trial:
              command: "python3 train.py --opt=${parameters.opt}"
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        let result = try await AugurProcess.run(["validate", spec], in: directory)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("shell.yaml: ok"))
        #expect(result.standardError.contains(#"warning: trial.command[2]: categorical value "; touch pwned" of parameter `opt`"#))
        #expect(result.standardError.contains(#"categorical value "$(touch pwned)""#))
        #expect(!result.standardError.contains(#"value "adam""#))
    }

    @Test func usageErrorsExitWith64() async throws {
        let result = try await AugurProcess.run(["trials"], in: try makeTemporaryDirectory())
        #expect(result.status == 64)
    }
}
