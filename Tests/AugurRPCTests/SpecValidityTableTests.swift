import AugurCore
@testable import AugurRPC
import AugurService
import AugurStorage
import Foundation
import Testing

/// One table of invalid specs, each written three ways (Augur's YAML, a Katib Experiment, the wire message), must
/// give the same problems: the same field paths and the same messages, since one validator decides them all. The
/// files' problems must also say where (file:line:column).
@Suite struct SpecValidityTableTests {
    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var spec: StudySpec
        /// The field paths the problems must name (messages are compared between the doors).
        var fields: [String]
    }

    static func base(_ change: (inout StudySpec) -> Void = { _ in }) -> StudySpec {
        var spec = StudySpec(
            name: "table",
            searchSpace: SearchSpace([
                .double("lr", min: 0.001, max: 0.1, scale: .log),
                .integer("layers", min: 1, max: 4),
                .discrete("batch", [16, 32]),
                .categorical("optimizer", ["adam", "sgd"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize, additionalMetrics: [MetricSpec(name: "accuracy")]),
            budget: Budget(maxTrials: 4, parallelTrials: 2, maxFailedTrials: 2),
            trial: .command(CommandTrial(argv: ["/bin/echo", "loss=1"])))
        change(&spec)
        return spec
    }

    static func parameter(_ index: Int, _ parameter: ParameterSpec) -> (inout StudySpec) -> Void {
        { $0.searchSpace.parameters[index] = parameter }
    }

    static let cases: [Case] = [
        Case(description: "study name with a space", spec: base { $0.name = "my study!" }, fields: ["name"]),
        Case(description: "study name ..", spec: base { $0.name = ".." }, fields: ["name"]),
        Case(description: "study name with a slash", spec: base { $0.name = "a/b" }, fields: ["name"]),
        Case(description: "study name with a control character", spec: base { $0.name = "a\u{1B}[2Jb" }, fields: ["name"]),
        Case(description: "study name of 200 letters", spec: base { $0.name = String(repeating: "a", count: 200) },
             fields: ["name"]),
        Case(description: "parameter name with a space", spec: base(parameter(0, .double("learning rate", min: 0, max: 1))),
             fields: ["parameters[0].name"]),
        Case(description: "parameter defined twice", spec: base(parameter(1, .integer("lr", min: 1, max: 4))),
             fields: ["parameters[1].name"]),
        Case(description: "min above max", spec: base(parameter(0, .double("lr", min: 1, max: 0.5))),
             fields: ["parameters[0].max"]),
        Case(description: "log scale from 0", spec: base(parameter(0, .double("lr", min: 0, max: 1, scale: .log))),
             fields: ["parameters[0].min"]),
        Case(description: "negative step", spec: base(parameter(0, .double("lr", min: 0, max: 1, step: -0.5))),
             fields: ["parameters[0].step"]),
        Case(description: "int beyond 2^53", spec: base(parameter(1, .integer("layers", min: 1, max: 1 << 60))),
             fields: ["parameters[1].max"]),
        Case(description: "int step below 1", spec: base(parameter(1, .integer("layers", min: 1, max: 8, step: -2))),
             fields: ["parameters[1].step"]),
        Case(description: "discrete value twice", spec: base(parameter(2, .discrete("batch", [16, 16, 32]))),
             fields: ["parameters[2].values[1]"]),
        Case(description: "categorical value twice", spec: base(parameter(3, .categorical("optimizer", ["adam", "sgd", "adam"]))),
             fields: ["parameters[3].values[2]"]),
        Case(description: "categorical value with NUL", spec: base(parameter(3, .categorical("optimizer", ["ad\0am", "sgd"]))),
             fields: ["parameters[3].values[0]"]),
        Case(description: "empty categorical list", spec: base(parameter(3, .categorical("optimizer", []))),
             fields: ["parameters[3].values"]),
        Case(description: "normal distribution on a categorical",
             spec: base { $0.searchSpace.parameters[3].distribution = .normal }, fields: ["parameters[3].distribution"]),
        Case(description: "normal distribution on a discrete",
             spec: base { $0.searchSpace.parameters[2].distribution = .normal }, fields: ["parameters[2].distribution"]),
        Case(description: "too many parameters",
             spec: base { $0.searchSpace = SearchSpace((0...SpecLimits.maximumParameters).map { .integer("p\($0)", min: 0, max: 1) }) },
             fields: ["parameters"]),
        Case(description: "metric name ending with a space", spec: base { $0.objective.metric = "val loss " },
             fields: ["objective.metric"]),
        Case(description: "metric name with a tab", spec: base { $0.objective.additionalMetrics = [MetricSpec(name: "val\tauc")] },
             fields: ["objective.additionalMetrics[0]"]),
        Case(description: "metric listed twice", spec: base { $0.objective.additionalMetrics = [MetricSpec(name: "loss")] },
             fields: ["objective.additionalMetrics[0]"]),
        Case(description: "no trials", spec: base { $0.budget.maxTrials = 0 }, fields: ["budget.maxTrials"]),
        Case(description: "negative parallelism", spec: base { $0.budget.parallelTrials = -2 }, fields: ["budget.parallelTrials"]),
        Case(description: "negative failure limit", spec: base { $0.budget.maxFailedTrials = -1 }, fields: ["budget.maxFailedTrials"]),
        Case(description: "command argument with NUL",
             spec: base { $0.trial = .command(CommandTrial(argv: ["/bin/echo", "a\0b"])) }, fields: ["trial.command[1]"]),
        Case(description: "grid over a continuous double",
             spec: base { $0.algorithm = .grid; $0.searchSpace.parameters[0] = .double("lr", min: 0, max: 1) },
             fields: ["parameters[0]"]),
        Case(description: "several problems at once",
             spec: base {
                 $0.name = "."
                 $0.budget.maxTrials = 0
                 $0.searchSpace.parameters[0] = .double("lr", min: 2, max: 1)
             },
             fields: ["name", "parameters[0].max", "budget.maxTrials"]),
    ]

    @Test(arguments: cases)
    func everyDoorGivesTheSameProblems(example: Case) async throws {
        let yaml = try #require(fileProblems(Self.augurYAML(example.spec), file: "/specs/table.yaml"))
        let katib = try #require(fileProblems(Self.katibYAML(example.spec), file: "/specs/table-katib.yaml"))
        let wire = try await wireProblems(example.spec)

        let expected = Set(example.fields)
        #expect(Set(wire.map(\.field)) == expected, "wire: \(wire)")
        #expect(Set(yaml.map(\.field)) == expected, "yaml: \(yaml)")
        #expect(Set(katib.map(\.field)) == expected, "katib: \(katib)")
        #expect(Self.keyed(yaml) == Self.keyed(wire))
        #expect(Self.keyed(katib) == Self.keyed(wire))
        for problem in yaml + katib {
            #expect((problem.location?.line ?? 0) >= 1, "a file's problem names its line: \(problem)")
        }
    }

    @Test func theValidSpecIsValidThroughEveryDoor() async throws {
        let spec = Self.base()
        #expect(spec.problems().isEmpty)
        #expect(fileProblems(Self.augurYAML(spec), file: "/specs/table.yaml")?.isEmpty == true)
        #expect(fileProblems(Self.katibYAML(spec), file: "/specs/table-katib.yaml")?.isEmpty == true)
        #expect(try await wireProblems(spec).isEmpty)
    }

    /// Normal and log-normal double and int parameters, written in each door's own words, are valid through each.
    @Test func normalDistributionsOnNumbersAreValidThroughEveryDoor() async throws {
        let spec = Self.base {
            $0.searchSpace.parameters[0].distribution = .normal
            $0.searchSpace.parameters[1].distribution = .normal
        }
        #expect(spec.problems().isEmpty)
        #expect(fileProblems(Self.augurYAML(spec), file: "/specs/table.yaml")?.isEmpty == true)
        #expect(fileProblems(Self.katibYAML(spec), file: "/specs/table-katib.yaml")?.isEmpty == true)
        #expect(try await wireProblems(spec).isEmpty)
    }

    static func keyed(_ problems: [SpecProblem]) -> [String] {
        problems.map { "\($0.field): \($0.message)" }.sorted()
    }

    /// The problems of a spec file, empty when it parses.
    func fileProblems(_ text: String, file: String) -> [SpecProblem]? {
        do {
            _ = try StudySpecParser.parse(text, file: file)
            return []
        } catch {
            return error.problems
        }
    }

    /// The problems `CreateStudy` meets: the wire message read as the server reads it, then the service's refusal.
    func wireProblems(_ spec: StudySpec) async throws -> [SpecProblem] {
        let message = Augur_V1_StudySpec(spec)
        let read = try StudySpec(message, name: spec.name, field: "study.study_spec")
        let service = StudyService(store: InMemoryStudyStore(), isWorkerGone: { _ in false })
        do {
            _ = try await service.createStudy(read)
            return []
        } catch {
            #expect(error.kind == .invalidArgument)
            return error.problems
        }
    }

    // MARK: Writing the spec as files

    /// A YAML double-quoted string: control characters (NUL included) as escapes.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\0": result += "\\0"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += String(format: "\\x%02X", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    static func augurYAML(_ spec: StudySpec) -> String {
        var lines = ["name: \(quoted(spec.name))"]
        let additional = spec.objective.additionalMetrics.map { quoted($0.name) }
        lines.append("objective: {metric: \(quoted(spec.objective.metric)), goal: minimize, additionalMetrics: \(list(additional))}")
        lines.append(spec.searchSpace.parameters.isEmpty ? "parameters: []" : "parameters:")
        for parameter in spec.searchSpace.parameters {
            var fields = ["name: \(quoted(parameter.name))", "type: \(parameter.typeName)"]
            switch parameter.domain {
            case let .double(low, high, scale, step):
                fields += ["min: \(formatNumber(low))", "max: \(formatNumber(high))", "scale: \(scale.rawValue)"]
                if let step { fields.append("step: \(formatNumber(step))") }
            case let .integer(low, high, step, scale):
                fields += ["min: \(low)", "max: \(high)", "step: \(step)", "scale: \(scale.rawValue)"]
            case .discrete(let values):
                fields.append("values: \(list(values.map(formatNumber)))")
            case .categorical(let values):
                fields.append("values: \(list(values.map(quoted)))")
            }
            if parameter.distribution != .uniform { fields.append("distribution: \(parameter.distribution.rawValue)") }
            lines.append("  - {\(fields.joined(separator: ", "))}")
        }
        lines.append("algorithm: \(spec.algorithm.name)")
        lines.append("budget:")
        lines.append("  maxTrials: \(spec.budget.maxTrials)")
        lines.append("  parallelTrials: \(spec.budget.parallelTrials)")
        if let maxFailed = spec.budget.maxFailedTrials { lines.append("  maxFailedTrials: \(maxFailed)") }
        if case .command(let command)? = spec.trial {
            lines.append("trial:")
            lines.append("  command: \(list(command.argv.map(quoted)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func katibDistribution(_ scale: ScaleType, _ normal: Bool) -> String {
        switch (scale, normal) {
        case (.linear, false): "uniform"
        case (.linear, true): "normal"
        case (.log, false): "logUniform"
        case (.log, true): "logNormal"
        case (.reverseLog, _): "reverseLog"  // Katib has no reverse-log scale; no spec of the table uses one
        }
    }

    static func katibYAML(_ spec: StudySpec) -> String {
        var lines = [
            "apiVersion: kubeflow.org/v1beta1", "kind: Experiment", "metadata:", "  name: \(quoted(spec.name))", "spec:",
            "  objective:", "    type: minimize", "    objectiveMetricName: \(quoted(spec.objective.metric))",
            "    additionalMetricNames: \(list(spec.objective.additionalMetrics.map { quoted($0.name) }))",
            "  algorithm:", "    algorithmName: \(spec.algorithm == .grid ? "grid" : "random")",
            "  parallelTrialCount: \(spec.budget.parallelTrials)", "  maxTrialCount: \(spec.budget.maxTrials)",
        ]
        if let maxFailed = spec.budget.maxFailedTrials { lines.append("  maxFailedTrialCount: \(maxFailed)") }
        lines.append(spec.searchSpace.parameters.isEmpty ? "  parameters: []" : "  parameters:")
        for parameter in spec.searchSpace.parameters {
            var space: [String] = []
            // Katib's `distribution` is the scale and the shape in one word (`logNormal` is normal on log scale).
            let normal = parameter.distribution == .normal
            switch parameter.domain {
            case let .double(low, high, scale, step):
                space += ["min: \"\(formatNumber(low))\"", "max: \"\(formatNumber(high))\""]
                if let step { space.append("step: \"\(formatNumber(step))\"") }
                if scale == .log || normal { space.append("distribution: \(Self.katibDistribution(scale, normal))") }
            case let .integer(low, high, step, scale):
                space += ["min: \"\(low)\"", "max: \"\(high)\"", "step: \"\(step)\""]
                if scale == .log || normal { space.append("distribution: \(Self.katibDistribution(scale, normal))") }
            case .discrete(let values):
                space.append("list: \(list(values.map { "\"\(formatNumber($0))\"" }))")
                if normal { space.append("distribution: normal") }
            case .categorical(let values):
                space.append("list: \(list(values.map(quoted)))")
                if normal { space.append("distribution: normal") }
            }
            lines.append("    - {name: \(quoted(parameter.name)), parameterType: \(parameter.typeName), "
                + "feasibleSpace: {\(space.joined(separator: ", "))}}")
        }
        if case .command(let command)? = spec.trial {
            lines += [
                "  trialTemplate:", "    primaryContainerName: training", "    trialSpec:", "      apiVersion: batch/v1",
                "      kind: Job", "      spec:", "        template:", "          spec:", "            containers:",
                "              - name: training", "                command: \(list(command.argv.map(quoted)))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
