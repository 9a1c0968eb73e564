import AugurCore
import AugurRPC
import AugurService
import Foundation
import SwiftProtobuf

// Vizier's messages and Augur's domain model. Reading checks what a client could get wrong and names the field;
// what Augur does not support yet is refused with INVALID_ARGUMENT that says so, never silently dropped.

/// Where the façade keeps what Vizier has and Augur's model does not: the study's owner and the StudySpec exactly as
/// the client sent it (external types, default values, observation noise…), as study metadata in a namespace no
/// Vizier client writes (pyvizier encodes its namespaces as `""` or `:a:b`; writes to this one are refused).
enum VizierRecord {
    static let namespace = "augur.vizier"
    static let ownerKey = "owner"
    static let specKey = "study_spec"

    static func owner(in metadata: StudyMetadata) -> String? {
        for entry in metadata.study where entry.namespace == namespace && entry.key == ownerKey {
            if case .text(let owner) = entry.value { return owner }
        }
        return nil
    }

    static func originalSpec(in metadata: StudyMetadata) -> Vizier_StudySpec? {
        for entry in metadata.study where entry.namespace == namespace && entry.key == specKey {
            if case .message(_, let bytes) = entry.value { return try? Vizier_StudySpec(serializedBytes: bytes) }
        }
        return nil
    }

    /// The updates that record a new study's owner and original spec.
    static func updates(owner: String, spec: Vizier_StudySpec) throws(ServiceError) -> [MetadataUpdate] {
        var original = spec
        original.metadata = []  // kept as metadata entries of their own, so that UpdateMetadata changes them
        let bytes: Data
        do {
            bytes = try original.serializedBytes()
        } catch {
            throw .internalError("could not keep the study spec: \(error)")
        }
        return [
            MetadataUpdate(entry: MetadataEntry(namespace: namespace, key: ownerKey, value: .text(owner))),
            MetadataUpdate(entry: MetadataEntry(namespace: namespace, key: specKey,
                                                value: .message(typeURL: "type.googleapis.com/vizier.StudySpec", bytes: bytes))),
        ]
    }

    /// A client's metadata: everything but this namespace.
    static func visible(_ entries: [MetadataEntry]) -> [MetadataEntry] {
        entries.filter { $0.namespace != namespace }
    }
}

// MARK: Studies

extension Vizier_Study {
    init(_ study: Study, owner: String, metadata: StudyMetadata) {
        self.init()
        name = VizierNames.StudyName(owner: owner, study: study.name).resource
        displayName = study.name
        var spec = VizierRecord.originalSpec(in: metadata) ?? Vizier_StudySpec(study.spec)
        spec.metadata = VizierRecord.visible(metadata.study).map(Vizier_KeyValue.init)
        studySpec = spec
        switch study.state {
        case .active:
            state = .active
        case .completed:
            state = .completed
        case .stopped:
            state = .inactive
        case .failed:
            // Vizier has no FAILED study; its client knows INACTIVE (ABORTED), with the reason.
            state = .inactive
        }
        inactiveReason = study.state == .failed ? "failed: \(study.stateReason ?? "too many trials failed")" : (study.stateReason ?? "")
        createTime = Google_Protobuf_Timestamp(date: study.createdAt)
    }
}

extension Vizier_StudySpec {
    /// Vizier's form of a spec created through Augur's own API or a spec file (no original was kept).
    init(_ spec: StudySpec) {
        self.init()
        metrics = [.with {
            $0.metricID = spec.objective.metric
            $0.goal = spec.objective.goal == .maximize ? .maximize : .minimize
        }]
        // Further objectives, then outcome constraints as safety metrics; metrics recorded only have no Vizier form.
        for additional in spec.objective.additionalMetrics {
            if let goal = additional.goal {
                metrics.append(.with {
                    $0.metricID = additional.name
                    $0.goal = goal == .maximize ? .maximize : .minimize
                })
            } else if let constraint = additional.constraint {
                metrics.append(.with {
                    $0.metricID = additional.name
                    $0.goal = constraint.bound == .atLeast ? .maximize : .minimize
                    $0.safetyConfig.safetyThreshold = constraint.threshold
                })
            }
        }
        parameters = Self.nested(spec.searchSpace)
        switch spec.algorithm {
        case .random: algorithm = "RANDOM_SEARCH"
        case .quasiRandom: algorithm = "QUASI_RANDOM_SEARCH"
        case .grid: algorithm = "GRID_SEARCH"
        case .gaussianProcess: algorithm = "GAUSSIAN_PROCESS_BANDIT"
        case .treeParzen(let settings): algorithm = settings.multivariate ? "MULTIVARIATE_TREE_PARZEN_ESTIMATOR" : "TREE_PARZEN_ESTIMATOR"
        case .cmaes: algorithm = "CMA_ES"
        // Augur's gRPC name; the Vizier façade does not create such studies (its clients cannot hand checkpoints over).
        case .populationBased: algorithm = "POPULATION_BASED_TRAINING"
        }
        if case .median = spec.earlyStopping {
            automatedStoppingSpec = .defaultStoppingSpec(DefaultEarlyStoppingSpec())
        }
    }
}

extension Vizier_StudySpec {
    /// Vizier's tree of `space`: the unconditional parameters, each with its conditional children nested in
    /// `conditional_parameter_specs` under the parent values of their conditions (to any depth).
    static func nested(_ space: SearchSpace) -> [Vizier_StudySpec.ParameterSpec] {
        func node(_ parameter: AugurCore.ParameterSpec, depth: Int) -> Vizier_StudySpec.ParameterSpec {
            var message = Vizier_StudySpec.ParameterSpec(parameter)
            // The validator refuses cycles; the depth bound only keeps a hand-built space from recursing forever.
            guard depth < space.parameters.count else { return message }
            message.conditionalParameterSpecs = space.children(of: parameter.name).map { child in
                .with {
                    let values = child.condition?.values ?? []
                    switch parameter.domain {
                    case .categorical:
                        $0.parentCategoricalValues = .with { $0.values = values.map(\.description) }
                    case .integer:
                        $0.parentIntValues = .with { $0.values = values.compactMap { $0.doubleValue.flatMap { Int64(exactly: $0) } } }
                    case .discrete, .double:
                        $0.parentDiscreteValues = .with { $0.values = values.compactMap(\.doubleValue) }
                    }
                    $0.parameterSpec = node(child, depth: depth + 1)
                }
            }
            return message
        }
        return space.parameters.filter { $0.condition == nil }.map { node($0, depth: 0) }
    }
}

extension Vizier_StudySpec.ParameterSpec {
    init(_ parameter: ParameterSpec) {
        self.init()
        parameterID = parameter.name
        switch parameter.domain {
        case let .double(min, max, scale, _):
            doubleValueSpec = .with {
                $0.minValue = min
                $0.maxValue = max
            }
            scaleType = ScaleType(scale)
        case let .integer(min, max, _, scale):
            integerValueSpec = .with {
                $0.minValue = Int64(min)
                $0.maxValue = Int64(max)
            }
            scaleType = ScaleType(scale)
        case .discrete(let values):
            discreteValueSpec = .with { $0.values = values }
        case .categorical(let values):
            categoricalValueSpec = .with { $0.values = values }
        }
    }
}

extension Vizier_StudySpec.ParameterSpec.ScaleType {
    init(_ scale: AugurCore.ScaleType) {
        switch scale {
        case .linear: self = .unitLinearScale
        case .log: self = .unitLogScale
        case .reverseLog: self = .unitReverseLogScale
        }
    }
}

extension StudySpec {
    /// The algorithms Vizier names that Augur runs, and what each becomes.
    static let vizierAlgorithms: [(name: String, algorithm: AlgorithmSpec)] = [
        ("GAUSSIAN_PROCESS_BANDIT", .gaussianProcess(GaussianProcessSettings())),
        ("RANDOM_SEARCH", .random),
        ("QUASI_RANDOM_SEARCH", .quasiRandom(.halton)),
        ("GRID_SEARCH", .grid),
        ("CMA_ES", .cmaes(CMAESSettings())),
        // Augur's own names (its gRPC API's), for a client that wants TPE through Vizier's API.
        ("TREE_PARZEN_ESTIMATOR", .treeParzen(TreeParzenSettings())),
        ("MULTIVARIATE_TREE_PARZEN_ESTIMATOR", .treeParzen(TreeParzenSettings(multivariate: true))),
        // Vizier's DEFAULT is its GP bandit.
        ("DEFAULT", .gaussianProcess(GaussianProcessSettings())),
        ("ALGORITHM_UNSPECIFIED", .gaussianProcess(GaussianProcessSettings())),
        ("", .gaussianProcess(GaussianProcessSettings())),
    ]

    /// Reads a Vizier StudySpec as the study `name`. Vizier studies have no budget: a study runs until its clients
    /// stop asking, with as many trials in flight as they like.
    init(vizier message: Vizier_StudySpec, name: String, field: String) throws(ServiceError) {
        guard !message.metrics.isEmpty else {
            throw .invalidArgument("\(field).metrics is empty; name the objective metric and its goal (MAXIMIZE or MINIMIZE)")
        }
        // Every metric has a goal; a safety metric is an outcome constraint on the safe side of its threshold
        // (MAXIMIZE: at least the threshold, MINIMIZE: at most), the others are objectives. The first objective is
        // Augur's primary one (`objective.metric`), the others follow in the order sent.
        var objectives: [(name: String, goal: ObjectiveGoal)] = []
        var constraints: [MetricSpec] = []
        for (index, metric) in message.metrics.enumerated() {
            let goal: ObjectiveGoal
            switch metric.goal {
            case .maximize: goal = .maximize
            case .minimize: goal = .minimize
            case .unspecified, .UNRECOGNIZED:
                throw .invalidArgument("\(field).metrics[\(index)].goal must be MAXIMIZE or MINIMIZE")
            }
            if metric.hasSafetyConfig {
                let threshold = metric.safetyConfig.safetyThreshold
                constraints.append(MetricSpec(name: metric.metricID, constraint: OutcomeConstraint(goal == .maximize ? .atLeast : .atMost, threshold)))
            } else {
                objectives.append((metric.metricID, goal))
            }
        }
        guard let primary = objectives.first else {
            throw .invalidArgument("\(field).metrics has only safety metrics; add at least one metric without safety_config to optimize")
        }
        let objective = Objective(metric: primary.name, goal: primary.goal,
                                  additionalMetrics: objectives.dropFirst().map { MetricSpec(name: $0.name, goal: $0.goal) } + constraints)
        var parameters: [ParameterSpec] = []
        for (index, parameter) in message.parameters.enumerated() {
            try ParameterSpec.flatten(vizier: parameter, field: "\(field).parameters[\(index)]", into: &parameters)
        }
        if message.algorithm == "POPULATION_BASED_TRAINING" {
            throw .invalidArgument("\(field).algorithm POPULATION_BASED_TRAINING is not available through Vizier's API, whose "
                + "clients cannot hand a trial's checkpoint over; create the study with Augur's own API or a spec file")
        }
        guard let algorithm = Self.vizierAlgorithms.first(where: { $0.name == message.algorithm })?.algorithm else {
            let known = Self.vizierAlgorithms.map(\.name).filter { !$0.isEmpty }.joined(separator: ", ")
            throw .invalidArgument("\(field).algorithm `\(message.algorithm.excerptForMessage)` is not one Augur runs; use one of \(known)")
        }
        let earlyStopping: EarlyStoppingSpec?
        switch message.automatedStoppingSpec {
        case nil: earlyStopping = nil
        case .defaultStoppingSpec: earlyStopping = .median(MedianStoppingSettings())
        }
        self.init(name: name, searchSpace: SearchSpace(parameters), objective: objective,
                  algorithm: algorithm, earlyStopping: earlyStopping,
                  budget: Budget(maxTrials: Int(Int32.max), parallelTrials: Int(Int32.max)),
                  seed: Self.vizierSeed(forStudy: name))
    }

    /// Vizier's spec has no seed; each study gets one of its own from its id (FNV-1a of the UTF-8 bytes), so two
    /// studies explore differently and one study's suggestions are the same on every replica and after a restart.
    static func vizierSeed(forStudy name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

extension ParameterSpec {
    /// Appends `message` and, after it, its conditional children (Vizier's `conditional_parameter_specs`, to any
    /// depth), each with the condition that names its parent: Augur keeps the tree flat, every child naming its
    /// parent, in Vizier's pre-order. The same child listed under several values of one parent (as pyvizier writes
    /// `select_values([2, 3])`) is one parameter existing under all of them.
    static func flatten(vizier message: Vizier_StudySpec.ParameterSpec, field: String, condition: ParameterCondition? = nil,
                        depth: Int = 0, into parameters: inout [ParameterSpec]) throws(ServiceError) {
        guard depth < SpecLimits.maximumParameters, parameters.count < SpecLimits.maximumParameters else {
            throw .invalidArgument("\(field): the study has more than \(SpecLimits.maximumParameters) parameters")
        }
        var parameter = try ParameterSpec(vizier: message, field: field)
        parameter.condition = condition
        // pyvizier writes a child selected for several parent values once per value; the copies are one parameter.
        if let condition, let index = parameters.firstIndex(where: { $0.name == parameter.name }),
           let existing = parameters[index].condition, existing.parent == condition.parent,
           parameters[index].domain == parameter.domain, parameters[index].distribution == parameter.distribution {
            for value in condition.values where !existing.values.contains(value) {
                parameters[index].condition?.values.append(value)
            }
        } else {
            parameters.append(parameter)
        }
        for (index, child) in message.conditionalParameterSpecs.enumerated() {
            let childField = "\(field).conditional_parameter_specs[\(index)]"
            let values: [ParameterValue]
            switch child.parentValueCondition {
            case nil:
                throw .invalidArgument("\(childField) names no parent values; conditional parameters exist only under the "
                    + "values of their parent listed in parent_discrete_values, parent_int_values or parent_categorical_values")
            case .parentDiscreteValues(let condition)?:
                values = condition.values.map { .double($0) }
            case .parentIntValues(let condition)?:
                values = condition.values.map { .integer(Int($0)) }
            case .parentCategoricalValues(let condition)?:
                values = condition.values.map { .string($0) }
            }
            guard child.hasParameterSpec else { throw .invalidArgument("\(childField).parameter_spec is missing") }
            try flatten(vizier: child.parameterSpec, field: "\(childField).parameter_spec",
                        condition: ParameterCondition(parent: message.parameterID, values: values), depth: depth + 1,
                        into: &parameters)
        }
    }

    /// One parameter, without its conditional children (`flatten(vizier:…)` reads those).
    init(vizier message: Vizier_StudySpec.ParameterSpec, field: String) throws(ServiceError) {
        let name = message.parameterID
        let scale: ScaleType
        switch message.scaleType {
        case .unspecified, .unitLinearScale: scale = .linear
        case .unitLogScale: scale = .log
        case .unitReverseLogScale: scale = .reverseLog
        case .UNRECOGNIZED(let value):
            throw .invalidArgument("\(field).scale_type: unknown scale \(value)")
        }
        switch message.parameterValueSpec {
        case nil:
            throw .invalidArgument("\(field) (`\(name.excerptForMessage)`) needs one of double_value_spec, "
                + "integer_value_spec, categorical_value_spec or discrete_value_spec")
        case .doubleValueSpec(let spec):
            self = .double(name, min: spec.minValue, max: spec.maxValue, scale: scale)
        case .integerValueSpec(let spec):
            guard abs(spec.minValue) <= Int64(SpecLimits.largestExactInteger), abs(spec.maxValue) <= Int64(SpecLimits.largestExactInteger) else {
                throw .invalidArgument("\(field).integer_value_spec: bounds must be within ±\(SpecLimits.largestExactInteger)")
            }
            self = .integer(name, min: Int(spec.minValue), max: Int(spec.maxValue), scale: scale)
        case .discreteValueSpec(let spec):
            self = .discrete(name, spec.values)
        case .categoricalValueSpec(let spec):
            self = .categorical(name, spec.values)
        }
    }
}

// MARK: Trials

extension Vizier_Trial {
    init(_ trial: Trial, study: VizierNames.StudyName, space: SearchSpace, metadata: [MetadataEntry]) {
        self.init()
        name = VizierNames.TrialName(study: study, id: trial.id).resource
        id = String(trial.id)
        let order = space.names
        let ordered = order.filter { trial.parameters[$0] != nil } + trial.parameters.keys.filter { !order.contains($0) }.sorted()
        parameters = ordered.compactMap { name in
            trial.parameters[name].map { value in
                Parameter.with {
                    $0.parameterID = name
                    $0.value = Google_Protobuf_Value(value)
                }
            }
        }
        if let final = trial.finalMeasurement { finalMeasurement = Vizier_Measurement(final) }
        measurements = trial.measurements.map(Vizier_Measurement.init)
        startTime = Google_Protobuf_Timestamp(date: trial.startedAt ?? trial.createdAt)
        if let ended = trial.endedAt { endTime = Google_Protobuf_Timestamp(date: ended) }
        clientID = trial.worker ?? ""
        switch trial.state {
        case .requested:
            state = .requested
        case .active:
            state = .active
        case .completed:
            state = .succeeded
        case .stopped:
            // Stopped with measurements: a result (Vizier's client completes such a trial itself). Stopped before
            // any: still STOPPING, for the client to complete or mark infeasible.
            state = trial.finalMeasurement == nil ? .stopping : .succeeded
        case .infeasible:
            state = .infeasible
            infeasibleReason = trial.statusReason ?? "infeasible"
        case .failed:
            // Vizier has no FAILED trial; its client reads an INFEASIBLE one as completed without a result.
            state = .infeasible
            infeasibleReason = "failed: \(trial.statusReason ?? "no reason given")"
        }
        self.metadata = metadata.map(Vizier_KeyValue.init)
    }
}

extension Vizier_Measurement {
    init(_ measurement: TrialMeasurement) {
        self.init()
        let wire = measurement.wireFields
        stepCount = wire.step
        if let elapsed = wire.elapsed { elapsedDuration = elapsed }
        metrics = wire.metrics.map { metric in
            Metric.with {
                $0.metricID = metric.id
                $0.value = metric.value
            }
        }
    }
}

extension TrialMeasurement {
    init(vizier message: Vizier_Measurement, field: String) throws(ServiceError) {
        try self.init(wireStep: message.stepCount, elapsed: message.hasElapsedDuration ? message.elapsedDuration : nil,
                      metrics: message.metrics.map { ($0.metricID, $0.value) }, field: field)
    }
}

extension ParameterAssignment {
    /// A trial's parameters as a client sent them, coerced to the study's search space.
    static func vizier(_ parameters: [Vizier_Trial.Parameter], space: SearchSpace, field: String) throws(ServiceError) -> ParameterAssignment {
        var assignment: ParameterAssignment = [:]
        for (index, parameter) in parameters.enumerated() {
            let value: ParameterValue
            switch parameter.value.kind {
            case .numberValue(let x): value = .double(x)
            case .stringValue(let text): value = .string(text)
            // pyvizier sends a boolean parameter's value as the string "True" or "False".
            case .boolValue(let flag): value = .string(flag ? "True" : "False")
            default:
                throw .invalidArgument("\(field)[\(index)] (`\(parameter.parameterID.excerptForMessage)`) needs a number or string value")
            }
            guard assignment.updateValue(value, forKey: parameter.parameterID) == nil else {
                throw .invalidArgument("\(field)[\(index)]: parameter `\(parameter.parameterID.excerptForMessage)` is given twice")
            }
        }
        return space.coerce(assignment)
    }
}

// MARK: Metadata

extension Vizier_KeyValue {
    init(_ entry: MetadataEntry) {
        self.init()
        key = entry.key
        ns = entry.namespace
        switch entry.value {
        case .text(let text):
            value = text
        case .message(let typeURL, let bytes):
            proto = .with {
                $0.typeURL = typeURL
                $0.value = bytes
            }
        }
    }
}

extension MetadataEntry {
    init(vizier message: Vizier_KeyValue, field: String) throws(ServiceError) {
        guard message.ns != VizierRecord.namespace else {
            throw .invalidArgument("\(field).ns: the namespace `\(VizierRecord.namespace)` is Augur's own; use another")
        }
        let value: MetadataValue
        switch message.aValue {
        case nil, .value: value = .text(message.value)
        case .proto(let any): value = .message(typeURL: any.typeURL, bytes: any.value)
        }
        self.init(namespace: message.ns, key: message.key, value: value)
    }
}
