import Foundation
import Testing
@testable import AugurCore

@Suite struct AugurSpecParserTests {
    @Test func fullSpecMapsToStudySpec() throws {
        let text = """
        name: full-example
        objective:
          metric: loss
          goal: minimize
          target: 0.001
          strategy: min
          additionalMetrics: [accuracy, {name: f1, strategy: max}]
        parameters:
          - {name: x, type: double, min: -5, max: 10}
          - {name: lr, type: double, min: 1e-4, max: 1e-1, scale: log}
          - {name: layers, type: int, min: 1, max: 9, step: 2}
          - {name: batch, type: discrete, values: [128, 32, 64]}
          - {name: optimizer, type: categorical, values: [sgd, adam]}
        algorithm: {name: gp, settings: {initialTrials: 5, acquisition: ucb, ucbBeta: 2.5}}
        earlyStopping: {name: median, settings: {minTrialsRequired: 4, startStep: 2}}
        budget: {maxTrials: 30, parallelTrials: 4, maxFailedTrials: 3}
        seed: 42
        trial:
          command: [./train, "--lr=${parameters.lr}", --layers, "${parameters.layers}"]
          env: {MODE: fast, OPTIMIZER: "${parameters.optimizer}"}
          workingDirectory: runs/../work
          timeout: 1h30m
          metrics: {source: file, path: metrics.json, format: json}
        """
        let parsed = try StudySpecParser.parse(text, file: "/home/user/specs/full.yaml")
        let expected = StudySpec(
            name: "full-example",
            searchSpace: SearchSpace([
                .double("x", min: -5, max: 10),
                .double("lr", min: 1e-4, max: 1e-1, scale: .log),
                .integer("layers", min: 1, max: 9, step: 2),
                .discrete("batch", [32, 64, 128]),
                .categorical("optimizer", ["sgd", "adam"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize, target: 0.001, strategy: .min,
                                 additionalMetrics: [MetricSpec(name: "accuracy"), MetricSpec(name: "f1", strategy: .max)]),
            algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 5, acquisition: .upperConfidenceBound, ucbBeta: 2.5)),
            earlyStopping: .median(MedianStoppingSettings(minTrialsRequired: 4, startStep: 2)),
            budget: Budget(maxTrials: 30, parallelTrials: 4, maxFailedTrials: 3),
            trial: .command(CommandTrial(
                argv: ["./train", "--lr=${parameters.lr}", "--layers", "${parameters.layers}"],
                environment: ["MODE": "fast", "OPTIMIZER": "${parameters.optimizer}"],
                workingDirectory: "/home/user/specs/work",
                timeoutSeconds: 5400,
                metrics: MetricsCollector(source: .file(path: "metrics.json"), format: .json))),
            seed: 42,
            format: .augur)
        #expect(parsed.spec == expected)
        #expect(parsed.warnings.isEmpty)
    }

    @Test func furtherObjectivesConstraintsAndReferencePoint() throws {
        let text = """
        name: several
        objective:
          metric: error
          goal: minimize
          additionalMetrics:
            - {name: latency, goal: minimize, strategy: min}
            - {name: memory, atMost: 2}
            - {name: recall, atLeast: 0.5}
            - flops
          referencePoint: [1, 100]
        parameters: [{name: x, type: double, min: 0, max: 1}]
        trial: {command: [./train]}
        """
        let objective = try StudySpecParser.parse(text, file: "several.yaml").spec.objective
        #expect(objective == Objective(metric: "error", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "latency", strategy: .min, goal: .minimize),
            MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 2)),
            MetricSpec(name: "recall", constraint: OutcomeConstraint(.atLeast, 0.5)),
            MetricSpec(name: "flops"),
        ], referencePoint: [1, 100]))
        #expect(objective.objectives == [ObjectiveMetric(name: "error", goal: .minimize), ObjectiveMetric(name: "latency", goal: .minimize)])
        #expect(objective.constraints.map(\.name) == ["memory", "recall"])
        #expect(objective.isMultiObjective && objective.ranksByMoreThanOneMetric)
        #expect(objective.isFeasible(["memory": 2, "recall": 0.5]))
        #expect(!objective.isFeasible(["memory": 2.5, "recall": 0.9]))
        #expect(!objective.isFeasible(["recall": 0.9]), "a missing constraint metric is not met")
        #expect(objective.maximizationVector(["error": 0.1, "latency": 3]) == [-0.1, -3])
        #expect(objective.maximizationVector(["error": 0.1]) == nil)
    }

    /// Specs stored by earlier versions (JSON without the new fields) decode as before.
    @Test func objectivesStoredBeforeSeveralObjectivesStillDecode() throws {
        let stored = #"{"additionalMetrics":[{"name":"time","strategy":"max"}],"goal":"maximize","metric":"accuracy","strategy":"max","target":0.99}"#
        let objective = try JSONDecoder().decode(Objective.self, from: Data(stored.utf8))
        #expect(objective == Objective(metric: "accuracy", goal: .maximize, target: 0.99, strategy: .max,
                                       additionalMetrics: [MetricSpec(name: "time", strategy: .max)]))
        #expect(!objective.ranksByMoreThanOneMetric)
    }

    @Test func minimalSpecTakesDefaults() throws {
        let text = """
        name: minimal
        objective: {metric: score, goal: maximize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        """
        let spec = try StudySpecParser.parse(text, file: "minimal.yaml").spec
        #expect(spec.algorithm == .random)
        #expect(spec.budget == Budget())
        #expect(spec.seed == 1)
        #expect(spec.trial == nil)
        #expect(spec.earlyStopping == nil)
        #expect(spec.objective.strategy == .latest)
    }

    @Test(arguments: [
        ("{name: tpe, settings: {gamma: 0}}", "algorithm.settings.gamma"),
        ("{name: multivariate-tpe, settings: {candidates: 0}}", "algorithm.settings.candidates"),
        ("{name: tpe, settings: {ncandidates: 3}}", "algorithm.settings.ncandidates"),
        ("{name: cmaes, settings: {sigma: -1}}", "algorithm.settings.sigma"),
        ("{name: cmaes, settings: {restartStrategy: often}}", "algorithm.settings.restartStrategy"),
        ("{name: pbt, settings: {population: 1}}", "algorithm.settings.population"),
        ("{name: pbt, settings: {truncationThreshold: 0.7}}", "algorithm.settings.truncationThreshold"),
        ("{name: pbt, settings: {resampleProbability: 1.5}}", "algorithm.settings.resampleProbability"),
        ("{name: pbt, settings: {checkpointPath: ''}}", "algorithm.settings.checkpointPath"),
        ("{name: pbt, settings: {n_population: 8}}", "algorithm.settings.n_population"),
    ])
    func badTreeParzenAndCMAESSettingsAreRefused(text: String, field: String) {
        let problems = specProblems("""
        name: algorithms
        objective: {metric: loss, goal: minimize}
        parameters: [{name: n, type: int, min: 0, max: 3}]
        algorithm: \(text)
        """)
        #expect(problems.map(\.field) == [field])
        #expect(problems.first?.location?.line == 4)
    }

    @Test(arguments: [
        ("random", AlgorithmSpec.random),
        ("grid", .grid),
        ("quasirandom", .quasiRandom(.halton)),
        ("{name: quasirandom, settings: {sequence: sobol}}", .quasiRandom(.sobol)),
        ("sobol", .quasiRandom(.sobol)),
        ("halton", .quasiRandom(.halton)),
        ("gp", .gaussianProcess(GaussianProcessSettings())),
        ("BayesianOptimization", .gaussianProcess(GaussianProcessSettings())),
        ("tpe", .treeParzen(TreeParzenSettings())),
        ("multivariate-tpe", .treeParzen(TreeParzenSettings(multivariate: true))),
        ("{name: tpe, settings: {startupTrials: 4, candidates: 48, gamma: 0.2, priorWeight: 0.5}}",
         .treeParzen(TreeParzenSettings(startupTrials: 4, candidates: 48, gamma: 0.2, priorWeight: 0.5))),
        ("cmaes", .cmaes(CMAESSettings())),
        ("{name: cmaes, settings: {sigma: 0.3, restartStrategy: bipop}}", .cmaes(CMAESSettings(sigma: 0.3, restartStrategy: .bipop))),
        ("pbt", .populationBased(PopulationBasedTrainingSettings())),
        ("{name: pbt, settings: {population: 8, truncationThreshold: 0.25, resampleProbability: 0.3, checkpointPath: /ckpt}}",
         .populationBased(PopulationBasedTrainingSettings(population: 8, truncationThreshold: 0.25, resampleProbability: 0.3,
                                                          checkpointPath: "/ckpt"))),
    ])
    func algorithmNamesAndAliases(text: String, expected: AlgorithmSpec) throws {
        let spec = try StudySpecParser.parse("""
        name: algorithms
        objective: {metric: loss, goal: minimize}
        parameters: [{name: n, type: int, min: 0, max: 3}]
        algorithm: \(text)
        """, file: "a.yaml").spec
        #expect(spec.algorithm == expected)
    }

    @Test(arguments: [
        ("median", EarlyStoppingSpec.median(MedianStoppingSettings())),
        ("{name: asha, settings: {minResource: 2, reductionFactor: 4, rungs: 3}}",
         .successiveHalving(SuccessiveHalvingSettings(minResource: 2, reductionFactor: 4, rungs: 3))),
        ("{name: hyperband, settings: {resourceName: epoch, minResource: 1, maxResource: 27, eta: 3}}",
         .hyperband(HyperbandSettings(resourceName: "epoch", minResource: 1, maxResource: 27, eta: 3))),
    ])
    func earlyStoppingPolicies(text: String, expected: EarlyStoppingSpec) throws {
        let spec = try StudySpecParser.parse("""
        name: stopping
        objective: {metric: loss, goal: minimize}
        parameters: [{name: n, type: int, min: 0, max: 3}]
        earlyStopping: \(text)
        """, file: "s.yaml").spec
        #expect(spec.earlyStopping == expected)
    }

    @Test func commandStringRunsThroughTheShell() throws {
        let spec = try StudySpecParser.parse("""
        name: shell
        objective: {metric: loss, goal: minimize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        trial: {command: "echo loss=${parameters.x}", timeout: 90}
        """, file: "s.yaml").spec
        guard case .command(let trial)? = spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.argv == ["/bin/sh", "-c", "echo loss=${parameters.x}"])
        #expect(trial.timeoutSeconds == 90)
        #expect(trial.workingDirectory == nil)
        #expect(trial.metrics == MetricsCollector())
    }

    @Test func trainingTrialResolvesDatasetAgainstSpecDirectory() throws {
        let spec = try StudySpecParser.parse("""
        name: training
        objective: {metric: accuracy, goal: maximize}
        parameters:
          - {name: lr, type: double, min: 1e-3, max: 1, scale: log}
          - {name: width, type: int, min: 16, max: 128}
        trial:
          training: {dataset: data/optdigits.csv, epochs: 20, device: cpu, validationFraction: 0.25,
                     parameters: {learningRate: lr, width: width}, fixed: {activation: relu, dropout: 0.1}}
        """, file: "/srv/augur/specs/train.yaml").spec
        #expect(spec.trial == .training(TrainingTrial(
            dataset: "/srv/augur/specs/data/optdigits.csv", epochs: 20, device: "cpu", validationFraction: 0.25,
            parameterMapping: ["learningRate": "lr", "width": "width"], fixed: ["activation": "relu", "dropout": "0.1"])))
    }

    @Test func trainingHyperparameterKeysKeepTheirLocations() throws {
        let parsed = try StudySpecParser.parse("""
        name: training
        objective: {metric: accuracy, goal: maximize}
        parameters: [{name: lr, type: double, min: 1e-3, max: 1, scale: log}]
        trial:
          training:
            parameters:
              learningRate: lr
            fixed: {activation: relu, dropuot: 0.1}
        """, file: "t.yaml")
        #expect(parsed.keyLocations == [
            "trial.training.parameters.learningRate": SourceLocation(file: "t.yaml", line: 7, column: 7),
            "trial.training.fixed.activation": SourceLocation(file: "t.yaml", line: 8, column: 13),
            "trial.training.fixed.dropuot": SourceLocation(file: "t.yaml", line: 8, column: 31),
        ])
    }

    @Test func shippedDatasetNameIsNotAPath() throws {
        let spec = try StudySpecParser.parse("""
        name: digits
        objective: {metric: accuracy, goal: maximize}
        parameters: [{name: lr, type: double, min: 0.001, max: 1}]
        trial: {training: {dataset: digits}}
        """, file: "/x/y.yaml").spec
        #expect(spec.trial == .training(TrainingTrial(dataset: "digits")))
    }

    @Test func textPatternsAreKept() throws {
        let spec = try StudySpecParser.parse(#"""
        name: patterns
        objective: {metric: loss, goal: minimize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        trial:
          command: [./run]
          metrics: {patterns: ['(\w+):\s*([-+0-9.eE]+)']}
        """#, file: "p.yaml").spec
        guard case .command(let trial)? = spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.metrics == MetricsCollector(source: .standardOutput, format: .text(patterns: [#"(\w+):\s*([-+0-9.eE]+)"#])))
    }

    @Test func everyProblemIsReportedNotOnlyTheFirst() {
        let problems = specProblems("""
        name: many
        objective: {metric: loss, goal: sideways}
        parameters:
          - {name: a, type: double, min: 2, max: 1}
          - {name: b, type: int, min: 0, max: 5, step: 0}
          - {name: c, type: categorical, values: []}
        budget: {maxTrials: 0}
        """)
        #expect(problems.map(\.field).sorted() == [
            "budget.maxTrials", "objective.goal", "parameters[0].max", "parameters[1].step", "parameters[2].values",
        ])
    }

    @Test func problemDescriptionReadsLikeACompilerDiagnostic() {
        let problems = specProblems("""
        name: x
        objective: {metric: loss, goal: minimize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        budget: {maxTrails: 3}
        """, file: "specs/x.yaml")
        #expect(problems.map(\.description) == [
            "specs/x.yaml:4:10: error: budget.maxTrails: unknown field `maxTrails` in `budget`; did you mean "
                + "`maxTrials`? (known fields: `maxTrials`, `parallelTrials`, `maxFailedTrials`)",
        ])
    }

    @Test func missingFileIsAProblemAtTheFilesStart() {
        #expect {
            try StudySpecParser.load(path: "/nonexistent/augur/spec.yaml")
        } throws: { error in
            guard let error = error as? SpecError, let problem = error.problems.first else { return false }
            return problem.location == SourceLocation(file: "/nonexistent/augur/spec.yaml", line: 1, column: 1)
                && problem.message.contains("there is no such file")
        }
    }

    @Test(arguments: [("90", 90.0), ("1.5", 1.5), ("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("2m30s", 150)])
    func durations(text: String, seconds: Double) {
        #expect(SpecRules.parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "5 minutes", "m", "1d", "1h30", "-"])
    func badDurations(text: String) {
        #expect(SpecRules.parseDuration(text) == nil)
    }

    @Test func suggestionsCatchTyposButNotUnrelatedWords() {
        #expect(closestName(to: "maxTrails", among: ["maxTrials", "parallelTrials"]) == "maxTrials")
        #expect(closestName(to: "paralelTrialCount", among: ["parallelTrialCount", "maxTrialCount"]) == "parallelTrialCount")
        #expect(closestName(to: "MAXTRIALS", among: ["maxTrials"]) == "maxTrials")
        #expect(closestName(to: "colour", among: ["maxTrials", "seed"]) == nil)
        #expect(editDistance("ab", "ba") == 1)
    }

    @Test func referencesAreFoundInOrder() {
        #expect(SpecRules.references(in: "--a=${parameters.x} ${parameters.y}/${other.z}", prefix: "parameters") == ["x", "y"])
        #expect(SpecRules.references(in: "${parameters.unclosed", prefix: "parameters").isEmpty)
    }

    @Test func moreParallelTrialsThanTrialsIsAllowed() throws {
        let spec = try StudySpecParser.parse("""
        name: wide
        objective: {metric: loss, goal: minimize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        budget: {maxTrials: 2, parallelTrials: 8, maxFailedTrials: 0}
        """, file: "w.yaml").spec
        #expect(spec.budget == Budget(maxTrials: 2, parallelTrials: 8, maxFailedTrials: 0))
    }

    @Test func quotedNumbersAreNumbers() throws {
        let spec = try StudySpecParser.parse("""
        name: quoted
        objective: {metric: loss, goal: minimize, target: "0.5"}
        parameters: [{name: x, type: double, min: "-1", max: "1e1"}, {name: n, type: int, min: "1", max: "3.0"}]
        """, file: "q.yaml").spec
        #expect(spec.searchSpace == SearchSpace([.double("x", min: -1, max: 10), .integer("n", min: 1, max: 3)]))
        #expect(spec.objective.target == 0.5)
    }

    @Test(arguments: [(".", "/data/specs"), ("out", "/data/specs/out"), ("../runs/", "/data/runs"), ("/tmp/x", "/tmp/x")])
    func workingDirectoryResolvesAgainstTheSpecFile(written: String, resolved: String) throws {
        let spec = try StudySpecParser.parse("""
        name: paths
        objective: {metric: loss, goal: minimize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        trial: {command: [./run], workingDirectory: "\(written)"}
        """, file: "/data/specs/paths.yaml").spec
        guard case .command(let trial)? = spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.workingDirectory == resolved)
    }
}

extension AugurSpecParserTests {
    // MARK: TensorFlow event files

    static func metricsSpec(_ metrics: String) -> String {
        """
        name: events
        objective: {metric: accuracy, goal: maximize}
        parameters: [{name: x, type: double, min: 0, max: 1}]
        trial:
          command: [./train]
          metrics: \(metrics)
        """
    }

    @Test(arguments: ["{format: tfevents, path: logs/test}", "{source: directory, path: logs/test}",
                      "{source: directory, path: logs/test, format: tfevents}"])
    func tensorFlowEventFilesAreReadFromADirectory(metrics: String) throws {
        let parsed = try StudySpecParser.parse(Self.metricsSpec(metrics), file: "e.yaml")
        guard case .command(let command)? = parsed.spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(command.metrics == MetricsCollector(source: .directory(path: "logs/test"), format: .tensorFlowEvent))
    }

    @Test(arguments: [
        ("{source: directory, path: logs, format: json}", "trial.metrics.format"),
        ("{source: file, path: a.log, format: tfevents}", "trial.metrics.source"),
        ("{format: tfevents}", "trial.metrics.source"),
        ("{source: directory}", "trial.metrics.path"),
        ("{format: tfevents, path: logs, patterns: ['(a)=(b)']}", "trial.metrics.patterns"),
    ])
    func tensorFlowEventsAndDirectoriesGoTogether(metrics: String, field: String) {
        let problems = specProblems(Self.metricsSpec(metrics), file: "e.yaml")
        #expect(problems.map(\.field) == [field])
        #expect(problems.first?.location?.line != nil)
    }
}
