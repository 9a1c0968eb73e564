import Foundation
import Testing
@testable import AugurCore

/// All 33 Experiment files of Katib's `examples/v1beta1/` (`Fixtures/katib-examples`, copied unchanged): each one
/// validates, or is refused for the reasons listed below and for no other. `golden/` holds what each file becomes
/// (or its refusal, word for word); run with `AUGUR_UPDATE_GOLDEN=1` to rewrite them after an intended change, and
/// review the diff.
@Suite struct KatibCorpusTests {
    static let folder = KatibExamplesTests.folder
    static let golden = folder.appendingPathComponent("golden")

    /// Refused today only because the algorithm is not built yet (none now: `tpe`, `multivariate-tpe` and `cmaes`
    /// came with the algorithms branch, `pbt` with population-based training). When an algorithm lands, delete its files from this list: the test then
    /// expects them to validate (apart from a reason in `refusedForGood`), and `AUGUR_UPDATE_GOLDEN=1` writes
    /// their golden files.
    static let refusedUntilTheirAlgorithmLands: [String: String] = [:]

    /// Refused for a reason that stays: what the file needs is a Kubernetes cluster, a feature Augur leaves out, or
    /// a command Augur cannot know. Field path and the start of the one message.
    static let refusedForGood: [String: (field: String, message: String)] = [
        "nas/darts-cpu.yaml": ("spec.nasConfig", "neural architecture search (`nasConfig`, for ENAS and DARTS) is not supported"),
        "nas/darts-gpu.yaml": ("spec.nasConfig", "neural architecture search (`nasConfig`, for ENAS and DARTS) is not supported"),
        "nas/enas-cpu.yaml": ("spec.nasConfig", "neural architecture search (`nasConfig`, for ENAS and DARTS) is not supported"),
        "nas/enas-gpu.yaml": ("spec.nasConfig", "neural architecture search (`nasConfig`, for ENAS and DARTS) is not supported"),
        "metrics-collector/custom-metrics-collector.yaml": ("spec.metricsCollectorSpec.collector.kind",
                                                            "the `Custom` metrics collector (a sidecar image"),
        // The template lives in a ConfigMap of the cluster (Katib's `trial-templates`), which Augur cannot read.
        // (Katib's stock `defaultTrialTemplate.yaml` uses `momentum`, which this Experiment does not declare, so
        // Katib's webhook refuses it too.)
        "trial-template/trial-configmap-source.yaml": ("spec.trialTemplate.configMap",
                                                       "Augur cannot read trial templates from a Kubernetes ConfigMap"),
        // The container has only `args`; the image's entrypoint (LightGBM) is not written anywhere in the file.
        "kubeflow-training-operator/xgboostjob-lightgbm.yaml": (
            "spec.trialTemplate.trialSpec.spec.xgbReplicaSpecs.Master.template.spec.containers[0].command",
            "missing required field `command`"),
        // The training step's epochs come from another step's output (Argo) or task's result (Tekton).
        "argo/argo-workflow.yaml": ("spec.trialTemplate.trialSpec.spec.templates[2].container.command[3]",
                                    "`{{inputs.parameters.epochs}}` is an Argo workflow variable"),
        "tekton/pipeline-run.yaml": ("spec.trialTemplate.trialSpec.spec.pipelineSpec.tasks[1].taskSpec.steps[0].command[2]",
                                     "`$(params.epochs)`, `$(trialParameters.lr)` are each a Tekton variable"),
    ]

    /// Every Experiment file of the corpus, relative to its folder.
    static let files: [String] = {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix("golden/") }.sorted()
    }()

    @Test func theCorpusHoldsKatibs33ExperimentFiles() {
        #expect(Self.files.count == 33)
        let listed = Set(Self.refusedUntilTheirAlgorithmLands.keys).union(Self.refusedForGood.keys)
        #expect(listed.isSubset(of: Set(Self.files)))
        // 33 files: 24 validate, 9 are refused.
        #expect(listed.count == 9)
    }

    @Test(arguments: files)
    func eachFileValidatesOrIsRefusedForItsStatedReasons(file: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
        var expected: [(field: String?, message: String)] = []
        if let message = Self.refusedUntilTheirAlgorithmLands[file] { expected.append(("spec.algorithm.algorithmName", message)) }
        if let reason = Self.refusedForGood[file] { expected.append((reason.field, reason.message)) }

        let rendered: String
        do {
            let parsed = try StudySpecParser.parse(text, file: file)
            #expect(expected.isEmpty, "\(file) validates, but is listed as refused: \(expected.map(\.message))")
            #expect(parsed.spec.problems().isEmpty)
            rendered = Self.render(parsed, file: file)
        } catch {
            let problems = error.problems
            #expect(problems.count == expected.count, "\(file): \(problems.map(\.description))")
            for reason in expected {
                #expect(problems.contains { $0.field == reason.field && $0.message.hasPrefix(reason.message) },
                        "\(file) is not refused with “\(reason.message)” at \(reason.field ?? ""): \(problems.map(\.description))")
            }
            #expect(problems.allSatisfy { $0.location?.line != nil }, "\(file): every refusal names its line")
            rendered = "# \(file) is refused\n" + problems.map { "\(Self.place($0)) error: \($0.message)" }.joined(separator: "\n") + "\n"
        }
        try Self.compareWithGolden(rendered, file: file)
    }

    // MARK: Golden files

    static func compareWithGolden(_ rendered: String, file: String) throws {
        let path = golden.appendingPathComponent(file.replacingOccurrences(of: ".yaml", with: ".txt"))
        if ProcessInfo.processInfo.environment["AUGUR_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try rendered.write(to: path, atomically: true, encoding: .utf8)
            return
        }
        let stored = try? String(contentsOf: path, encoding: .utf8)
        let advice = "\(file) no longer becomes what its golden file says; if intended, rerun with "
            + "AUGUR_UPDATE_GOLDEN=1 and review the diff. Now:\n\(rendered)"
        #expect(stored == rendered, Comment(rawValue: advice))
    }

    static func place(_ problem: SpecProblem) -> String {
        let location = problem.location.map { "\($0.line):\($0.column)" } ?? "-"
        return "\(location) \(problem.field)"
    }

    /// What a file becomes, one aspect per line: values as compact JSON (sorted keys), so that every field shows.
    static func render(_ parsed: ParsedSpec, file: String) -> String {
        let spec = parsed.spec
        var lines = ["# \(file) becomes"]
        lines.append("name: \(json(spec.name))")
        lines.append("algorithm: \(json(spec.algorithm))")
        lines.append("seed: \(spec.seed)")
        lines.append("earlyStopping: \(spec.earlyStopping.map(json) ?? "none")")
        lines.append("objective: \(json(spec.objective))")
        lines.append("parameters:")
        lines += spec.searchSpace.parameters.map { "  \(json($0))" }
        lines.append("budget: \(json(spec.budget))")
        switch spec.trial {
        case .command(let command)?:
            lines.append("collector: \(json(command.metrics))")
            lines.append("command: \(json(command.argv))")
            lines.append("environment: \(json(command.environment))")
            lines.append("workingDirectory: \(command.workingDirectory.map(json) ?? "none")")
            lines.append("timeoutSeconds: \(command.timeoutSeconds.map { json($0) } ?? "none")")
            lines.append("trialParameters: \(json(command.parameterReferences))")
        case .training(let training)?:
            lines.append("training: \(json(training))")
        case nil:
            lines.append("trial: none")
        }
        lines.append("warnings:")
        lines += parsed.warnings.map { "  \(place($0))" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "<not encodable>" }
        return String(decoding: data, as: UTF8.self)
    }
}
