import AugurAlgorithms
import AugurCore
@testable import AugurRPC
import AugurService
import SwiftProtobuf
import Testing

/// A spec means the same on the wire as in the domain model: written to the wire message and read back, it is the
/// spec it was.
@Suite struct StudySpecProtoTests {
    static let distributedParameters: [ParameterSpec] = [
        .double("lr", min: 0.01, max: 0.05, distribution: .normal),
        .double("decay", min: 1e-5, max: 1e-1, scale: .log, distribution: .normal),
        .double("momentum", min: 0.5, max: 0.99, step: 0.01, distribution: .normal),
        .integer("layers", min: 1, max: 9, distribution: .normal),
        .integer("batch", min: 16, max: 512, scale: .log, distribution: .normal),
        .double("dropout", min: 0, max: 0.5),
        .integer("heads", min: 1, max: 8, scale: .log),
    ]

    @Test(arguments: distributedParameters)
    func aParameterKeepsItsDistributionThroughTheWire(parameter: ParameterSpec) throws {
        let message = Augur_V1_StudySpec.ParameterSpec(parameter)
        #expect(message.distribution == (parameter.distribution == .normal ? .normal : .uniform))
        #expect(try ParameterSpec(message, field: "parameters[0]") == parameter)
        // Through the bytes too, as another process reads them.
        let decoded = try Augur_V1_StudySpec.ParameterSpec(serializedBytes: try message.serializedBytes() as [UInt8])
        #expect(try ParameterSpec(decoded, field: "parameters[0]") == parameter)
    }

    /// Katib's `logNormal` is a normal distribution on log scale: both halves survive the round trip of a whole spec.
    @Test func aSpecWithLogNormalParametersComesBackUnchanged() throws {
        let spec = StudySpec(
            name: "hyperopt-distribution",
            searchSpace: SearchSpace(Self.distributedParameters + [.categorical("optimizer", ["sgd", "adam"])]),
            objective: Objective(metric: "loss", goal: .minimize),
            algorithm: .quasiRandom(.sobol),
            budget: Budget(maxTrials: 12, parallelTrials: 3),
            trial: .command(CommandTrial(argv: ["/bin/echo", "loss=1"])),
            seed: 11,
            format: .katib)
        let read = try StudySpec(Augur_V1_StudySpec(spec), name: spec.name, field: "study.study_spec")
        #expect(read == spec)
        #expect(read.searchSpace.parameters[1].distribution == .normal)
        if case .double(_, _, let scale, _) = read.searchSpace.parameters[1].domain {
            #expect(scale == .log)
        } else {
            Issue.record("`decay` is no longer a double: \(read.searchSpace.parameters[1])")
        }
    }

    /// A uniform parameter leaves the field at its zero value, so its bytes are those a client that predates the
    /// field sends, and such a client's parameters read as uniform.
    @Test func aUniformParameterIsWhatAClientWithoutTheFieldSends() throws {
        let message = Augur_V1_StudySpec.ParameterSpec(.double("x", min: 0, max: 1))
        let withoutField = Augur_V1_StudySpec.ParameterSpec.with {
            $0.parameterID = "x"
            $0.doubleValueSpec = .with { $0.minValue = 0; $0.maxValue = 1 }
            $0.scaleType = .unitLinearScale
        }
        #expect(try message.serializedBytes() as [UInt8] == (try withoutField.serializedBytes() as [UInt8]))
        #expect(try ParameterSpec(withoutField, field: "parameters[0]").distribution == .uniform)
    }

    @Test func anUnknownDistributionIsInvalidArgumentNamingTheField() {
        var message = Augur_V1_StudySpec.ParameterSpec(.double("x", min: 0, max: 1))
        message.distribution = .UNRECOGNIZED(7)
        let error = #expect(throws: ServiceError.self) {
            try ParameterSpec(message, field: "study.study_spec.parameters[0]")
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.hasPrefix("study.study_spec.parameters[0].distribution:") == true)
    }

    static let modelAlgorithms: [AlgorithmSpec] = [
        .treeParzen(TreeParzenSettings()),
        .treeParzen(TreeParzenSettings(startupTrials: 0, candidates: 7, gamma: 0.3, priorWeight: 0, multivariate: true)),
        .cmaes(CMAESSettings()),
        .cmaes(CMAESSettings(sigma: 0.25, restartStrategy: .bipop)),
        .populationBased(PopulationBasedTrainingSettings()),
        .populationBased(PopulationBasedTrainingSettings(population: 6, truncationThreshold: 0.5, resampleProbability: 0,
                                                         checkpointPath: "/var/log/katib/checkpoints/")),
    ]

    @Test(arguments: modelAlgorithms)
    func tpeAndCMAESSettingsSurviveTheWire(algorithm: AlgorithmSpec) throws {
        let spec = StudySpec(name: "model", searchSpace: SearchSpace([.double("x", min: 0, max: 1), .categorical("c", ["a", "b"])]),
                             objective: Objective(metric: "loss", goal: .minimize), algorithm: algorithm, seed: 4)
        let bytes: [UInt8] = try Augur_V1_StudySpec(spec).serializedBytes()
        let read = try StudySpec(try Augur_V1_StudySpec(serializedBytes: bytes), name: spec.name, field: "study.study_spec")
        #expect(read == spec)
    }

    /// A client that knows only the names and sets a few options gets Augur's defaults for the rest, and the
    /// designer the name stands for.
    @Test func aDesignerIsBuiltFromTheWireNames() throws {
        var message = Augur_V1_StudySpec(StudySpec(name: "w", searchSpace: SearchSpace([.double("x", min: 0, max: 1)]),
                                                   objective: Objective(metric: "loss", goal: .minimize)))
        message.algorithm = "MULTIVARIATE_TREE_PARZEN_ESTIMATOR"
        message.algorithmOptions = .with { $0.eiCandidates = 32 }
        let tpe = try StudySpec(message, name: "w", field: "study.study_spec")
        #expect(tpe.algorithm == .treeParzen(TreeParzenSettings(candidates: 32, multivariate: true)))
        #expect(try DesignerFactory.make(for: tpe) is TreeParzenDesigner)

        message.algorithm = "CMA_ES"
        message.algorithmOptions = .with { $0.restartStrategy = "ipop" }
        let cmaes = try StudySpec(message, name: "w", field: "study.study_spec")
        #expect(cmaes.algorithm == .cmaes(CMAESSettings(restartStrategy: .ipop)))
        #expect(try DesignerFactory.make(for: cmaes) is CMAESDesigner)

        message.algorithm = "POPULATION_BASED_TRAINING"
        message.algorithmOptions = .with { $0.population = 12 }
        let pbt = try StudySpec(message, name: "w", field: "study.study_spec")
        #expect(pbt.algorithm == .populationBased(PopulationBasedTrainingSettings(population: 12)))
        #expect(try DesignerFactory.make(for: pbt) is PopulationBasedDesigner)

        message.algorithm = "CMA_ES"
        message.algorithmOptions = .with { $0.restartStrategy = "sometimes" }
        let error = #expect(throws: ServiceError.self) { try StudySpec(message, name: "w", field: "study.study_spec") }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("restart_strategy") == true)
    }
}

extension StudySpecProtoTests {
    static let collectors: [MetricsCollector] = [
        MetricsCollector(),
        MetricsCollector(source: .file(path: "metrics.json"), format: .json),
        MetricsCollector(source: .file(path: "/katib/mnist.log"), format: .text(patterns: [#"(\w+)=(\d+)"#])),
        MetricsCollector(source: .directory(path: "/mnist-with-summaries-logs/test"), format: .tensorFlowEvent),
    ]

    /// Every metrics collector, TensorFlow event directories included, survives the wire's bytes.
    @Test(arguments: collectors)
    func aMetricsCollectorComesBackUnchanged(collector: MetricsCollector) throws {
        let template = TrialTemplate.command(CommandTrial(argv: ["/bin/true"], metrics: collector))
        let bytes: [UInt8] = try Augur_V1_TrialTemplate(template).serializedBytes()
        #expect(try TrialTemplate(Augur_V1_TrialTemplate(serializedBytes: bytes), field: "trial") == template)
    }

    @Test func aCollectorWithAFileAndADirectoryIsInvalidArgument() {
        var message = Augur_V1_TrialTemplate(.command(CommandTrial(argv: ["/bin/true"])))
        message.command.metricsCollector.filePath = "a.log"
        message.command.metricsCollector.directoryPath = "logs"
        let error = #expect(throws: ServiceError.self) { try TrialTemplate(message, field: "study.study_spec.trial") }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.contains("both `file_path` and `directory_path`") == true)
    }
}
