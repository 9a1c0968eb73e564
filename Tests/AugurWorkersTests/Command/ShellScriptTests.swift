import AugurCore
import AugurWorkers
import Foundation
import Testing

@Suite struct ShellScriptTests {
    @Test(arguments: [
        (["sh", "-c", "s"], 2),
        (["/bin/bash", "-lc", "s", "name", "arg"], 2),
        (["bash", "-e", "-c", "s"], 3),
        (["dash", "-ec", "s"], 2),
        (["/usr/bin/zsh", "-o", "pipefail", "-c", "s"], 4),
        (["env", "A=1", "-u", "B", "sh", "-c", "s"], 6),
        (["/usr/bin/env", "bash", "-c", "s"], 3),
        (["busybox", "sh", "-c", "s"], 3),
        (["bash", "--norc", "-c", "--", "s"], 4),
    ] as [([String], Int)])
    func findsTheScriptOfAShell(argv: [String], index: Int) {
        #expect(ShellScript.scriptIndex(in: argv) == index)
    }

    @Test(arguments: [["python", "-c", "s"], ["sh", "script.sh", "-c"], ["bash", "-c"], ["sh", "-e", "s"], ["./sh-c"]])
    func otherCommandsHaveNoScript(argv: [String]) {
        #expect(ShellScript.scriptIndex(in: argv) == nil)
    }

    @Test func inertValuesAreWrittenAsTheyAre() {
        for value in ["0.01", "-1.5e-07", "relu", "adam_w", "a/b:c", "1,2"] {
            #expect(ShellScript.quote(value, in: .unquoted) == value)
            #expect(ShellScript.quote(value, in: .unsupported("anywhere")) == value)
        }
        #expect(ShellScript.singleQuoted("it's") == #"'it'\''s'"#)
        #expect(ShellScript.quote("", in: .unquoted) == "''")
    }

    static let hostileValues = [
        "; touch pwned", "$(touch pwned)", "`touch pwned`", "it's; touch pwned", #"a"b; touch pwned; "#,
        #"'; touch pwned; '"#, #"\"; touch pwned; #"#, "x\ntouch pwned", "*", "~", "a b  c", "$HOME", "!!", "a^b", "",
    ]

    static let templates = [
        ("printf '%s\\n' ${parameters.opt}", ""),
        ("printf '%s\\n' --opt=${parameters.opt}", "--opt="),
        ("printf '%s\\n' '--opt=${parameters.opt}'", "--opt="),
        ("printf '%s\\n' \"--opt=${parameters.opt}\"", "--opt="),
        ("printf '%s\\n' \"$(printf '%s' \"${parameters.opt}\")\"", ""),
        ("printf '%s\\n' \"$(printf '%s' ${parameters.opt})\"", ""),
        ("x=`printf '%s' ${parameters.opt}`; printf '%s\\n' \"$x\"", ""),
        ("printf '%s\\n' ${parameters.opt} # ${parameters.opt}", ""),
    ]

    /// Every hostile value, in every kind of place in a `sh -c` script, reaches the program as the literal value and
    /// runs nothing; where Augur cannot quote it (a backquote or backslash inside backquotes, a newline in a comment)
    /// the trial fails without running.
    @Test(arguments: templates)
    func aValueReachesTheProgramLiterallyAndRunsNothing(template: String, printedBefore: String) async throws {
        for value in Self.hostileValues {
            let directory = try makeTemporaryDirectory()
            let runner = CommandTrialRunner(runDirectory: directory)
            let outcome = await runner.run(optionTrial(value), of: Study(spec: optionStudy(["/bin/sh", "-c", template + "\necho loss=1"])),
                                           measurements: .discarding)
            let trialDirectory = runner.trialDirectory(of: 1)
            #expect(!FileManager.default.fileExists(atPath: trialDirectory + "/pwned"), "\(template) with \(value)")
            if case .completed = outcome {
                let log = try String(contentsOfFile: trialDirectory + "/output.log", encoding: .utf8)
                #expect(log == printedBefore + value + "\nloss=1\n", "\(template) with \(value)")
            } else {
                let reason = failureReason(outcome) ?? ""
                #expect(reason.contains("cannot quote"), "\(template) with \(value): \(reason)")
                #expect(template.contains("`") || template.contains("#"), "\(template) with \(value): \(reason)")
            }
        }
    }

    @Test func bashLoginScriptsAreQuotedToo() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { return }
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(optionTrial("$(touch pwned)"),
                                       of: Study(spec: optionStudy(["/bin/bash", "-lc", "echo ${parameters.opt}; echo loss=1"])),
                                       measurements: .discarding)
        #expect(completedMeasurement(outcome) != nil)
        #expect(!FileManager.default.fileExists(atPath: runner.trialDirectory(of: 1) + "/pwned"))
        let log = try String(contentsOfFile: runner.trialDirectory(of: 1) + "/output.log", encoding: .utf8)
        // A login shell may print its profile's greetings first.
        #expect(log.hasSuffix("$(touch pwned)\nloss=1\n"))
    }

    @Test func argumentsAfterTheScriptAndOtherProgramsAreNotQuoted() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(optionTrial("a b; c"),
                                       of: Study(spec: optionStudy(["/bin/sh", "-c", #"printf '%s\n' "$1"; echo loss=1"#, "sh", "${parameters.opt}"])),
                                       measurements: .discarding)
        #expect(completedMeasurement(outcome) != nil)
        let log = try String(contentsOfFile: runner.trialDirectory(of: 1) + "/output.log", encoding: .utf8)
        #expect(log == "a b; c\nloss=1\n")
    }

    @Test func aValueInsideArithmeticIsRefused() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(optionTrial("a[$(touch pwned)]"),
                                       of: Study(spec: optionStudy(["bash", "-c", "echo $(( ${parameters.opt} + 1 )); echo loss=1"])),
                                       measurements: .discarding)
        let reason = try #require(failureReason(outcome))
        #expect(reason.contains("inside an arithmetic expansion"))
        #expect(!FileManager.default.fileExists(atPath: runner.trialDirectory(of: 1) + "/pwned"))
    }

    @Test func validateWarnsOfValuesAShellWouldInterpret() {
        let warnings = ShellScript.warnings(for: optionStudy(["sh", "-c", "python train.py --opt=${parameters.opt} --lr=${parameters.lr}"],
                                                             values: ["adam", "; touch pwned"]))
        #expect(warnings.count == 1)
        #expect(warnings.first?.severity == .warning)
        #expect(warnings.first?.field == "trial.command[2]")
        #expect(warnings.first?.message.contains(#""; touch pwned""#) == true)
        #expect(warnings.first?.message.contains("quotes it") == true)

        let arithmetic = ShellScript.warnings(for: optionStudy(["sh", "-c", "echo $(( ${parameters.opt} ))"], values: ["a[$(id)]"]))
        #expect(arithmetic.first?.message.contains("trials with this value will fail") == true)

        #expect(ShellScript.warnings(for: optionStudy(["python", "train.py", "--opt=${parameters.opt}"], values: ["; x"])).isEmpty)
        #expect(ShellScript.warnings(for: optionStudy(["sh", "-c", "train \"$1\"", "sh", "${parameters.opt}"], values: ["; x"])).isEmpty)
    }

    private func optionStudy(_ argv: [String], values: [String] = Self.hostileValues) -> StudySpec {
        StudySpec(
            name: "quoting",
            searchSpace: SearchSpace([.categorical("opt", values), .double("lr", min: 0.001, max: 0.1)]),
            objective: Objective(metric: "loss", goal: .minimize),
            trial: .command(CommandTrial(argv: argv)))
    }

    private func optionTrial(_ value: String) -> Trial {
        Trial(id: 1, study: "quoting", parameters: ["opt": .string(value), "lr": .double(0.01)], state: .active)
    }
}
