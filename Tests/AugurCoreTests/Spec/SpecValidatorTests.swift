import Testing
@testable import AugurCore

@Suite struct SpecValidatorTests {
    @Test(arguments: [
        ("", "is empty"), (".", "`.` and `..` name folders"), ("..", "`.` and `..` name folders"),
        ("a/b", "may use only"), ("../x", "may use only"), ("a\0b", "may use only"), ("a\u{1B}[2J", "may use only"),
        ("tab\there", "may use only"), ("é", "may use only"), (String(repeating: "x", count: 129), "at most 128"),
    ])
    func aStudyNameThatCannotBeAFolderIsAProblem(name: String, phrase: String) throws {
        let problem = try #require(SpecValidator.nameProblem(name, what: "study name"))
        #expect(problem.contains(phrase), "\(problem)")
        #expect(problem.unicodeScalars.allSatisfy { $0.value >= 0x20 }, "the message shows no control character: \(problem)")
    }

    @Test(arguments: ["a", "quickstart", "mnist-lr_sweep.2", "...", String(repeating: "x", count: 128)])
    func aGoodNameIsNoProblem(name: String) {
        #expect(SpecValidator.nameProblem(name, what: "study name") == nil)
    }

    @Test func everyProblemIsReportedByFieldPath() {
        let spec = StudySpec(
            name: "..",
            searchSpace: SearchSpace([.double("lr", min: 1, max: 0), .categorical("opt", ["a", "a", "b\0"])]),
            objective: Objective(metric: "val loss ", goal: .minimize),
            budget: Budget(maxTrials: 0, parallelTrials: 0),
            trial: .command(CommandTrial(argv: ["", "x\0"], environment: ["1BAD": "v"], timeoutSeconds: -1)))
        let fields = spec.problems().map(\.field)
        #expect(fields == [
            "name", "objective.metric", "parameters[0].max", "parameters[1].values[1]", "parameters[1].values[2]",
            "budget.maxTrials", "budget.parallelTrials", "trial.command[0]", "trial.command[1]", "trial.env.1BAD",
            "trial.timeout",
        ])
        #expect(spec.problems().allSatisfy { $0.location == nil && $0.severity == .error })
    }

    @Test func controlCharactersAreShownEscaped() {
        #expect("a\u{1B}[31mb\n\t\0\u{7F}\u{85}c".escapingControlCharacters == "a\\e[31mb\\n\\t\\0\\u{7F}\\u{85}c")
        #expect("plain é \\ text".escapingControlCharacters == "plain é \\ text")
    }
}
