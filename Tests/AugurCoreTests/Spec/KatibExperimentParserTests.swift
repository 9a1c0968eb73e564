import Testing
@testable import AugurCore

@Suite struct KatibExperimentParserTests {
    /// Katib's own random-search example, trimmed: numbers as strings, a Job template, trial parameters.
    static let randomExample = """
    apiVersion: kubeflow.org/v1beta1
    kind: Experiment
    metadata:
      namespace: kubeflow
      name: random
    spec:
      objective:
        type: maximize
        goal: 0.99
        objectiveMetricName: Validation-accuracy
        additionalMetricNames:
          - Train-accuracy
      algorithm:
        algorithmName: random
        algorithmSettings:
          - name: random_state
            value: "10"
      parallelTrialCount: 3
      maxTrialCount: 12
      maxFailedTrialCount: 3
      parameters:
        - name: lr
          parameterType: double
          feasibleSpace:
            min: "0.01"
            max: "0.03"
            distribution: logUniform
        - name: num-layers
          parameterType: int
          feasibleSpace:
            min: "2"
            max: "5"
        - name: optimizer
          parameterType: categorical
          feasibleSpace:
            list:
              - sgd
              - adam
              - ftrl
      trialTemplate:
        primaryContainerName: training-container
        trialParameters:
          - name: learningRate
            description: Learning rate for the training model
            reference: lr
          - name: numberLayers
            description: Number of training model layers
            reference: num-layers
          - name: optimizer
            description: Training model optimizer (sdg, adam or ftrl)
            reference: optimizer
        trialSpec:
          apiVersion: batch/v1
          kind: Job
          spec:
            template:
              spec:
                containers:
                  - name: training-container
                    image: docker.io/kubeflowkatib/mxnet-mnist:latest
                    command:
                      - "python3"
                      - "/opt/mxnet-mnist/mnist.py"
                      - "--batch-size=64"
                      - "--lr=${trialParameters.learningRate}"
                      - "--num-layers=${trialParameters.numberLayers}"
                      - "--optimizer=${trialParameters.optimizer}"
                    env:
                      - name: OPTIMIZER
                        value: ${trialParameters.optimizer}
                    workingDir: scratch
                restartPolicy: Never
    """

    @Test func randomExampleMapsToStudySpec() throws {
        let parsed = try StudySpecParser.parse(Self.randomExample, file: "/exp/random.yaml")
        let expected = StudySpec(
            name: "random",
            searchSpace: SearchSpace([
                .double("lr", min: 0.01, max: 0.03, scale: .log),
                .integer("num-layers", min: 2, max: 5),
                .categorical("optimizer", ["sgd", "adam", "ftrl"]),
            ]),
            objective: Objective(metric: "Validation-accuracy", goal: .maximize, target: 0.99, strategy: .max,
                                 additionalMetrics: [MetricSpec(name: "Train-accuracy", strategy: .max)]),
            algorithm: .random,
            budget: Budget(maxTrials: 12, parallelTrials: 3, maxFailedTrials: 3),
            trial: .command(CommandTrial(
                argv: ["python3", "/opt/mxnet-mnist/mnist.py", "--batch-size=64", "--lr=${trialParameters.learningRate}",
                       "--num-layers=${trialParameters.numberLayers}", "--optimizer=${trialParameters.optimizer}"],
                environment: ["OPTIMIZER": "${trialParameters.optimizer}"],
                workingDirectory: "/exp/scratch",
                parameterReferences: ["learningRate": "lr", "numberLayers": "num-layers", "optimizer": "optimizer"])),
            seed: 10,
            format: .katib)
        #expect(parsed.spec == expected)
        #expect(parsed.warnings.map(\.field) == [
            "metadata.namespace",
            "spec.trialTemplate.trialSpec.spec.template.spec",
            "spec.trialTemplate.trialSpec.spec.template.spec.containers[0]",
        ])
        #expect(parsed.warnings.allSatisfy { $0.severity == .warning && $0.location?.file == "/exp/random.yaml" })
        #expect(parsed.warnings[1].message == "Augur runs only the primary container's command, so the pod field "
            + "`restartPolicy` is ignored.")
        #expect(parsed.warnings[2].message == "Augur runs the container's command on this machine; `image` is ignored.")
    }

    static func experiment(algorithm: String, extraSpec: String = "", parameters: String? = nil,
                           container: String = "command: [sh, -c, \"echo loss=1\"]") -> String {
        """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata: {name: test}
        spec:
          objective: {type: minimize, objectiveMetricName: loss}
          algorithm:
        \(algorithm.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
          maxTrialCount: 5
        \(extraSpec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
          parameters:
        \((parameters ?? "- {name: lr, parameterType: double, feasibleSpace: {min: \"0.01\", max: \"0.1\", step: \"0.01\"}}").split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
          trialTemplate:
            trialSpec:
              apiVersion: batch/v1
              kind: Job
              spec:
                template:
                  spec:
                    containers:
                      - name: main
                        \(container)
        """
    }

    @Test func bayesianOptimizationSettingsMapToGaussianProcess() throws {
        let text = Self.experiment(algorithm: """
        algorithmName: bayesianoptimization
        algorithmSettings:
          - {name: base_estimator, value: GP}
          - {name: n_initial_points, value: "7"}
          - {name: acq_func, value: LCB}
          - {name: acq_optimizer, value: lbfgs}
          - {name: random_state, value: "99"}
        """)
        let parsed = try StudySpecParser.parse(text, file: "bo.yaml")
        #expect(parsed.spec.algorithm == .gaussianProcess(GaussianProcessSettings(initialTrials: 7, acquisition: .upperConfidenceBound)))
        #expect(parsed.spec.seed == 99)
        #expect(parsed.warnings.map(\.field) == ["spec.algorithm.algorithmSettings[3].value"])
    }

    @Test(arguments: [("gp_hedge", AcquisitionFunction.logExpectedImprovement), ("EI", .expectedImprovement),
                      ("LCB", .upperConfidenceBound), ("PI", .probabilityOfImprovement)])
    func acquisitionFunctions(katibName: String, expected: AcquisitionFunction) throws {
        let text = Self.experiment(algorithm: """
        algorithmName: bayesianoptimization
        algorithmSettings: [{name: acq_func, value: \(katibName)}]
        """)
        let spec = try StudySpecParser.parse(text, file: "bo.yaml").spec
        #expect(spec.algorithm == .gaussianProcess(GaussianProcessSettings(acquisition: expected)))
    }

    @Test func sobolAndGrid() throws {
        #expect(try StudySpecParser.parse(Self.experiment(algorithm: "algorithmName: sobol"), file: "s.yaml").spec.algorithm
                == .quasiRandom(.sobol))
        #expect(try StudySpecParser.parse(Self.experiment(algorithm: "algorithmName: grid"), file: "g.yaml").spec.algorithm
                == .grid)
    }

    @Test func gridWithoutMaxTrialCountRunsTheWholeGrid() throws {
        let text = Self.experiment(algorithm: "algorithmName: grid").replacingOccurrences(of: "  maxTrialCount: 5\n", with: "")
        let parsed = try StudySpecParser.parse(text, file: "g.yaml")
        #expect(parsed.spec.budget.maxTrials == 10)
        #expect(parsed.warnings.isEmpty)
    }

    @Test func randomWithoutMaxTrialCountWarns() throws {
        let text = Self.experiment(algorithm: "algorithmName: random").replacingOccurrences(of: "  maxTrialCount: 5\n", with: "")
        let parsed = try StudySpecParser.parse(text, file: "r.yaml")
        #expect(parsed.spec.budget.maxTrials == Budget().maxTrials)
        #expect(parsed.spec.budget.parallelTrials == 3)
        #expect(parsed.warnings.map(\.field) == ["spec.maxTrialCount"])
    }

    @Test func hyperbandBecomesRandomSearchWithHyperbandStopping() throws {
        let text = Self.experiment(algorithm: """
        algorithmName: hyperband
        algorithmSettings:
          - {name: resource_name, value: num-epochs}
          - {name: eta, value: "3"}
          - {name: r_l, value: "27"}
        """, parameters: """
        - {name: lr, parameterType: double, feasibleSpace: {min: "0.01", max: "0.1"}}
        - {name: num-epochs, parameterType: int, feasibleSpace: {min: "1", max: "5"}}
        """, container: "command: [sh, -c, \"echo loss=1\", \"${trialParameters.epochs}\"]")
            .replacingOccurrences(of: "    trialSpec:", with: "    trialParameters: [{name: epochs, reference: num-epochs}]\n    trialSpec:")
        let parsed = try StudySpecParser.parse(text, file: "hb.yaml")
        #expect(parsed.spec.algorithm == .random)
        #expect(parsed.spec.earlyStopping == .hyperband(HyperbandSettings(resourceName: "num-epochs", minResource: 1, maxResource: 27, eta: 3)))
        #expect(parsed.spec.searchSpace["num-epochs"] == .discrete("num-epochs", [27]))
        #expect(parsed.warnings.contains { $0.message.contains("runs every trial with `num-epochs` = 27") })
    }

    @Test func medianStopUsesKatibDefaults() throws {
        let text = Self.experiment(algorithm: "algorithmName: random", extraSpec: """
        earlyStopping:
          algorithmName: medianstop
          algorithmSettings: [{name: min_trials_required, value: "5"}]
        """)
        let spec = try StudySpecParser.parse(text, file: "m.yaml").spec
        #expect(spec.earlyStopping == .median(MedianStoppingSettings(minTrialsRequired: 5, startStep: 4)))
    }

    @Test func fileCollectorWithTextFilter() throws {
        let text = Self.experiment(algorithm: "algorithmName: random", extraSpec: #"""
        metricsCollectorSpec:
          collector: {kind: File}
          source:
            fileSystemPath: {path: /var/log/katib/metrics.log, kind: File}
            filter:
              metricsFormat: ['([\w|-]+)\s*:\s*((-?\d+)(\.\d+)?)']
        parallelTrialCount: 1
        """#)
        let spec = try StudySpecParser.parse(text, file: "f.yaml").spec
        guard case .command(let trial)? = spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.metrics == MetricsCollector(source: .file(path: "/var/log/katib/metrics.log"),
                                                  format: .text(patterns: [#"([\w|-]+)\s*:\s*((-?\d+)(\.\d+)?)"#])))
    }

    @Test func sharedAbsoluteMetricsFileWarnsWhenTrialsRunInParallel() throws {
        let text = Self.experiment(algorithm: "algorithmName: random", extraSpec: """
        metricsCollectorSpec:
          collector: {kind: File}
        parallelTrialCount: 2
        """)
        let parsed = try StudySpecParser.parse(text, file: "f.yaml")
        #expect(parsed.warnings.contains { $0.message.contains("overwrite each other") })
    }

    @Test func activeDeadlineBecomesTimeout() throws {
        let text = Self.experiment(algorithm: "algorithmName: random")
            .replacingOccurrences(of: "\n        template:\n", with: "\n        activeDeadlineSeconds: 600\n        template:\n")
        let spec = try StudySpecParser.parse(text, file: "t.yaml").spec
        guard case .command(let trial)? = spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.timeoutSeconds == 600)
    }

    @Test(arguments: ["enas", "darts", "random-search"])
    func unsupportedAlgorithmsAreErrorsNamingWhatIsSupported(name: String) {
        let problems = specProblems(Self.experiment(algorithm: "algorithmName: \(name)"))
        #expect(problems.count == 1)
        #expect(problems.first?.field == "spec.algorithm.algorithmName")
        #expect(problems.first?.message.contains("Augur supports `random`, `grid`, `sobol`, `bayesianoptimization`, "
            + "`tpe`, `multivariate-tpe`, `cmaes`, `pbt` and `hyperband`") == true)
    }

    // MARK: Population-based training

    @Test func pbtSettingsMap() throws {
        // The settings of Katib's simple-pbt example, with resample_probability added.
        let text = Self.experiment(algorithm: """
        algorithmName: pbt
        algorithmSettings:
          - {name: suggestion_trial_dir, value: /var/log/katib/checkpoints/}
          - {name: n_population, value: "40"}
          - {name: truncation_threshold, value: "0.2"}
          - {name: resample_probability, value: "0.3"}
        """)
        let spec = try StudySpecParser.parse(text, file: "pbt.yaml").spec
        #expect(spec.algorithm == .populationBased(PopulationBasedTrainingSettings(
            population: 40, truncationThreshold: 0.2, resampleProbability: 0.3, checkpointPath: "/var/log/katib/checkpoints/")))
    }

    @Test func pbtNeedsKatibsRequiredSettings() throws {
        let problems = specProblems(Self.experiment(algorithm: """
        algorithmName: pbt
        algorithmSettings:
          - {name: n_population, value: "10"}
        """), file: "/specs/pbt.yaml")
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.message.contains("`suggestion_trial_dir`, `truncation_threshold`"))
        #expect(problem.location?.file == "/specs/pbt.yaml")
        #expect(problem.location?.line != nil)
    }

    @Test(arguments: [("n_population", "1", "[1].value"), ("truncation_threshold", "0.8", "[2].value"),
                      ("resample_probability", "-0.5", "[3].value"), ("n_populaton", "8", "[3].name")])
    func pbtSettingsOutOfRangeOrUnknownAreRefusedAtTheirLine(setting: String, value: String, field: String) throws {
        var settings = ["suggestion_trial_dir": "/ckpt", "n_population": "10", "truncation_threshold": "0.2"]
        settings[setting] = value
        let order = ["suggestion_trial_dir", "n_population", "truncation_threshold"] + (settings.count > 3 ? [setting] : [])
        let lines = order.map { "  - {name: \($0), value: \"\(settings[$0] ?? "")\"}" }.joined(separator: "\n")
        let text = Self.experiment(algorithm: "algorithmName: pbt\nalgorithmSettings:\n" + lines)
        let problems = specProblems(text, file: "/specs/pbt.yaml")
        let problem = try #require(problems.first)
        #expect(problems.count == 1, "\(problems)")
        #expect(problem.field == "spec.algorithm.algorithmSettings" + field)
        #expect(problem.location?.line != nil)
    }

    // MARK: TPE and CMA-ES (Katib's Optuna suggestion service)

    @Test func tpeSettingsMapToTreeParzen() throws {
        let text = Self.experiment(algorithm: """
        algorithmName: tpe
        algorithmSettings:
          - {name: n_startup_trials, value: "5"}
          - {name: n_ei_candidates, value: "12"}
          - {name: random_state, value: "71"}
          - {name: gamma, value: "0.25"}
          - {name: prior_weight, value: "2.5"}
        """)
        let parsed = try StudySpecParser.parse(text, file: "tpe.yaml")
        #expect(parsed.spec.algorithm == .treeParzen(TreeParzenSettings(startupTrials: 5, candidates: 12, gamma: 0.25,
                                                                         priorWeight: 2.5)))
        #expect(parsed.spec.seed == 71)
        #expect(parsed.warnings.isEmpty)
    }

    @Test func multivariateTPEIsTheJointEstimatorWithDefaults() throws {
        let spec = try StudySpecParser.parse(Self.experiment(algorithm: "algorithmName: multivariate-tpe"), file: "m.yaml").spec
        #expect(spec.algorithm == .treeParzen(TreeParzenSettings(multivariate: true)))
        #expect(spec.algorithm.name == "multivariate-tpe")
    }

    @Test(arguments: [("ipop", CMAESRestartStrategy.ipop), ("bipop", .bipop), ("none", .none)])
    func cmaesSettingsMap(katibName: String, expected: CMAESRestartStrategy) throws {
        // Katib's own cma-es example sets sigma and restart_strategy like this.
        let text = Self.experiment(algorithm: """
        algorithmName: cmaes
        algorithmSettings:
          - {name: random_state, value: "10"}
          - {name: sigma, value: "0.2"}
          - {name: restart_strategy, value: \(katibName)}
        """)
        let parsed = try StudySpecParser.parse(text, file: "cmaes.yaml")
        #expect(parsed.spec.algorithm == .cmaes(CMAESSettings(sigma: 0.2, restartStrategy: expected)))
        #expect(parsed.spec.seed == 10)
    }

    @Test(arguments: ["tpe", "multivariate-tpe", "cmaes"])
    func unknownSettingIsRefusedAtItsLine(name: String) throws {
        let text = Self.experiment(algorithm: """
        algorithmName: \(name)
        algorithmSettings:
          - {name: random_state, value: "1"}
          - {name: n_startup_trial, value: "3"}
        """)
        let problems = specProblems(text, file: "/specs/katib.yaml")
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.field == "spec.algorithm.algorithmSettings[1].name")
        #expect(problem.message.contains("`\(name)` has no setting `n_startup_trial`"))
        // The setting's own line: 9 lines down from the top of the generated file.
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("n_startup_trial,") }) + 1
        #expect(problem.location?.line == line)
        #expect(problem.description.contains("/specs/katib.yaml:\(line)"))
    }

    @Test(arguments: [("tpe", "gamma", "1.5"), ("tpe", "prior_weight", "-1"), ("tpe", "n_ei_candidates", "0"),
                      ("cmaes", "sigma", "0"), ("cmaes", "restart_strategy", "sometimes")])
    func outOfRangeSettingsAreRefused(algorithm: String, setting: String, value: String) throws {
        let problems = specProblems(Self.experiment(algorithm: """
        algorithmName: \(algorithm)
        algorithmSettings: [{name: \(setting), value: "\(value)"}]
        """))
        #expect(problems.count == 1)
        #expect(problems.first?.field == "spec.algorithm.algorithmSettings[0].value")
    }

    @Test func tfJobTemplateUsesPrimaryContainerWithAWarning() throws {
        let text = """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata: {name: tfjob}
        spec:
          objective: {type: minimize, objectiveMetricName: loss}
          algorithm: {algorithmName: random}
          maxTrialCount: 3
          parameters:
            - {name: lr, parameterType: double, feasibleSpace: {min: "0.01", max: "0.1"}}
          trialTemplate:
            primaryContainerName: tensorflow
            trialParameters: [{name: learningRate, reference: lr}]
            trialSpec:
              apiVersion: kubeflow.org/v1
              kind: TFJob
              spec:
                tfReplicaSpecs:
                  Worker:
                    replicas: 2
                    template:
                      spec:
                        containers:
                          - name: tensorflow
                            command: [python, train.py, "--lr=${trialParameters.learningRate}"]
        """
        let parsed = try StudySpecParser.parse(text, file: "tf.yaml")
        guard case .command(let trial)? = parsed.spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.argv == ["python", "train.py", "--lr=${trialParameters.learningRate}"])
        #expect(parsed.warnings.contains { $0.field == "spec.trialTemplate.trialSpec.kind" && $0.message.contains("TFJob") })
    }

    @Test func kubernetesOnlyFieldsAreWarningsNotErrors() throws {
        let text = """
        apiVersion: kubeflow.org/v1beta1
        kind: Experiment
        metadata:
          name: tolerant
          namespace: kubeflow
          labels: {team: ml}
          annotations: {note: x}
        spec:
          resumePolicy: LongRunning
          objective: {type: minimize, objectiveMetricName: loss}
          algorithm: {algorithmName: random}
          maxTrialCount: 4
          parameters:
            - {name: lr, parameterType: double, feasibleSpace: {min: "0.01", max: "0.1"}}
          trialTemplate:
            retain: true
            successCondition: status.conditions.#(type=="Complete")#|#(status=="True")#
            failureCondition: status.conditions.#(type=="Failed")#|#(status=="True")#
            primaryPodLabels: {training.kubeflow.org/job-role: master}
            trialSpec:
              apiVersion: batch/v1
              kind: Job
              spec:
                template:
                  spec:
                    containers:
                      - name: main
                        command: [sh, -c, "echo loss=1"]
        status:
          trials: 3
        """
        let parsed = try StudySpecParser.parse(text, file: "k.yaml")
        #expect(parsed.warnings.map(\.field) == [
            "metadata.namespace", "metadata.labels", "metadata.annotations", "spec.resumePolicy",
            "spec.trialTemplate.retain", "spec.trialTemplate.successCondition", "spec.trialTemplate.failureCondition",
            "spec.trialTemplate.primaryPodLabels", "status",
        ])
        #expect(parsed.warnings.allSatisfy { $0.description.contains("warning:") && $0.message.contains("ignored") })
    }

    @Test func objectiveStrategiesOverrideKatibDefaults() throws {
        let text = Self.experiment(algorithm: "algorithmName: random").replacingOccurrences(
            of: "objective: {type: minimize, objectiveMetricName: loss}",
            with: "objective: {type: minimize, objectiveMetricName: loss, additionalMetricNames: [acc, f1], "
                + "metricStrategies: [{name: acc, value: latest}]}")
        let objective = try StudySpecParser.parse(text, file: "o.yaml").spec.objective
        #expect(objective.strategy == .min)
        #expect(objective.additionalMetrics == [MetricSpec(name: "acc", strategy: .latest), MetricSpec(name: "f1", strategy: .min)])
    }
}

extension KatibExperimentParserTests {
    // MARK: parallelTrialCount and maxTrialCount

    /// Katib's validating webhook refuses `parallelTrialCount` > `maxTrialCount`; a Katib file keeps that rule.
    @Test func moreParallelTrialsThanTrialsIsRefusedWhereParallelTrialCountIsWritten() {
        let text = Self.randomExample.replacingOccurrences(of: "  maxTrialCount: 12\n", with: "  maxTrialCount: 2\n")
        let problems = specProblems(text, file: "p.yaml")
        #expect(problems.map(\.field) == ["spec.parallelTrialCount"])
        #expect(problems.first?.message.contains("`parallelTrialCount` (3) must be at most `maxTrialCount` (2)") == true)
        #expect(problems.first?.location?.line == 18)
    }

    /// Katib's defaulting webhook sets an unwritten `parallelTrialCount` to 3 before validation.
    @Test func maxTrialCountBelowKatibsDefaultParallelismIsRefusedAtMaxTrialCount() {
        let text = Self.randomExample.replacingOccurrences(of: "  parallelTrialCount: 3\n", with: "")
            .replacingOccurrences(of: "  maxTrialCount: 12\n", with: "  maxTrialCount: 2\n")
        let problems = specProblems(text, file: "p.yaml")
        #expect(problems.map(\.field) == ["spec.maxTrialCount"])
        #expect(problems.first?.message.contains("below Katib's default `parallelTrialCount` of 3") == true)
    }

    @Test func equalParallelAndMaximumTrialCountsAreAccepted() {
        let text = Self.randomExample.replacingOccurrences(of: "  maxTrialCount: 12\n", with: "  maxTrialCount: 3\n")
        #expect(specProblems(text, file: "p.yaml").isEmpty)
    }

    /// Augur's own format caps the parallelism at the trial budget instead (docs/spec.md, "Budget").
    @Test func augurFormatAcceptsMoreParallelTrialsThanTrials() {
        #expect(specProblems("""
        name: capped
        objective: {metric: loss, goal: minimize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        budget: {maxTrials: 2, parallelTrials: 5}
        trial: {command: [./train]}
        """).isEmpty)
    }
}
