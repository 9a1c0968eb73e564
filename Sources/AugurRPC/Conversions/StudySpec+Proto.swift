import AugurCore
import AugurService
import Foundation
import SwiftProtobuf

// Study and StudySpec between the domain model and the wire messages. Reading a message checks everything a
// client could get wrong and names the field (`study.study_spec.parameters[2].double_value_spec`), so a bad
// request becomes INVALID_ARGUMENT with a reason instead of a crash or a study that can never run.

extension Augur_V1_Study {
    /// The wire form of a stored study.
    public init(_ study: Study) {
        self.init()
        name = ResourceName.study(study.name)
        displayName = study.name
        studySpec = Augur_V1_StudySpec(study.spec)
        state = Augur_V1_Study.State(study.state)
        createTime = Google_Protobuf_Timestamp(date: study.createdAt)
        inactiveReason = study.stateReason ?? ""
        uid = study.version.uid
        revision = Int64(study.version.revision)
    }
}

extension Augur_V1_Study.State {
    init(_ state: StudyState) {
        switch state {
        case .active: self = .active
        case .stopped: self = .inactive
        case .completed: self = .completed
        case .failed: self = .failed
        }
    }

    /// The domain state; `nil` for UNSPECIFIED or values from a newer proto.
    var domain: StudyState? {
        switch self {
        case .active: .active
        case .inactive: .stopped
        case .completed: .completed
        case .failed: .failed
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}

extension Study {
    /// Reads a study sent by the server (client side).
    init(_ message: Augur_V1_Study) throws(ServiceError) {
        let spec = try StudySpec(message.studySpec, name: message.displayName, field: "study.study_spec")
        self.init(spec: spec, state: message.state.domain ?? .active,
                  stateReason: message.inactiveReason.isEmpty ? nil : message.inactiveReason,
                  createdAt: message.createTime.date,
                  version: StudyVersion(uid: message.uid, revision: Int(clamping: message.revision)))
    }
}

extension Augur_V1_StudySpec {
    /// The wire form of a spec. Every field the domain spec has is carried, so a spec survives the round trip.
    public init(_ spec: StudySpec) {
        self.init()
        metrics = [MetricSpec(objective: spec.objective)]
            + spec.objective.additionalMetrics.map { MetricSpec(additional: $0) }
        referencePoint = spec.objective.referencePoint ?? []
        parameters = spec.searchSpace.parameters.map(ParameterSpec.init)
        switch spec.algorithm {
        case .random:
            algorithm = "RANDOM_SEARCH"
        case .quasiRandom(let sequence):
            algorithm = "QUASI_RANDOM_SEARCH"
            algorithmOptions.quasiRandomSequence = sequence.rawValue
        case .grid:
            algorithm = "GRID_SEARCH"
        case .gaussianProcess(let settings):
            algorithm = "GAUSSIAN_PROCESS_BANDIT"
            algorithmOptions.initialTrials = Int32(clamping: settings.initialTrials)
            algorithmOptions.acquisition = settings.acquisition.rawValue
            algorithmOptions.ucbBeta = settings.ucbBeta
        case .treeParzen(let settings):
            algorithm = settings.multivariate ? "MULTIVARIATE_TREE_PARZEN_ESTIMATOR" : "TREE_PARZEN_ESTIMATOR"
            algorithmOptions.startupTrials = Int32(clamping: settings.startupTrials)
            algorithmOptions.eiCandidates = Int32(clamping: settings.candidates)
            algorithmOptions.gamma = settings.gamma
            algorithmOptions.priorWeight = settings.priorWeight
        case .cmaes(let settings):
            algorithm = "CMA_ES"
            if let sigma = settings.sigma { algorithmOptions.sigma = sigma }
            if settings.restartStrategy != .none { algorithmOptions.restartStrategy = settings.restartStrategy.rawValue }
        case .populationBased(let settings):
            algorithm = "POPULATION_BASED_TRAINING"
            algorithmOptions.population = Int32(clamping: settings.population)
            algorithmOptions.truncationThreshold = settings.truncationThreshold
            if let probability = settings.resampleProbability { algorithmOptions.resampleProbability = probability }
            if let path = settings.checkpointPath { algorithmOptions.checkpointPath = path }
        }
        switch spec.earlyStopping {
        case nil:
            break
        case .median(let settings):
            medianStoppingSpec = .with {
                $0.minTrialsRequired = Int32(clamping: settings.minTrialsRequired)
                $0.startStep = Int64(settings.startStep)
            }
        case .successiveHalving(let settings):
            successiveHalvingSpec = .with {
                $0.minResource = Int64(settings.minResource)
                $0.reductionFactor = Int32(clamping: settings.reductionFactor)
                $0.rungs = Int32(clamping: settings.rungs)
            }
        case .hyperband(let settings):
            hyperbandSpec = .with {
                $0.resourceName = settings.resourceName ?? ""
                $0.minResource = Int64(settings.minResource)
                $0.maxResource = Int64(settings.maxResource)
                $0.eta = Int32(clamping: settings.eta)
            }
        }
        budget = .with {
            $0.maxTrialCount = Int32(clamping: spec.budget.maxTrials)
            $0.parallelTrialCount = Int32(clamping: spec.budget.parallelTrials)
            if let maxFailed = spec.budget.maxFailedTrials { $0.maxFailedTrialCount = Int32(clamping: maxFailed) }
        }
        if let trial = spec.trial { trialTemplate = Augur_V1_TrialTemplate(trial) }
        seed = spec.seed
        sourceFormat = spec.format.rawValue
    }
}

extension Augur_V1_StudySpec.MetricSpec {
    init(objective: Objective) {
        self.init()
        metricID = objective.metric
        goal = objective.goal == .maximize ? .maximize : .minimize
        strategy = Self.Strategy(objective.strategy)
        if let target = objective.target { self.target = target }
    }

    init(additional: MetricSpec) {
        self.init()
        metricID = additional.name
        strategy = Self.Strategy(additional.strategy)
        if let goal = additional.goal { self.goal = goal == .maximize ? .maximize : .minimize }
        switch additional.constraint?.bound {
        case .atMost?: atMost = additional.constraint?.threshold ?? 0
        case .atLeast?: atLeast = additional.constraint?.threshold ?? 0
        case nil: break
        }
    }
}

extension Augur_V1_StudySpec.MetricSpec.Strategy {
    init(_ strategy: MetricStrategy) {
        switch strategy {
        case .latest: self = .latest
        case .min: self = .min
        case .max: self = .max
        }
    }

    func domain(field: String) throws(ServiceError) -> MetricStrategy {
        switch self {
        case .latest: return .latest
        case .min: return .min
        case .max: return .max
        case .UNRECOGNIZED(let value): throw .invalidArgument("\(field): unknown metric strategy \(value)")
        }
    }
}

extension Augur_V1_StudySpec.ParameterSpec {
    init(_ parameter: ParameterSpec) {
        self.init()
        parameterID = parameter.name
        switch parameter.domain {
        case let .double(min, max, scale, step):
            doubleValueSpec = .with {
                $0.minValue = min
                $0.maxValue = max
                if let step { $0.step = step }
            }
            scaleType = ScaleType(scale)
        case let .integer(min, max, step, scale):
            integerValueSpec = .with {
                $0.minValue = Int64(min)
                $0.maxValue = Int64(max)
                $0.step = Int64(step)
            }
            scaleType = ScaleType(scale)
        case .discrete(let values):
            discreteValueSpec = .with { $0.values = values }
        case .categorical(let values):
            categoricalValueSpec = .with { $0.values = values }
        }
        distribution = Distribution(parameter.distribution)
        if let condition = parameter.condition {
            self.condition = .with {
                $0.parent = condition.parent
                for value in condition.values {
                    switch value {
                    case .string(let text): $0.parentCategoricalValues.append(text)
                    case .double(let number): $0.parentDiscreteValues.append(number)
                    case .integer(let number): $0.parentIntValues.append(Int64(number))
                    }
                }
            }
        }
    }
}

extension Augur_V1_StudySpec.ParameterSpec.ScaleType {
    init(_ scale: AugurCore.ScaleType) {
        switch scale {
        case .linear: self = .unitLinearScale
        case .log: self = .unitLogScale
        case .reverseLog: self = .unitReverseLogScale
        }
    }
}

extension Augur_V1_StudySpec.ParameterSpec.Distribution {
    init(_ distribution: ParameterDistribution) {
        switch distribution {
        case .uniform: self = .uniform
        case .normal: self = .normal
        }
    }

    /// Which parameter kinds may have a distribution is `SpecValidator`'s to say, as it is for a file.
    func domain(field: String) throws(ServiceError) -> ParameterDistribution {
        switch self {
        case .uniform: return .uniform
        case .normal: return .normal
        case .UNRECOGNIZED(let value):
            throw .invalidArgument("\(field): unknown distribution \(value); use UNIFORM or NORMAL")
        }
    }
}

extension Augur_V1_TrialTemplate {
    init(_ template: TrialTemplate) {
        self.init()
        switch template {
        case .command(let command):
            self.command = .with {
                $0.argv = command.argv
                $0.environment = command.environment
                if let directory = command.workingDirectory { $0.workingDirectory = directory }
                if let timeout = command.timeoutSeconds { $0.timeoutSeconds = timeout }
                $0.metricsCollector = Augur_V1_MetricsCollector(command.metrics)
                $0.parameterReferences = command.parameterReferences
            }
        case .training(let training):
            self.training = .with {
                $0.dataset = training.dataset
                $0.epochs = Int32(clamping: training.epochs)
                $0.device = training.device
                $0.validationFraction = training.validationFraction
                $0.parameterMapping = training.parameterMapping
                $0.fixed = training.fixed
            }
        }
    }
}

extension Augur_V1_MetricsCollector {
    init(_ collector: MetricsCollector) {
        self.init()
        switch collector.source {
        case .standardOutput: break
        case .file(let path): filePath = path
        case .directory(let path): directoryPath = path
        }
        switch collector.format {
        case .text(let patterns): text = .with { $0.patterns = patterns }
        case .json: json = Augur_V1_MetricsCollector.JsonFormat()
        case .tensorFlowEvent: tensorflowEvent = Augur_V1_MetricsCollector.TensorFlowEventFormat()
        }
    }
}

// MARK: Reading specs

// Reading a spec maps the wire's syntax only (enums, oneofs, proto3's zero meaning "the default"); whether the
// values make a valid spec is `SpecValidator`'s to say, and `StudyService` asks it before a spec is stored, so a
// request and a spec file meet the same rules and get the same problems by field path.

extension StudySpec {
    /// Reads a spec sent over the wire; `name` is the study's name and `field` the message's path, for the problems
    /// of the wire's own syntax.
    init(_ message: Augur_V1_StudySpec, name: String, field: String) throws(ServiceError) {
        guard let objectiveMessage = message.metrics.first else {
            throw .invalidArgument("\(field).metrics is empty; name the objective metric and its goal (MAXIMIZE or MINIMIZE)")
        }
        let goal: ObjectiveGoal
        switch objectiveMessage.goal {
        case .maximize: goal = .maximize
        case .minimize: goal = .minimize
        case .unspecified, .UNRECOGNIZED:
            throw .invalidArgument("\(field).metrics[0].goal (the objective's) must be MAXIMIZE or MINIMIZE")
        }
        var additional: [MetricSpec] = []
        for (index, metric) in message.metrics.enumerated().dropFirst() {
            let metricGoal: ObjectiveGoal?
            switch metric.goal {
            case .maximize: metricGoal = .maximize
            case .minimize: metricGoal = .minimize
            case .unspecified, .UNRECOGNIZED: metricGoal = nil
            }
            var constraint: OutcomeConstraint?
            switch (metric.hasAtMost, metric.hasAtLeast) {
            case (true, true):
                throw .invalidArgument("\(field).metrics[\(index)] has both at_most and at_least; give one constraint per metric")
            case (true, false): constraint = OutcomeConstraint(.atMost, metric.atMost)
            case (false, true): constraint = OutcomeConstraint(.atLeast, metric.atLeast)
            case (false, false): constraint = nil
            }
            additional.append(MetricSpec(name: metric.metricID,
                                         strategy: try metric.strategy.domain(field: "\(field).metrics[\(index)].strategy"),
                                         goal: metricGoal, constraint: constraint))
        }
        if objectiveMessage.hasAtMost || objectiveMessage.hasAtLeast {
            throw .invalidArgument("\(field).metrics[0] is the objective and cannot be a constraint; list the constraint as a further metric")
        }
        let objective = Objective(metric: objectiveMessage.metricID, goal: goal,
                                  target: objectiveMessage.hasTarget ? objectiveMessage.target : nil,
                                  strategy: try objectiveMessage.strategy.domain(field: "\(field).metrics[0].strategy"),
                                  additionalMetrics: additional,
                                  referencePoint: message.referencePoint.isEmpty ? nil : message.referencePoint)

        var parameters: [ParameterSpec] = []
        for (index, parameter) in message.parameters.enumerated() {
            parameters.append(try ParameterSpec(parameter, field: "\(field).parameters[\(index)]"))
        }

        let options = message.algorithmOptions
        let algorithm: AlgorithmSpec
        switch message.algorithm {
        case "", "DEFAULT", "RANDOM_SEARCH":
            algorithm = .random
        case "QUASI_RANDOM_SEARCH":
            let text = options.quasiRandomSequence.isEmpty ? "halton" : options.quasiRandomSequence
            guard let sequence = QuasiRandomSequence(rawValue: text) else {
                throw .invalidArgument("\(field).algorithm_options.quasi_random_sequence must be `halton` or `sobol`, got `\(ResourceName.excerpt(text))`")
            }
            algorithm = .quasiRandom(sequence)
        case "GRID_SEARCH":
            algorithm = .grid
        case "GAUSSIAN_PROCESS_BANDIT":
            var settings = GaussianProcessSettings()
            if options.initialTrials != 0 { settings.initialTrials = Int(options.initialTrials) }
            if !options.acquisition.isEmpty {
                guard let acquisition = AcquisitionFunction(rawValue: options.acquisition) else {
                    let known = AcquisitionFunction.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
                    throw .invalidArgument("\(field).algorithm_options.acquisition must be one of \(known), got `\(ResourceName.excerpt(options.acquisition))`")
                }
                settings.acquisition = acquisition
            }
            if options.ucbBeta != 0 { settings.ucbBeta = options.ucbBeta }
            algorithm = .gaussianProcess(settings)
        case "TREE_PARZEN_ESTIMATOR", "MULTIVARIATE_TREE_PARZEN_ESTIMATOR":
            var settings = TreeParzenSettings(multivariate: message.algorithm == "MULTIVARIATE_TREE_PARZEN_ESTIMATOR")
            if options.hasStartupTrials { settings.startupTrials = Int(options.startupTrials) }
            if options.eiCandidates != 0 { settings.candidates = Int(options.eiCandidates) }
            if options.gamma != 0 { settings.gamma = options.gamma }
            if options.hasPriorWeight { settings.priorWeight = options.priorWeight }
            algorithm = .treeParzen(settings)
        case "CMA_ES":
            var settings = CMAESSettings()
            if options.sigma != 0 { settings.sigma = options.sigma }
            if !options.restartStrategy.isEmpty {
                guard let strategy = CMAESRestartStrategy(rawValue: options.restartStrategy) else {
                    throw .invalidArgument("\(field).algorithm_options.restart_strategy must be `none`, `ipop` or `bipop`, got `\(ResourceName.excerpt(options.restartStrategy))`")
                }
                settings.restartStrategy = strategy
            }
            algorithm = .cmaes(settings)
        case "POPULATION_BASED_TRAINING":
            var settings = PopulationBasedTrainingSettings()
            if options.population != 0 { settings.population = Int(options.population) }
            if options.truncationThreshold != 0 { settings.truncationThreshold = options.truncationThreshold }
            if options.hasResampleProbability { settings.resampleProbability = options.resampleProbability }
            if !options.checkpointPath.isEmpty { settings.checkpointPath = options.checkpointPath }
            algorithm = .populationBased(settings)
        default:
            throw .invalidArgument("\(field).algorithm `\(ResourceName.excerpt(message.algorithm))` is not one Augur runs; use RANDOM_SEARCH, "
                + "QUASI_RANDOM_SEARCH, GRID_SEARCH, GAUSSIAN_PROCESS_BANDIT, TREE_PARZEN_ESTIMATOR, "
                + "MULTIVARIATE_TREE_PARZEN_ESTIMATOR, CMA_ES or POPULATION_BASED_TRAINING")
        }

        // Zero is proto3's "not set": each setting left at zero keeps Augur's default.
        let earlyStopping: EarlyStoppingSpec?
        switch message.automatedStoppingSpec {
        case nil:
            earlyStopping = nil
        case .defaultStoppingSpec:
            earlyStopping = .median(MedianStoppingSettings())
        case .medianStoppingSpec(let median):
            var settings = MedianStoppingSettings()
            if median.minTrialsRequired != 0 { settings.minTrialsRequired = Int(median.minTrialsRequired) }
            if median.startStep != 0 { settings.startStep = Int(clamping: median.startStep) }
            earlyStopping = .median(settings)
        case .successiveHalvingSpec(let halving):
            var settings = SuccessiveHalvingSettings()
            if halving.minResource != 0 { settings.minResource = Int(clamping: halving.minResource) }
            if halving.reductionFactor != 0 { settings.reductionFactor = Int(halving.reductionFactor) }
            if halving.rungs != 0 { settings.rungs = Int(halving.rungs) }
            earlyStopping = .successiveHalving(settings)
        case .hyperbandSpec(let hyperband):
            var settings = HyperbandSettings()
            if !hyperband.resourceName.isEmpty { settings.resourceName = hyperband.resourceName }
            if hyperband.minResource != 0 { settings.minResource = Int(clamping: hyperband.minResource) }
            if hyperband.maxResource != 0 { settings.maxResource = Int(clamping: hyperband.maxResource) }
            if hyperband.eta != 0 { settings.eta = Int(hyperband.eta) }
            earlyStopping = .hyperband(settings)
        }

        let budget: Budget
        if message.hasBudget {
            let wire = message.budget
            budget = Budget(maxTrials: Int(wire.maxTrialCount),
                            parallelTrials: wire.parallelTrialCount == 0 ? 1 : Int(wire.parallelTrialCount),
                            maxFailedTrials: wire.hasMaxFailedTrialCount ? Int(wire.maxFailedTrialCount) : nil)
        } else {
            // Vizier has no budget: a study runs until its clients stop asking.
            budget = Budget(maxTrials: Int(Int32.max), parallelTrials: Int(Int32.max))
        }

        let trial: TrialTemplate?
        if message.hasTrialTemplate {
            trial = try TrialTemplate(message.trialTemplate, field: "\(field).trial_template")
        } else {
            trial = nil
        }
        let format: SpecFormat
        switch message.sourceFormat {
        case "", "augur": format = .augur
        case "katib": format = .katib
        default:
            throw .invalidArgument("\(field).source_format must be `augur` or `katib`, got `\(ResourceName.excerpt(message.sourceFormat))`")
        }
        self.init(name: name, searchSpace: SearchSpace(parameters), objective: objective, algorithm: algorithm,
                  earlyStopping: earlyStopping, budget: budget, trial: trial, seed: message.seed, format: format)
    }
}

extension ParameterSpec {
    init(_ message: Augur_V1_StudySpec.ParameterSpec, field: String) throws(ServiceError) {
        let name = message.parameterID
        let scale: ScaleType
        switch message.scaleType {
        case .unspecified, .unitLinearScale: scale = .linear
        case .unitLogScale: scale = .log
        case .unitReverseLogScale: scale = .reverseLog
        case .UNRECOGNIZED(let value):
            throw .invalidArgument("\(field).scale_type: unknown scale \(value); use UNIT_LINEAR_SCALE, UNIT_LOG_SCALE or UNIT_REVERSE_LOG_SCALE")
        }
        switch message.parameterValueSpec {
        case nil:
            throw .invalidArgument("\(field) (`\(ResourceName.excerpt(name))`) needs one of double_value_spec, "
                + "integer_value_spec, categorical_value_spec or discrete_value_spec")
        case .doubleValueSpec(let spec):
            self = .double(name, min: spec.minValue, max: spec.maxValue, scale: scale, step: spec.hasStep ? spec.step : nil)
        case .integerValueSpec(let spec):
            self = .integer(name, min: Int(spec.minValue), max: Int(spec.maxValue), step: spec.step == 0 ? 1 : Int(spec.step),
                            scale: scale)
        case .discreteValueSpec(let spec):
            self = .discrete(name, spec.values)
        case .categoricalValueSpec(let spec):
            self = .categorical(name, spec.values)
        }
        distribution = try message.distribution.domain(field: "\(field).distribution")
        if message.hasCondition {
            // The values in the parent's type; whether the parent can take them is `SpecValidator`'s to say.
            let wire = message.condition
            let values = wire.parentCategoricalValues.map { ParameterValue.string($0) }
                + wire.parentDiscreteValues.map { ParameterValue.double($0) }
                + wire.parentIntValues.map { ParameterValue.integer(Int($0)) }
            condition = ParameterCondition(parent: wire.parent, values: values)
        }
    }
}

extension TrialTemplate {
    init(_ message: Augur_V1_TrialTemplate, field: String) throws(ServiceError) {
        switch message.kind {
        case nil:
            throw .invalidArgument("\(field) needs `command` or `training`")
        case .command(let command):
            let collector = command.metricsCollector
            if collector.hasFilePath, collector.hasDirectoryPath {
                throw .invalidArgument("\(field).command.metrics_collector has both `file_path` and `directory_path`; "
                    + "give one")
            }
            let source: MetricsSource = collector.hasFilePath ? .file(path: collector.filePath)
                : collector.hasDirectoryPath ? .directory(path: collector.directoryPath) : .standardOutput
            let format: MetricsFormat
            switch collector.format {
            case nil: format = .text(patterns: [])
            case .text(let text): format = .text(patterns: text.patterns)
            case .json: format = .json
            case .tensorflowEvent: format = .tensorFlowEvent
            }
            self = .command(CommandTrial(argv: command.argv, environment: command.environment,
                                         workingDirectory: command.hasWorkingDirectory ? command.workingDirectory : nil,
                                         timeoutSeconds: command.hasTimeoutSeconds ? command.timeoutSeconds : nil,
                                         metrics: MetricsCollector(source: source, format: format),
                                         parameterReferences: command.parameterReferences))
        case .training(let training):
            let defaults = TrainingTrial()
            self = .training(TrainingTrial(dataset: training.dataset.isEmpty ? defaults.dataset : training.dataset,
                                           epochs: training.epochs == 0 ? defaults.epochs : Int(training.epochs),
                                           device: training.device.isEmpty ? defaults.device : training.device,
                                           validationFraction: training.validationFraction == 0 ? defaults.validationFraction : training.validationFraction,
                                           parameterMapping: training.parameterMapping, fixed: training.fixed))
        }
    }
}
