import Foundation
import Testing
@testable import AugurCore

/// Katib's own example Experiments (`Fixtures/katib-examples`, copied unchanged from kubeflow/katib), read as a
/// Katib user hands them to `augur validate`: each one states what Augur makes of a Katib feature it claims.
@Suite struct KatibExamplesTests {
    static let folder = SpecTestPaths.testsDirectory.appendingPathComponent("Fixtures/katib-examples")

    static func parse(_ relativePath: String) throws -> ParsedSpec {
        try StudySpecParser.load(path: folder.appendingPathComponent(relativePath).path)
    }

    /// The command trial of a parsed example (every example read here runs a command).
    static func command(of parsed: ParsedSpec) throws -> CommandTrial {
        guard case .command(let command) = parsed.spec.trial else {
            throw ExampleError(description: "expected a command trial")
        }
        return command
    }

    struct ExampleError: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: hp-tuning/hyperband.yaml

    /// `r_l` is Katib's largest resource (R); with `eta: 2` the brackets start at 1 and end at 2 epochs. The
    /// resource parameter's own feasible space (`min: 1, max: 1`) is Katib's placeholder and is not searched.
    @Test func hyperbandExampleReadsRLAsTheLargestResource() throws {
        let parsed = try Self.parse("hp-tuning/hyperband.yaml")
        #expect(parsed.spec.algorithm == .random)
        #expect(parsed.spec.earlyStopping == .hyperband(HyperbandSettings(
            resourceName: "num-epochs", minResource: 1, maxResource: 2, eta: 2)))
        #expect(parsed.spec.searchSpace["num-epochs"] == .discrete("num-epochs", [2]))
        #expect(parsed.spec.searchSpace["lr"] == .double("lr", min: 0.01, max: 0.05))
        #expect(parsed.warnings.contains { $0.message.contains("runs every trial with `num-epochs` = 2") })
    }

    @Test(arguments: [(27, 3, 1), (81, 3, 1), (2, 2, 1), (100, 3, 1), (10, 3, 1), (20, 3, 2), (1000, 10, 1), (2, 3, 2)])
    func hyperbandSmallestResourceFollowsKatib(largest: Int, eta: Int, smallest: Int) {
        #expect(KatibExperimentReader.hyperbandSmallestResource(largest: largest, eta: eta) == smallest)
    }

    @Test func hyperbandWithRLBelowEtaIsRandomSearchAtTheLargestResource() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("hp-tuning/hyperband.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "value: \"2\"\n      - name: \"r_l\"", with: "value: \"3\"\n      - name: \"r_l\"")
        let parsed = try StudySpecParser.parse(text, file: "hb.yaml")
        #expect(parsed.spec.earlyStopping == nil)
        #expect(parsed.spec.searchSpace["num-epochs"] == .discrete("num-epochs", [2]))
        #expect(parsed.warnings.contains { $0.message.contains("single bracket") })
    }

    @Test func hyperbandResourceNamingNoParameterSuggestsOne() {
        let problems = specProblems(KatibExperimentParserTests.experiment(algorithm: """
        algorithmName: hyperband
        algorithmSettings: [{name: resource_name, value: num-epoch}, {name: r_l, value: "9"}]
        """, parameters: """
        - {name: num-epochs, parameterType: int, feasibleSpace: {min: "1", max: "9"}}
        """), file: "hb.yaml")
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("did you mean `num-epochs`?") == true)
        #expect(problems.first?.location?.line != nil)
    }
}

extension KatibExamplesTests {
    // MARK: metrics-collector/file-metrics-collector.yaml

    @Test func fileMetricsCollectorExampleKeepsKatibsFilter() throws {
        let parsed = try Self.parse("metrics-collector/file-metrics-collector.yaml")
        let command = try Self.command(of: parsed)
        #expect(command.metrics == MetricsCollector(
            source: .file(path: "/katib/mnist.log"),
            format: .text(patterns: [MetricPatternTests.katibFileExampleFilter])))
        #expect(parsed.spec.objective.allMetricNames == ["accuracy", "loss"])
    }

    @Test func filterUsingAnRE2ConstructICULacksIsRefusedWithItsPlace() {
        let problems = specProblems(KatibExperimentParserTests.experiment(algorithm: "algorithmName: random", extraSpec: """
        metricsCollectorSpec:
          source:
            filter:
              metricsFormat: ['(\\w+)=(\\d+)\\C']
        """), file: "f.yaml")
        #expect(problems.count == 1)
        #expect(problems.first?.field == "spec.metricsCollectorSpec.source.filter.metricsFormat[0]")
        #expect(problems.first?.message.contains("`\\C`, which Augur cannot translate") == true)
        #expect(problems.first?.location?.line != nil)
    }
}

extension KatibExamplesTests {
    // MARK: kubeflow-training-operator/xgboostjob-lightgbm.yaml

    /// LightGBM's metric names (`valid_1 auc`) are accepted, and its filter compiles. The example's container has
    /// only `args` (the image's entrypoint runs LightGBM), which Augur cannot run: that is the one problem left.
    @Test func xgboostLightGBMExampleAcceptsMetricNamesWithSpaces() {
        let problems = specProblems(
            (try? String(contentsOf: Self.folder.appendingPathComponent("kubeflow-training-operator/xgboostjob-lightgbm.yaml"),
                         encoding: .utf8)) ?? "", file: "xgboostjob-lightgbm.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.trialSpec.spec.xgbReplicaSpecs.Master.template.spec.containers[0].command"])
        #expect(problems.first?.message.contains("Augur cannot run an image's entrypoint") == true)
    }

    @Test func xgboostLightGBMExampleMetricsAreReadWithTheCommandAdded() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("kubeflow-training-operator/xgboostjob-lightgbm.yaml"),
                              encoding: .utf8)
            .replacingOccurrences(of: "                    args:\n", with: "                    command: [lightgbm]\n                    args:\n")
        let parsed = try StudySpecParser.parse(text, file: "xgboostjob-lightgbm.yaml")
        #expect(parsed.spec.objective.allMetricNames
            == ["valid_1 auc", "valid_1 binary_logloss", "training auc", "training binary_logloss"])
        let command = try Self.command(of: parsed)
        #expect(command.metrics.format == .text(patterns: [#"(\w+\s\w+)\s:\s((-?\d+)(\.\d+)?)"#]))
    }
}

extension KatibExamplesTests {
    // MARK: trial-template/trial-metadata-substitution.yaml

    @Test func trialMetadataSubstitutionExampleResolvesEveryReference() throws {
        let parsed = try Self.parse("trial-template/trial-metadata-substitution.yaml")
        let command = try Self.command(of: parsed)
        let expected: [String: TrialParameterReference] = [
            "learningRate": .parameter("lr"), "momentum": .parameter("momentum"), "trialName": .trialName,
            "trialNamespace": .text("kubeflow"), "trialKind": .text("Job"), "trialAPIVersion": .text("batch/v1"),
            "trialLabelCustom": .text("custom-label"), "trialAnnotationCustom": .text("custom-annotation"),
        ]
        #expect(command.parameterReferences.mapValues(TrialParameterReference.init(encoded:)) == expected)
        #expect(command.environment["TRIAL_NAME"] == "${trialParameters.trialName}")
        #expect(parsed.spec.problems().isEmpty)
    }

    @Test func trialNamespaceDefaultsToDefault() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("trial-template/trial-metadata-substitution.yaml"),
                              encoding: .utf8).replacingOccurrences(of: "  namespace: kubeflow\n", with: "")
        let parsed = try StudySpecParser.parse(text, file: "t.yaml")
        let command = try Self.command(of: parsed)
        #expect(command.reference(named: "trialNamespace") == .text("default"))
    }

    @Test(arguments: [
        ("${trialSpec.Labels[other-key]}", "the label `other-key`, which `trialSpec.metadata.labels` does not have"),
        ("${trialSpec.Annotations[x]}", "the annotation `x`, which `trialSpec.metadata.annotations` does not have"),
        ("${trialSpec.Uid}", "is not trial metadata Katib knows"),
    ])
    func unresolvableTrialMetadataIsRefusedWhereItIsWritten(reference: String, message: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("trial-template/trial-metadata-substitution.yaml"),
                              encoding: .utf8).replacingOccurrences(of: "${trialSpec.Labels[custom-key]}", with: reference)
        let problems = specProblems(text, file: "t.yaml")
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains(message) == true)
        #expect(problems.first?.location?.line == 52)
        #expect(problems.first?.field == "spec.trialTemplate.trialParameters[6].reference")
    }
}

extension KatibExamplesTests {
    // MARK: hp-tuning/hyperopt-distribution.yaml

    @Test func hyperoptDistributionExampleKeepsEveryDistribution() throws {
        let parsed = try Self.parse("hp-tuning/hyperopt-distribution.yaml")
        #expect(parsed.spec.searchSpace.parameters == [
            .double("lr", min: 0.01, max: 0.05, step: 0.01, distribution: .normal),
            .double("momentum", min: 0.001, max: 1),
            .integer("epochs", min: 1, max: 3, scale: .log),
            .integer("batch_size", min: 32, max: 64, scale: .log, distribution: .normal),
        ])
    }

    @Test func aListParameterCannotHaveANormalDistribution() {
        let problems = specProblems("""
        name: lists
        objective: {metric: loss, goal: minimize}
        parameters:
          - {name: optimizer, type: categorical, values: [sgd, adam], distribution: normal}
        trial: {command: [./train]}
        """, file: "lists.yaml")
        #expect(problems.map(\.field) == ["parameters[0].distribution"])
        #expect(problems.first?.location?.line == 4)
    }

    @Test func distributionIsStoredOnlyWhenItIsNotUniform() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let uniform = String(decoding: try encoder.encode(ParameterSpec.double("x", min: 0, max: 1)), as: UTF8.self)
        #expect(uniform.contains("distribution") == false)
        let normal = ParameterSpec.integer("n", min: 1, max: 9, distribution: .normal)
        let decoded = try JSONDecoder().decode(ParameterSpec.self, from: try encoder.encode(normal))
        #expect(decoded == normal)
        #expect(try JSONDecoder().decode(ParameterSpec.self, from: Data(uniform.utf8)).distribution == .uniform)
    }
}

extension KatibExamplesTests {
    // MARK: kubeflow-training-operator/tfjob-mnist-with-summaries.yaml

    /// The `TensorFlowEvent` collector reads the event files under the `Directory` path, once the trial has ended.
    @Test func tfJobWithSummariesReadsTensorFlowEventFiles() throws {
        let parsed = try Self.parse("kubeflow-training-operator/tfjob-mnist-with-summaries.yaml")
        let command = try Self.command(of: parsed)
        #expect(command.metrics == MetricsCollector(source: .directory(path: "/mnist-with-summaries-logs/test"),
                                                    format: .tensorFlowEvent))
        #expect(parsed.warnings.contains { $0.message.contains("each trial would read the others' events") })
    }

    @Test(arguments: [
        ("        kind: Directory\n", "        kind: File\n", "spec.metricsCollectorSpec.source.fileSystemPath.kind",
         "write `kind: Directory`"),
        ("        kind: Directory\n", "        kind: Directory\n        format: JSON\n",
         "spec.metricsCollectorSpec.source.fileSystemPath.format", "TensorFlow event files have one format"),
        ("      fileSystemPath:\n", "      filter: {metricsFormat: ['(\\w+)=(\\d+)']}\n      fileSystemPath:\n",
         "spec.metricsCollectorSpec.source.filter.metricsFormat[0]", "read by their summary tags"),
    ])
    func tensorFlowEventCollectorMisfitsAreRefusedWhereWritten(old: String, new: String, field: String, message: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("kubeflow-training-operator/tfjob-mnist-with-summaries.yaml"),
                              encoding: .utf8).replacingOccurrences(of: old, with: new)
        let problems = specProblems(text, file: "tf.yaml")
        #expect(problems.map(\.field) == [field])
        #expect(problems.first?.message.contains(message) == true)
        #expect(problems.first?.location?.line != nil)
    }

    @Test func tensorFlowEventWithoutAPathReadsKatibsDefaultDirectory() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("kubeflow-training-operator/tfjob-mnist-with-summaries.yaml"),
                              encoding: .utf8)
            .replacingOccurrences(of: "      fileSystemPath:\n        path: /mnist-with-summaries-logs/test\n        kind: Directory\n",
                                  with: "      fileSystemPath:\n        kind: Directory\n")
        let command = try Self.command(of: try StudySpecParser.parse(text, file: "tf.yaml"))
        #expect(command.metrics.source == .directory(path: "/var/log/katib/tfevent/"))
    }
}

extension KatibExamplesTests {
    // MARK: Trial kinds without a pod template (argo/, tekton/, kubeflow-trainer/)

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// Argo names a template's container `main`; `primaryPodLabels` picks the template. The example's epochs come
    /// from another step's output, which Augur cannot run: one error, at the argument.
    @Test func argoWorkflowIsRefusedForItsWorkflowVariable() throws {
        let problems = specProblems(try Self.text("argo/argo-workflow.yaml"), file: "argo.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.trialSpec.spec.templates[2].container.command[3]"])
        #expect(problems.first?.message.hasPrefix("`{{inputs.parameters.epochs}}` is an Argo workflow variable") == true)
        #expect(problems.first?.location?.line == 82)
    }

    @Test func argoWorkflowRunsTheLabelledTemplatesContainer() throws {
        let text = try Self.text("argo/argo-workflow.yaml")
            .replacingOccurrences(of: "{{inputs.parameters.epochs}}", with: "2")
        let parsed = try StudySpecParser.parse(text, file: "argo.yaml")
        #expect(try Self.command(of: parsed).argv
            == ["python3", "/opt/pytorch-mnist/mnist.py", "--lr=${trialParameters.learningRate}", "--epochs=2", "--batch-size=16"])
        #expect(parsed.warnings.contains { $0.message.contains("primary container of this `Workflow`") })
    }

    @Test func argoWorkflowWithoutPodLabelsHasTwoMainContainers() throws {
        let text = try Self.text("argo/argo-workflow.yaml")
            .replacingOccurrences(of: "    primaryPodLabels:\n      katib.kubeflow.org/model-training: \"true\"\n", with: "")
        let problems = specProblems(text, file: "argo.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.primaryContainerName"])
        #expect(problems.first?.message.contains("2 containers of this `Workflow` are named `main`; set `primaryPodLabels`") == true)
    }

    @Test func argoPodLabelsThatMatchNoTemplateSayWhereToAddThem() throws {
        let text = try Self.text("argo/argo-workflow.yaml")
            .replacingOccurrences(of: "      katib.kubeflow.org/model-training: \"true\"\n    primaryContainerName",
                                  with: "      katib.kubeflow.org/model-training: \"yes\"\n    primaryContainerName")
        let problems = specProblems(text, file: "argo.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.primaryPodLabels"])
        #expect(problems.first?.message.contains("add them to the `metadata.labels` of the template that trains") == true)
    }

    /// Tekton names a step's container `step-<name>` and labels a task's pod `tekton.dev/pipelineTask: <task>`.
    @Test func tektonPipelineRunIsRefusedForItsVariables() throws {
        let problems = specProblems(try Self.text("tekton/pipeline-run.yaml"), file: "tekton.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.trialSpec.spec.pipelineSpec.tasks[1].taskSpec.steps[0].command[2]"])
        #expect(problems.first?.message.hasPrefix("`$(params.epochs)`, `$(trialParameters.lr)` are each a Tekton variable") == true)
    }

    @Test func tektonPipelineRunRunsTheLabelledTasksStep() throws {
        let text = try Self.text("tekton/pipeline-run.yaml")
            .replacingOccurrences(of: "--epochs=$(params.epochs)", with: "--epochs=2")
            .replacingOccurrences(of: "--lr=$(trialParameters.lr)", with: "--lr=${trialParameters.learningRate}")
        let parsed = try StudySpecParser.parse(text, file: "tekton.yaml")
        #expect(try Self.command(of: parsed).argv
            == ["python3", "/opt/pytorch-mnist/mnist.py", "--epochs=2", "--batch-size=16", "--lr=${trialParameters.learningRate}"])
    }

    @Test func trainJobRunsTheTrainersCommand() throws {
        let parsed = try Self.parse("kubeflow-trainer/trainjob-pytorch.yaml")
        #expect(try Self.command(of: parsed).argv == ["python3", "/opt/pytorch-mnist/mnist.py", "--epochs=1",
                                                      "--lr=${trialParameters.learningRate}", "--momentum=${trialParameters.momentum}"])
        #expect(parsed.warnings.contains { $0.message.contains("`numNodes`, `image` are ignored") })
    }

    @Test func trainJobContainerIsNamedNode() throws {
        let text = try Self.text("kubeflow-trainer/trainjob-pytorch.yaml")
            .replacingOccurrences(of: "primaryContainerName: node", with: "primaryContainerName: trainer")
        let problems = specProblems(text, file: "trainjob.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.primaryContainerName"])
        #expect(problems.first?.message.contains("Kubeflow Trainer names the trainer's container `node`") == true)
    }

    @Test func aKindWithNoKnownContainersNamesWhereAugurLooks() {
        let problems = specProblems(KatibExperimentParserTests.randomExample.replacingOccurrences(
            of: "kind: Job", with: "kind: JobSet"
        ).replacingOccurrences(of: "containers:", with: "runners:"), file: "k.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.trialSpec"])
        #expect(problems.first?.message.contains("an Argo Workflow's `spec.templates[].container`") == true)
    }
}

extension KatibExamplesTests {
    /// A TrainJob whose trainer has no `command` would run the runtime's image entrypoint, which Augur cannot know.
    @Test func trainJobWithoutACommandAsksForOne() throws {
        let text = try Self.text("kubeflow-trainer/trainjob-pytorch.yaml")
            .replacingOccurrences(of: "          command:\n", with: "          args:\n")
        let problems = specProblems(text, file: "trainjob.yaml")
        #expect(problems.map(\.field) == ["spec.trialTemplate.trialSpec.spec.trainer.command"])
        #expect(problems.first?.message.contains("Augur cannot run an image's entrypoint") == true)
    }
}
