/// Reads Augur's own spec format (`docs/spec.md`) into a `StudySpec`.
struct AugurSpecReader {
    var reader: SpecReader

    static let topLevelFields = ["name", "objective", "parameters", "algorithm", "earlyStopping", "budget", "seed", "trial"]

    /// The parts of the spec that could be read; every syntax problem is reported on the way.
    mutating func read(_ root: SpecNode) -> SpecDraft {
        var draft = SpecDraft(format: .augur)
        guard let fields = reader.fields(of: root, known: Self.topLevelFields, what: "the spec") else { return draft }

        if let node = reader.required("name", in: fields, hint: "give the study a unique name, e.g. `name: quickstart`.") {
            draft.name = reader.string(node, what: "`name`")
        }

        draft.objective = reader.required("objective", in: fields,
                                          hint: "say what to optimize, e.g. `objective: {metric: loss, goal: minimize}`.")
            .flatMap { readObjective($0) }

        var drafts: [ParameterDraft?] = []
        if let node = reader.required("parameters", in: fields,
                                      hint: "list the parameters to search, e.g. `- {name: x, type: double, min: 0, max: 1}`.") {
            (draft.parameters, drafts) = readParameters(node)
        }

        draft.algorithm = .random
        if let node = fields["algorithm"] { draft.algorithm = readAlgorithm(node) }
        if let node = fields["earlyStopping"] { draft.earlyStopping = readEarlyStopping(node) }
        draft.budget = Budget()
        if let node = fields["budget"] { draft.budget = readBudget(node) }
        draft.seed = 1
        if let node = fields["seed"] { draft.seed = readSeed(node, &reader) }
        if let node = fields["trial"] {
            draft.trial = readTrial(node, parameterNames: Set(drafts.compactMap { $0?.name }))
        }
        return draft
    }

    // MARK: Objective

    private mutating func readObjective(_ node: SpecNode) -> Objective? {
        guard let fields = reader.fields(of: node, known: ["metric", "goal", "target", "strategy", "additionalMetrics", "referencePoint"],
                                         what: "`objective`") else { return nil }
        let metric = reader.required("metric", in: fields, hint: "name the metric to optimize, e.g. `metric: loss`.")
            .flatMap { reader.string($0, what: "`metric`") }
        let goal = reader.required("goal", in: fields, hint: "write `goal: minimize` or `goal: maximize`.").flatMap {
            reader.choice($0, what: "`goal`", among: ["minimize": ObjectiveGoal.minimize, "maximize": .maximize])
        }
        let target = fields["target"].flatMap { reader.number($0, what: "`target`") }
        var strategy: MetricStrategy? = .latest
        if let node = fields["strategy"] { strategy = readStrategy(node) }

        var additional: [MetricSpec?] = []
        if let node = fields["additionalMetrics"], let elements = reader.list(node, what: "`additionalMetrics`") {
            additional = elements.map { readAdditionalMetric($0) }
        }
        // Every metric must be read for the validator's paths (`additionalMetrics[2]`) to match the file's.
        let metrics = additional.compactMap { $0 }
        var referencePoint: [Double]?? = .some(nil)
        if let node = fields["referencePoint"] {
            // `nil` (not `.some(nil)`) once a value could not be read: the reader has reported it.
            referencePoint = nil
            if let elements = reader.list(node, what: "`referencePoint`") {
                let values = elements.map { reader.number($0, what: "a reference value") }
                if !values.contains(where: { $0 == nil }) { referencePoint = .some(values.compactMap { $0 }) }
            }
        }
        guard let metric, let goal, let strategy, metrics.count == additional.count, let referencePoint else { return nil }
        return Objective(metric: metric, goal: goal, target: target, strategy: strategy, additionalMetrics: metrics,
                         referencePoint: referencePoint)
    }

    /// `accuracy` or `{name: accuracy, strategy: max}`.
    private mutating func readAdditionalMetric(_ element: SpecNode) -> MetricSpec? {
        guard case .mapping = element.node else {
            return reader.string(element, what: "an additional metric").map { MetricSpec(name: $0) }
        }
        guard let metricFields = reader.fields(of: element, known: ["name", "strategy", "goal", "atMost", "atLeast"],
                                               what: "an additional metric"),
              let nameNode = reader.required("name", in: metricFields, hint: "name the metric, e.g. `name: accuracy`."),
              let name = reader.string(nameNode, what: "`name`") else { return nil }
        // A strategy that could not be read (reported) leaves the metric in place, so its name is still checked.
        let strategy = metricFields["strategy"].map { readStrategy($0) ?? .latest } ?? .latest
        // `goal` makes the metric a further objective; `atMost`/`atLeast` an outcome constraint.
        let goal = metricFields["goal"].flatMap {
            reader.choice($0, what: "`goal`", among: ["minimize": ObjectiveGoal.minimize, "maximize": .maximize])
        }
        var constraint: OutcomeConstraint?
        for (key, bound) in [("atMost", OutcomeConstraint.Bound.atMost), ("atLeast", .atLeast)] {
            guard let node = metricFields[key] else { continue }
            if constraint != nil {
                reader.error("give either `atMost` or `atLeast`, not both; a metric has one constraint.", at: node)
            } else if let threshold = reader.number(node, what: "`\(key)`") {
                constraint = OutcomeConstraint(bound, threshold)
            }
        }
        return MetricSpec(name: name, strategy: strategy, goal: goal, constraint: constraint)
    }

    private mutating func readStrategy(_ node: SpecNode) -> MetricStrategy? {
        reader.choice(node, what: "`strategy`", among: ["latest": MetricStrategy.latest, "min": .min, "max": .max])
    }

    // MARK: Parameters

    private static let parameterFields = ["name", "type", "min", "max", "step", "scale", "distribution", "values", "when"]

    private mutating func readParameters(_ node: SpecNode) -> ([ParameterSpec?]?, [ParameterDraft?]) {
        guard let elements = reader.list(node, what: "`parameters`") else { return (nil, []) }
        let drafts = elements.map { readParameterDraft($0) }
        return (ParameterDraft.buildAll(drafts, &reader), drafts)
    }

    private mutating func readParameterDraft(_ node: SpecNode) -> ParameterDraft? {
        guard let fields = reader.fields(of: node, known: Self.parameterFields, what: "a parameter") else { return nil }
        let nameNode = reader.required("name", in: fields, hint: "name the parameter, e.g. `name: lr`.")
        let name = nameNode.flatMap { reader.string($0, what: "`name`") }
        let kind = reader.required("type", in: fields, hint: "write `type:` double, int, discrete or categorical.").flatMap {
            reader.choice($0, what: "parameter type", among: [
                "double": ParameterDraft.Kind.double, "int": .integer, "discrete": .discrete, "categorical": .categorical,
            ])
        }
        var scale: ScaleType? = .linear
        if let node = fields["scale"] {
            scale = reader.choice(node, what: "`scale`", among: ["linear": ScaleType.linear, "log": .log, "reverse_log": .reverseLog])
        }
        var distribution: ParameterDistribution? = .uniform
        if let node = fields["distribution"] {
            distribution = reader.choice(node, what: "`distribution`", among: [
                "uniform": ParameterDistribution.uniform, "normal": .normal,
            ])
        }
        guard let name, let nameNode, let kind, let scale, let distribution else { return nil }
        var draft = ParameterDraft(node: node, name: name, nameNode: nameNode, kind: kind, boundsOwner: node,
                                   min: fields["min"], max: fields["max"], step: fields["step"], values: fields["values"],
                                   valuesKey: "values", scale: scale, scaleNode: fields["scale"])
        draft.distribution = distribution
        if let node = fields["when"] {
            guard let condition = readCondition(node) else { return nil }
            draft.condition = condition
        }
        return draft
    }

    /// `when: {optimizer: [sgd, momentum]}` (or `when: {optimizer: sgd}`): the one parent and its values, as text
    /// until the parent's type is known (`ParameterDraft.buildAll`).
    private mutating func readCondition(_ node: SpecNode) -> (parent: String, values: [String])? {
        guard let fields = reader.userFields(node, what: "`when`") else { return nil }
        guard fields.keys.count == 1, let parent = fields.keys.first, let valuesNode = fields[parent] else {
            reader.error("`when` names one parent parameter and the values under which this parameter exists, e.g. "
                + "`when: {optimizer: [sgd]}`.", at: node)
            return nil
        }
        if case .sequence = valuesNode.node {
            guard let values = reader.stringList(valuesNode, what: "the values of `\(parent)`") else { return nil }
            return (parent, values.map(\.0))
        }
        guard let value = reader.string(valuesNode, what: "the value of `\(parent)`") else { return nil }
        return (parent, [value])
    }

    // MARK: Algorithm

    private static let algorithmNames = ["random", "quasirandom", "grid", "gp", "sobol", "halton", "bayesianoptimization",
                                         "tpe", "multivariate-tpe", "cmaes", "pbt"]

    /// A name alone (`algorithm: gp`) or `{name, settings}`; `example` is a name to suggest when it is missing.
    private mutating func nameAndSettings(_ node: SpecNode, what: String, example: String) -> (name: String, nameNode: SpecNode, settings: SpecNode?)? {
        if case .scalar = node.node {
            guard let name = reader.string(node, what: what) else { return nil }
            return (name, node, nil)
        }
        guard let fields = reader.fields(of: node, known: ["name", "settings"], what: what),
              let nameNode = reader.required("name", in: fields, hint: "write its name, e.g. `name: \(example)`."),
              let name = reader.string(nameNode, what: "`name`")
        else { return nil }
        return (name, nameNode, fields["settings"])
    }

    private mutating func readAlgorithm(_ node: SpecNode) -> AlgorithmSpec? {
        guard let (name, nameNode, settings) = nameAndSettings(node, what: "`algorithm`", example: "random") else { return nil }
        switch name.lowercased() {
        case "random":
            rejectSettings(settings, of: "random search")
            return .random
        case "grid":
            rejectSettings(settings, of: "grid search")
            return .grid
        case "sobol", "halton":
            rejectSettings(settings, of: "`\(name)` (the sequence is in the name; use `quasirandom` with `sequence` to choose)")
            return .quasiRandom(name.lowercased() == "sobol" ? .sobol : .halton)
        case "quasirandom":
            var sequence: QuasiRandomSequence? = .halton
            if let settings, let fields = reader.fields(of: settings, known: ["sequence"], what: "quasi-random settings"),
               let node = fields["sequence"] {
                sequence = reader.choice(node, what: "`sequence`", among: ["halton": QuasiRandomSequence.halton, "sobol": .sobol])
            }
            return sequence.map { .quasiRandom($0) }
        case "gp", "bayesianoptimization":
            return readGaussianProcessSettings(settings).map { .gaussianProcess($0) }
        case "tpe", "multivariate-tpe":
            return readTreeParzenSettings(settings, multivariate: name.lowercased() == "multivariate-tpe").map { .treeParzen($0) }
        case "cmaes":
            return readCMAESSettings(settings).map { .cmaes($0) }
        case "pbt":
            return readPopulationBasedSettings(settings).map { .populationBased($0) }
        default:
            reader.error(unknownAlgorithmMessage(name), at: nameNode)
            return nil
        }
    }

    private func unknownAlgorithmMessage(_ name: String) -> String {
        let supported = "Augur supports `random`, `quasirandom` (or `sobol`, `halton`), `grid`, `gp` "
            + "(or `bayesianoptimization`), `tpe`, `multivariate-tpe`, `cmaes` and `pbt`"
        if ["enas", "darts", "hyperband"].contains(name.lowercased()) {
            let extra = name.lowercased() == "hyperband"
                ? "; for Hyperband write `algorithm: random` and `earlyStopping: {name: hyperband}`" : ""
            return "algorithm `\(name)` is not available in Augur. \(supported)\(extra)."
        }
        if let suggestion = closestName(to: name, among: Self.algorithmNames) {
            return "unknown algorithm `\(name)`; did you mean `\(suggestion)`? \(supported)."
        }
        return "unknown algorithm `\(name)`. \(supported)."
    }

    private mutating func rejectSettings(_ settings: SpecNode?, of what: String) {
        guard let settings else { return }
        _ = reader.fields(of: settings, known: [], what: "`settings` of \(what)")
    }

    private mutating func readGaussianProcessSettings(_ node: SpecNode?) -> GaussianProcessSettings? {
        var settings = GaussianProcessSettings()
        guard let node else { return settings }
        guard let fields = reader.fields(of: node, known: ["initialTrials", "acquisition", "ucbBeta"],
                                         what: "Gaussian-process settings") else { return nil }
        if let node = fields["initialTrials"], let value = reader.integer(node, what: "`initialTrials`") {
            settings.initialTrials = value
        }
        if let node = fields["acquisition"], let value = reader.choice(node, what: "`acquisition`", among: [
            "logei": AcquisitionFunction.logExpectedImprovement, "ei": .expectedImprovement,
            "ucb": .upperConfidenceBound, "pi": .probabilityOfImprovement,
        ]) {
            settings.acquisition = value
        }
        if let node = fields["ucbBeta"], let value = reader.number(node, what: "`ucbBeta`") {
            settings.ucbBeta = value
        }
        // What could be read goes to the validator (a setting that could not be read keeps its default).
        return settings
    }

    /// `startupTrials`, `candidates`, `gamma`, `priorWeight`; what could be read goes to the validator.
    private mutating func readTreeParzenSettings(_ node: SpecNode?, multivariate: Bool) -> TreeParzenSettings? {
        var settings = TreeParzenSettings(multivariate: multivariate)
        guard let node else { return settings }
        guard let fields = reader.fields(of: node, known: ["startupTrials", "candidates", "gamma", "priorWeight"],
                                         what: "TPE settings") else { return nil }
        if let node = fields["startupTrials"], let value = reader.integer(node, what: "`startupTrials`") {
            settings.startupTrials = value
        }
        if let node = fields["candidates"], let value = reader.integer(node, what: "`candidates`") {
            settings.candidates = value
        }
        if let node = fields["gamma"], let value = reader.number(node, what: "`gamma`") { settings.gamma = value }
        if let node = fields["priorWeight"], let value = reader.number(node, what: "`priorWeight`") {
            settings.priorWeight = value
        }
        return settings
    }

    /// `sigma`, `restartStrategy`; what could be read goes to the validator.
    private mutating func readCMAESSettings(_ node: SpecNode?) -> CMAESSettings? {
        var settings = CMAESSettings()
        guard let node else { return settings }
        guard let fields = reader.fields(of: node, known: ["sigma", "restartStrategy"], what: "CMA-ES settings") else {
            return nil
        }
        if let node = fields["sigma"], let value = reader.number(node, what: "`sigma`") { settings.sigma = value }
        if let node = fields["restartStrategy"], let value = reader.choice(node, what: "`restartStrategy`", among: [
            "none": CMAESRestartStrategy.none, "ipop": .ipop, "bipop": .bipop,
        ]) {
            settings.restartStrategy = value
        }
        return settings
    }

    /// `population`, `truncationThreshold`, `resampleProbability`, `checkpointPath`; what could be read goes to the
    /// validator.
    private mutating func readPopulationBasedSettings(_ node: SpecNode?) -> PopulationBasedTrainingSettings? {
        var settings = PopulationBasedTrainingSettings()
        guard let node else { return settings }
        guard let fields = reader.fields(of: node, known: ["population", "truncationThreshold", "resampleProbability",
                                                           "checkpointPath"], what: "population-based training settings")
        else { return nil }
        if let node = fields["population"], let value = reader.integer(node, what: "`population`") {
            settings.population = value
        }
        if let node = fields["truncationThreshold"], let value = reader.number(node, what: "`truncationThreshold`") {
            settings.truncationThreshold = value
        }
        if let node = fields["resampleProbability"], let value = reader.number(node, what: "`resampleProbability`") {
            settings.resampleProbability = value
        }
        if let node = fields["checkpointPath"], let value = reader.string(node, what: "`checkpointPath`") {
            settings.checkpointPath = value
        }
        return settings
    }

    // MARK: Early stopping

    private mutating func readEarlyStopping(_ node: SpecNode) -> EarlyStoppingSpec? {
        guard let (name, nameNode, settings) = nameAndSettings(node, what: "`earlyStopping`", example: "median") else { return nil }
        // Settings that could not be read keep their defaults; the validator judges the rest.
        switch name.lowercased() {
        case "median", "medianstop":
            var median = MedianStoppingSettings()
            if let settings, let fields = reader.fields(of: settings, known: ["minTrialsRequired", "startStep"],
                                                        what: "median stopping settings") {
                if let node = fields["minTrialsRequired"], let value = reader.integer(node, what: "`minTrialsRequired`") {
                    median.minTrialsRequired = value
                }
                if let node = fields["startStep"], let value = reader.integer(node, what: "`startStep`") {
                    median.startStep = value
                }
            }
            return .median(median)
        case "asha", "successivehalving":
            var asha = SuccessiveHalvingSettings()
            if let settings, let fields = reader.fields(of: settings, known: ["minResource", "reductionFactor", "rungs"],
                                                        what: "ASHA settings") {
                if let node = fields["minResource"], let value = reader.integer(node, what: "`minResource`") {
                    asha.minResource = value
                }
                if let node = fields["reductionFactor"], let value = reader.integer(node, what: "`reductionFactor`") {
                    asha.reductionFactor = value
                }
                if let node = fields["rungs"], let value = reader.integer(node, what: "`rungs`") {
                    asha.rungs = value
                }
            }
            return .successiveHalving(asha)
        case "hyperband":
            var hyperband = HyperbandSettings()
            if let settings, let fields = reader.fields(of: settings, known: ["resourceName", "minResource", "maxResource", "eta"],
                                                        what: "Hyperband settings") {
                if let node = fields["resourceName"] { hyperband.resourceName = reader.string(node, what: "`resourceName`") }
                if let node = fields["minResource"], let value = reader.integer(node, what: "`minResource`") {
                    hyperband.minResource = value
                }
                if let node = fields["maxResource"], let value = reader.integer(node, what: "`maxResource`") {
                    hyperband.maxResource = value
                }
                if let node = fields["eta"], let value = reader.integer(node, what: "`eta`") {
                    hyperband.eta = value
                }
            }
            return .hyperband(hyperband)
        default:
            var message = "unknown early-stopping policy `\(name)`"
            if let suggestion = closestName(to: name, among: ["median", "asha", "hyperband"]) {
                message += "; did you mean `\(suggestion)`?"
            } else {
                message += "."
            }
            reader.error(message + " Augur supports `median`, `asha` and `hyperband`.", at: nameNode)
            return nil
        }
    }

    // MARK: Budget and seed

    private mutating func readBudget(_ node: SpecNode) -> Budget? {
        guard let fields = reader.fields(of: node, known: ["maxTrials", "parallelTrials", "maxFailedTrials"],
                                         what: "`budget`") else { return nil }
        var budget = Budget()
        if let node = fields["maxTrials"], let value = reader.integer(node, what: "`maxTrials`") {
            budget.maxTrials = value
        }
        if let node = fields["parallelTrials"], let value = reader.integer(node, what: "`parallelTrials`") {
            budget.parallelTrials = value
        }
        if let node = fields["maxFailedTrials"], let value = reader.integer(node, what: "`maxFailedTrials`") {
            budget.maxFailedTrials = value
        }
        return budget
    }

    // MARK: Trial

    private mutating func readTrial(_ node: SpecNode, parameterNames: Set<String>) -> TrialTemplate? {
        let commandFields = ["command", "env", "workingDirectory", "timeout", "metrics"]
        guard let fields = reader.fields(of: node, known: commandFields + ["training"], what: "`trial`") else { return nil }
        if let training = fields["training"] {
            for key in commandFields where fields.contains(key) {
                if let keyNode = fields.keyNode(key) {
                    reader.error("`\(key)` belongs to command trials; a `training` trial runs Augur's training core "
                        + "and takes no `\(key)`.", at: keyNode)
                }
            }
            return readTraining(training).map { .training($0) }
        }
        guard let commandNode = reader.required("command", in: fields, hint: "give the command each trial runs, e.g. "
            + "`command: [sh, -c, \"./train --lr ${parameters.lr}\"]`, or a `training:` block.") else { return nil }
        return readCommandTrial(fields, commandNode: commandNode, parameterNames: parameterNames).map { .command($0) }
    }

    /// The command trial as far as it could be read, for the validator; `nil` when its command could not be read.
    private mutating func readCommandTrial(_ fields: SpecFields, commandNode: SpecNode, parameterNames: Set<String>) -> CommandTrial? {
        let errorsBefore = reader.errors.count
        var referencing: [(String, SpecNode)] = []
        var argv: [String] = []
        if case .scalar = commandNode.node {
            // A single string is a shell command line: Augur never splits it itself.
            if let line = reader.string(commandNode, what: "`command`") {
                argv = ["/bin/sh", "-c", line]
                referencing.append((line, commandNode))
            }
        } else if let elements = reader.stringList(commandNode, what: "`command`") {
            argv = elements.map(\.0)
            referencing += elements
        }
        // The validator's paths (`trial.command[2]`) must match the file's: no command unless every part was read.
        let commandRead = reader.errors.count == errorsBefore

        var environment: [String: String] = [:]
        if let node = fields["env"], let envFields = reader.userFields(node, what: "`env`") {
            for key in envFields.keys {
                guard let valueNode = envFields.rawValue(key) else { continue }
                let value = valueNode.isNull ? "" : reader.string(valueNode, what: "the value of `\(key)`")
                if let value {
                    environment[key] = value
                    referencing.append((value, valueNode))
                }
            }
        }

        var workingDirectory: String?
        if let node = fields["workingDirectory"], let path = reader.string(node, what: "`workingDirectory`") {
            workingDirectory = reader.absolutePath(path)
            referencing.append((path, node))
        }

        var timeout: Double?
        if let node = fields["timeout"], let text = reader.string(node, what: "`timeout`") {
            if let seconds = SpecRules.parseDuration(text) {
                timeout = seconds
            } else {
                reader.error("`timeout` must be a positive number of seconds (`90`) or a duration like `90s`, `5m` "
                    + "or `1h30m`, not \(node.summary).", at: node)
            }
        }

        var metrics = MetricsCollector()
        if let node = fields["metrics"], let collector = readMetrics(node, referencing: &referencing) {
            metrics = collector
        }

        SpecRules.checkReferences(in: referencing, prefix: "parameters", known: parameterNames,
                                  what: "parameter", &reader)
        guard commandRead else { return nil }
        return CommandTrial(argv: argv, environment: environment, workingDirectory: workingDirectory,
                            timeoutSeconds: timeout, metrics: metrics)
    }

    private mutating func readMetrics(_ node: SpecNode, referencing: inout [(String, SpecNode)]) -> MetricsCollector? {
        guard let fields = reader.fields(of: node, known: ["source", "path", "format", "patterns"], what: "`metrics`")
        else { return nil }
        let errorsBefore = reader.errors.count
        enum Source { case stdout, file, directory }
        enum Format { case text, json, tensorFlowEvent }
        var format = Format.text
        if let node = fields["format"] {
            format = reader.choice(node, what: "`format`", among: ["text": Format.text, "json": .json,
                                                                    "tfevents": .tensorFlowEvent]) ?? .text
        }
        // TensorFlow event files are always read from a directory, so `format: tfevents` with a `path` means one.
        var source: Source? = fields["path"] == nil ? .stdout : format == .tensorFlowEvent ? .directory : .file
        if let node = fields["source"] {
            source = reader.choice(node, what: "`source`", among: ["stdout": Source.stdout, "file": .file,
                                                                    "directory": .directory])
        }
        if source == .directory, fields["format"] == nil { format = .tensorFlowEvent }
        var metricsSource = MetricsSource.standardOutput
        switch source {
        case .file:
            if let node = reader.required("path", in: fields, hint: "give the file the trial writes its metrics to, "
                + "e.g. `path: metrics.json` (relative paths are inside each trial's working directory)."),
               let path = reader.string(node, what: "`path`") {
                // Relative paths stay relative: the runner resolves them in each trial's own working directory, so
                // parallel trials do not share one file.
                metricsSource = .file(path: path)
                referencing.append((path, node))
            }
        case .directory:
            if let node = reader.required("path", in: fields, hint: "give the directory the trial writes its "
                + "TensorFlow event files into, e.g. `path: logs` (relative paths are inside each trial's working directory)."),
               let path = reader.string(node, what: "`path`") {
                metricsSource = .directory(path: path)
                referencing.append((path, node))
            }
        case .stdout:
            if let node = fields.keyNode("path"), fields.contains("source") {
                reader.error("`path` is only for `source: file`; metrics read from standard output need no path.", at: node)
            }
        case nil:
            break
        }

        var patterns: [String] = []
        if let node = fields["patterns"], let elements = reader.stringList(node, what: "`patterns`") {
            switch format {
            case .text: break
            case .json:
                reader.error("`patterns` apply to `format: text`; JSON metrics are read by their member names.", at: node)
            case .tensorFlowEvent:
                reader.error("`patterns` apply to `format: text`; TensorFlow event files are read by their summary "
                    + "tags.", at: node)
            }
            SpecRules.checkPatterns(elements, &reader)
            patterns = elements.map(\.0)
        }
        guard reader.errors.count == errorsBefore else { return nil }
        let metricsFormat: MetricsFormat = switch format {
        case .text: .text(patterns: patterns)
        case .json: .json
        case .tensorFlowEvent: .tensorFlowEvent
        }
        return MetricsCollector(source: metricsSource, format: metricsFormat)
    }

    private mutating func readTraining(_ node: SpecNode) -> TrainingTrial? {
        guard let fields = reader.fields(of: node, known: ["dataset", "epochs", "device", "validationFraction", "parameters", "fixed"],
                                         what: "`training`") else { return nil }
        var training = TrainingTrial()
        if let node = fields["dataset"], let dataset = reader.string(node, what: "`dataset`") {
            training.dataset = dataset == "digits" ? dataset : reader.absolutePath(dataset)
        }
        if let node = fields["epochs"], let epochs = reader.integer(node, what: "`epochs`") {
            training.epochs = epochs
        }
        if let node = fields["device"], let device = reader.choice(node, what: "`device`",
                                                                   among: ["auto": "auto", "cpu": "cpu", "cuda": "cuda"]) {
            training.device = device
        }
        if let node = fields["validationFraction"], let fraction = reader.number(node, what: "`validationFraction`") {
            training.validationFraction = fraction
        }
        if let node = fields["parameters"], let mapping = reader.userFields(node, what: "`training.parameters`") {
            for hyperparameter in mapping.keys {
                reader.recordKeyLocation(hyperparameter, in: mapping)
                guard let valueNode = mapping[hyperparameter],
                      let parameter = reader.string(valueNode, what: "the study parameter for `\(hyperparameter)`")
                else { continue }
                training.parameterMapping[hyperparameter] = parameter
            }
        }
        if let node = fields["fixed"], let mapping = reader.userFields(node, what: "`training.fixed`") {
            for hyperparameter in mapping.keys {
                reader.recordKeyLocation(hyperparameter, in: mapping)
                guard let valueNode = mapping[hyperparameter],
                      let value = reader.string(valueNode, what: "the value of `\(hyperparameter)`") else { continue }
                training.fixed[hyperparameter] = value
            }
        }
        return training
    }
}

/// A seed: a whole number from 0 to 2^64 - 1.
func readSeed(_ node: SpecNode, _ reader: inout SpecReader) -> UInt64? {
    guard let text = reader.string(node, what: "`seed`") else { return nil }
    guard let seed = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
        reader.error("`seed` must be a whole number from 0 to \(UInt64.max), not \(node.summary).", at: node)
        return nil
    }
    return seed
}
