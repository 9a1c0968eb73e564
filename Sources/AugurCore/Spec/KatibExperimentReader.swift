/// Reads a Katib v1beta1 `kind: Experiment` file, as written for Kubernetes, into a `StudySpec`.
///
/// Fields Katib knows but Augur has no use for (namespace, resume policy, success conditions, …) are warnings;
/// features Augur cannot honour (TPE, NAS, ConfigMap templates, Prometheus metrics, …) are errors naming what Augur
/// supports instead, never a silent fallback. The mapping is documented in `docs/spec.md`, "Katib compatibility".
struct KatibExperimentReader {
    var reader: SpecReader
    /// The names of the parameters as written (whether or not their domains could be read), for Hyperband's
    /// `resource_name`; filled by `read` before the algorithm is read.
    private var parameterNames: Set<String> = []

    init(reader: SpecReader) {
        self.reader = reader
    }

    static let apiVersion = "kubeflow.org/v1beta1"

    /// Katib's defaults where they differ from Augur's.
    static let defaultParallelTrialCount = 3
    static let defaultMedianStopping = MedianStoppingSettings(minTrialsRequired: 3, startStep: 4)
    static let defaultMetricsFilePath = "/var/log/katib/metrics.log"
    static let defaultTensorFlowEventDirectory = "/var/log/katib/tfevent/"

    private static let objectMetadataIgnored = [
        "namespace", "labels", "annotations", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields", "selfLink",
    ]

    /// The parts of the spec that could be read; every syntax problem is reported on the way.
    mutating func read(_ root: SpecNode) -> SpecDraft {
        var draft = SpecDraft(format: .katib)
        guard let fields = reader.fields(of: root, known: ["apiVersion", "kind", "metadata", "spec"],
                                         ignored: ["status": "`status` is written by Katib's controller and is ignored."],
                                         what: "a Katib Experiment")
        else { return draft }
        guard readHeader(fields) else { return draft }

        if let node = reader.required("metadata", in: fields, hint: "give the experiment a name under `metadata: {name: …}`.") {
            draft.name = readMetadataName(node)
        }
        guard let specNode = reader.required("spec", in: fields, hint: "a Katib Experiment needs its `spec`.") else { return draft }
        var ignoredSpecFields: [String: String] = [:]
        ignoredSpecFields["resumePolicy"] = "`resumePolicy` is ignored: an Augur study keeps its state in its database "
            + "and can be resumed from there."
        guard let spec = reader.fields(of: specNode, known: [
            "parameters", "objective", "algorithm", "earlyStopping", "trialTemplate", "parallelTrialCount",
            "maxTrialCount", "maxFailedTrialCount", "metricsCollectorSpec", "nasConfig",
        ], ignored: ignoredSpecFields, what: "the Experiment's `spec`") else { return draft }

        if let keyNode = spec.keyNode("nasConfig") {
            // The rest of a NAS experiment (no `parameters`, trial parameters naming NAS settings, the `enas` or
            // `darts` algorithm) only follows from this one refusal, so it is not reported again.
            reader.error("neural architecture search (`nasConfig`, for ENAS and DARTS) is not supported by Augur; "
                + "describe a hyperparameter search with `parameters` instead.", at: keyNode)
            return draft
        }

        draft.objective = reader.required("objective", in: spec, hint: "say what to optimize, e.g. `objective: {type: "
            + "minimize, objectiveMetricName: loss}`.").flatMap { readObjective($0) }

        var drafts: [ParameterDraft?] = []
        var parameters: [ParameterSpec?]?
        if let node = reader.required("parameters", in: spec, hint: "list the parameters to search.") {
            (parameters, drafts) = readParameters(node)
            parameterNames = Set(drafts.compactMap { $0?.name })
        }

        var algorithm: KatibAlgorithm?
        if let node = reader.required("algorithm", in: spec, hint: "choose a search algorithm, e.g. `algorithm: "
            + "{algorithmName: random}`.") {
            algorithm = readAlgorithm(node)
        }

        var earlyStopping: EarlyStoppingSpec?
        if let node = spec["earlyStopping"] {
            earlyStopping = readEarlyStopping(node)
            if case .hyperband = algorithm?.earlyStopping {
                reader.error("the `hyperband` algorithm already stops trials early; remove `earlyStopping` or choose "
                    + "another algorithm.", at: node)
            }
        }

        // Hyperband's resource parameter is fixed at its maximum: the stopping policy, not the designer, decides how
        // much resource each trial gets.
        if let resource = algorithm?.fixedResourceParameter, var searched = parameters {
            if let index = searched.firstIndex(where: { $0?.name == resource.name }) {
                searched[index] = ParameterSpec(name: resource.name, domain: .discrete([Double(resource.value)]))
            }
            parameters = searched
        }
        draft.parameters = parameters

        let budget = readBudget(spec, parameters: parameters, algorithm: algorithm?.designer)

        var trial: CommandTrial?
        if let node = reader.required("trialTemplate", in: spec, hint: "say what each trial runs with a `trialTemplate` "
            + "holding a `trialSpec`.") {
            var template = KatibTrialTemplateReader(reader: reader)
            let namespace = fields["metadata"]?.node.mapping?["namespace"]?.scalar?.string
            trial = template.read(node, parameterNames: Set(drafts.compactMap { $0?.name }), namespace: namespace)
            reader = template.reader
        }
        var metrics = MetricsCollector()
        if let node = spec["metricsCollectorSpec"] {
            metrics = readMetricsCollector(node, parallelTrials: budget.parallelTrials) ?? metrics
        }
        trial?.metrics = metrics

        draft.algorithm = algorithm?.designer
        draft.earlyStopping = algorithm?.earlyStopping ?? earlyStopping
        draft.budget = budget
        // A Katib Experiment always runs a command; when it has none, its reader has said why.
        draft.trial = trial.map { .command($0) }
        draft.seed = algorithm?.seed ?? 1
        return draft
    }

    /// Where in a Katib file the value a validator field path names is written (`parameters[2].max` →
    /// `spec.parameters[2].feasibleSpace.max`, `budget.maxTrials` → `spec.maxTrialCount`); a field Katib spells
    /// nowhere maps to the closest enclosing one.
    static func filePath(ofField field: String) -> String {
        let direct = [
            "name": "metadata.name", "objective.metric": "spec.objective.objectiveMetricName",
            "objective.target": "spec.objective.goal", "budget.maxTrials": "spec.maxTrialCount",
            "budget.parallelTrials": "spec.parallelTrialCount", "budget.maxFailedTrials": "spec.maxFailedTrialCount",
        ]
        if let path = direct[field] { return path }
        let additional = "objective.additionalMetrics"
        if field.hasPrefix(additional) {
            return "spec.objective.additionalMetricNames" + field.dropFirst(additional.count)
        }
        if field.hasPrefix("parameters") {
            var path = "spec." + field
            for (domain, katib) in [("values", "list"), ("scale", "distribution"), ("distribution", "distribution"), ("min", "min"),
                                    ("max", "max"), ("step", "step")] {
                path = path.replacingOccurrences(of: "].\(domain)", with: "].feasibleSpace.\(katib)")
            }
            return path
        }
        for (domain, katib) in [("algorithm", "spec.algorithm"), ("earlyStopping", "spec.earlyStopping"), ("trial", "spec.trialTemplate")]
        where field.hasPrefix(domain) {
            return katib
        }
        return field.isEmpty ? "" : "spec"
    }

    // MARK: Header and metadata

    private mutating func readHeader(_ fields: SpecFields) -> Bool {
        let errorsBefore = reader.errors.count
        if let node = reader.required("apiVersion", in: fields, hint: "write `apiVersion: \(Self.apiVersion)`."),
           let version = reader.string(node, what: "`apiVersion`"), version != Self.apiVersion {
            let advice = version.hasPrefix("kubeflow.org/")
                ? "convert the Experiment to `\(Self.apiVersion)` (Katib's own upgrade notes list the changes)"
                : "Augur reads Katib Experiments (`apiVersion: \(Self.apiVersion)`) and its own format, which has "
                    + "no `apiVersion`"
            reader.error("`apiVersion: \(version)` is not supported; \(advice).", at: node)
        }
        if let node = reader.required("kind", in: fields, hint: "write `kind: Experiment`."),
           let kind = reader.string(node, what: "`kind`"), kind != "Experiment" {
            reader.error("`kind: \(kind)` cannot be run as a study; Augur reads Katib `kind: Experiment` files.", at: node)
        }
        return reader.errors.count == errorsBefore
    }

    private mutating func readMetadataName(_ node: SpecNode) -> String? {
        var ignored: [String: String] = [:]
        for key in Self.objectMetadataIgnored {
            ignored[key] = "`metadata.\(key)` is ignored: Augur runs trials on this machine, not in a Kubernetes cluster."
        }
        ignored["namespace"] = "`metadata.namespace` is ignored (except as `${trialSpec.Namespace}` in a trial "
            + "parameter): Augur runs trials on this machine, not in a Kubernetes cluster."
        guard let fields = reader.fields(of: node, known: ["name", "generateName"], ignored: ignored, what: "`metadata`")
        else { return nil }
        if fields["name"] == nil, let generateName = fields["generateName"] {
            reader.error("Augur needs a fixed `metadata.name` to find the study again; replace `generateName` with `name`.",
                         at: generateName)
            return nil
        }
        if let generateName = fields.keyNode("generateName") {
            reader.warning("`metadata.generateName` is ignored; the study is called by `metadata.name`.", at: generateName)
        }
        guard let nameNode = reader.required("name", in: fields, hint: "name the experiment, e.g. `name: random-example`."),
              let name = reader.string(nameNode, what: "`metadata.name`") else { return nil }
        return name
    }

    // MARK: Objective

    private mutating func readObjective(_ node: SpecNode) -> Objective? {
        guard let fields = reader.fields(of: node, known: [
            "type", "goal", "objectiveMetricName", "additionalMetricNames", "metricStrategies",
        ], what: "`objective`") else { return nil }
        let goal = reader.required("type", in: fields, hint: "write `type: minimize` or `type: maximize`.").flatMap {
            reader.choice($0, what: "objective `type`", among: ["minimize": ObjectiveGoal.minimize, "maximize": .maximize])
        }
        let target = fields["goal"].flatMap { reader.number($0, what: "`goal`") }
        var names: [(String, SpecNode)] = []
        let metricNode = reader.required("objectiveMetricName", in: fields, hint: "name the metric to optimize, e.g. "
            + "`objectiveMetricName: loss`.")
        let metric = metricNode.flatMap { reader.string($0, what: "`objectiveMetricName`") }
        if let metric, let metricNode { names.append((metric, metricNode)) }
        if let node = fields["additionalMetricNames"], let list = reader.stringList(node, what: "`additionalMetricNames`") {
            names += list
        }

        var strategies: [String: MetricStrategy] = [:]
        if let node = fields["metricStrategies"], let elements = reader.list(node, what: "`metricStrategies`") {
            let known = Set(names.map(\.0))
            for element in elements {
                guard let entry = reader.fields(of: element, known: ["name", "value"], what: "a metric strategy"),
                      let nameNode = reader.required("name", in: entry, hint: "name the metric, e.g. `name: loss`."),
                      let name = reader.string(nameNode, what: "`name`"),
                      let valueNode = reader.required("value", in: entry, hint: "write `value:` min, max or latest."),
                      let strategy = reader.choice(valueNode, what: "metric strategy", among: [
                          "min": MetricStrategy.min, "max": .max, "latest": .latest,
                      ])
                else { continue }
                if known.contains(name) == false {
                    reader.error("`\(name)` is neither the objective metric nor an additional metric; a strategy can "
                        + "only be set for a metric the experiment collects.", at: nameNode)
                } else if strategies[name] != nil {
                    reader.error("metric `\(name)` has two strategies; keep one.", at: nameNode)
                }
                strategies[name] = strategy
            }
        }
        guard let metric, let goal else { return nil }
        // Katib's defaulting webhook gives every metric without a strategy `min` when minimizing and `max` when
        // maximizing (additional metrics included); Augur keeps that meaning for Katib files.
        let byGoal: MetricStrategy = goal == .minimize ? .min : .max
        let additional = names.dropFirst().map { MetricSpec(name: $0.0, strategy: strategies[$0.0] ?? byGoal) }
        return Objective(metric: metric, goal: goal, target: target, strategy: strategies[metric] ?? byGoal,
                         additionalMetrics: additional)
    }

    // MARK: Parameters

    private mutating func readParameters(_ node: SpecNode) -> ([ParameterSpec?]?, [ParameterDraft?]) {
        guard let elements = reader.list(node, what: "`parameters`") else { return (nil, []) }
        let drafts = elements.map { readParameterDraft($0) }
        return (ParameterDraft.buildAll(drafts, &reader), drafts)
    }

    private mutating func readParameterDraft(_ node: SpecNode) -> ParameterDraft? {
        guard let fields = reader.fields(of: node, known: ["name", "parameterType", "feasibleSpace"], what: "a parameter")
        else { return nil }
        let nameNode = reader.required("name", in: fields, hint: "name the parameter, e.g. `name: lr`.")
        let name = nameNode.flatMap { reader.string($0, what: "`name`") }
        let kind = reader.required("parameterType", in: fields, hint: "write `parameterType:` double, int, discrete or "
            + "categorical.").flatMap {
            reader.choice($0, what: "`parameterType`", among: [
                "double": ParameterDraft.Kind.double, "int": .integer, "discrete": .discrete, "categorical": .categorical,
            ])
        }
        guard let spaceNode = reader.required("feasibleSpace", in: fields, hint: "give the parameter's `feasibleSpace` "
            + "(`min`/`max` or `list`)."),
            let space = reader.fields(of: spaceNode, known: ["min", "max", "step", "list", "distribution"],
                                      what: "`feasibleSpace`")
        else { return nil }
        // Katib's four distributions are a scale and a shape: `logNormal` is normal in the logarithm.
        var shape: (scale: ScaleType, distribution: ParameterDistribution)? = (.linear, .uniform)
        if let node = space["distribution"] {
            shape = reader.choice(node, what: "`distribution`", among: [
                "uniform": (ScaleType.linear, ParameterDistribution.uniform), "logUniform": (.log, .uniform),
                "normal": (.linear, .normal), "logNormal": (.log, .normal),
            ])
        }
        guard let name, let nameNode, let kind, let shape else { return nil }
        var draft = ParameterDraft(node: node, name: name, nameNode: nameNode, kind: kind, boundsOwner: spaceNode,
                                   min: space["min"], max: space["max"], step: space["step"], values: space["list"],
                                   valuesKey: "list", scale: shape.scale, scaleNode: space["distribution"])
        draft.distribution = shape.distribution
        return draft
    }

    // MARK: Algorithm

    /// What a Katib algorithm becomes in Augur.
    struct KatibAlgorithm {
        var designer: AlgorithmSpec
        var earlyStopping: EarlyStoppingSpec?
        var seed: UInt64?
        /// Hyperband's resource parameter, fixed at its largest value.
        var fixedResourceParameter: (name: String, value: Int)?
    }

    private static let supportedAlgorithms = "Augur supports `random`, `grid`, `sobol`, `bayesianoptimization`, "
        + "`tpe`, `multivariate-tpe`, `cmaes`, `pbt` and `hyperband`"

    private mutating func readAlgorithm(_ node: SpecNode) -> KatibAlgorithm? {
        guard let fields = reader.fields(of: node, known: ["algorithmName", "algorithmSettings"], what: "`algorithm`"),
              let nameNode = reader.required("algorithmName", in: fields, hint: "e.g. `algorithmName: random`."),
              let name = reader.string(nameNode, what: "`algorithmName`")
        else { return nil }
        let errorsBefore = reader.errors.count
        var settings = KatibSettings(node: fields["algorithmSettings"], reader: &reader)
        var result: KatibAlgorithm
        switch name {
        case "random":
            result = KatibAlgorithm(designer: .random)
            result.seed = settings.seed("random_state", &reader)
        case "grid":
            result = KatibAlgorithm(designer: .grid)
        case "sobol":
            result = KatibAlgorithm(designer: .quasiRandom(.sobol))
        case "bayesianoptimization":
            var gp = GaussianProcessSettings()
            if let estimator = settings.take("base_estimator"), estimator.value != "GP" {
                reader.error("`base_estimator: \(estimator.value)` is not supported: Augur's Bayesian optimization "
                    + "uses a Gaussian process (`GP`); remove the setting or set it to `GP`.", at: estimator.node)
            }
            if let initial = settings.integer("n_initial_points", atLeast: 1, &reader) { gp.initialTrials = initial }
            if let acquisition = settings.take("acq_func") {
                switch acquisition.value {
                case "gp_hedge":
                    gp.acquisition = .logExpectedImprovement
                    reader.warning("`acq_func: gp_hedge` picks among EI, LCB and PI at random; Augur uses log expected "
                        + "improvement, which is robust on its own.", at: acquisition.node)
                case "EI": gp.acquisition = .expectedImprovement
                case "LCB": gp.acquisition = .upperConfidenceBound
                case "PI": gp.acquisition = .probabilityOfImprovement
                default:
                    reader.error("`acq_func: \(acquisition.value)` is not supported; use `gp_hedge`, `EI`, `LCB` or `PI`.",
                                 at: acquisition.node)
                }
            }
            if let optimizer = settings.take("acq_optimizer") {
                reader.warning("`acq_optimizer` is ignored: Augur maximizes the acquisition function with its own "
                    + "optimizer.", at: optimizer.node)
            }
            result = KatibAlgorithm(designer: .gaussianProcess(gp))
            result.seed = settings.seed("random_state", &reader)
        case "tpe", "multivariate-tpe":
            var tpe = TreeParzenSettings(multivariate: name == "multivariate-tpe")
            if let startup = settings.integer("n_startup_trials", atLeast: 0, &reader) { tpe.startupTrials = startup }
            if let candidates = settings.integer("n_ei_candidates", atLeast: 1, &reader) { tpe.candidates = candidates }
            if let gamma = settings.take("gamma"), let value = reader.number(gamma.node, what: "`gamma`") {
                if value > 0 && value <= 1 {
                    tpe.gamma = value
                } else {
                    reader.error("`gamma` is the fraction of trials counted as good and must be in (0, 1], not "
                        + "\(gamma.value).", at: gamma.node)
                }
            }
            if let weight = settings.take("prior_weight"), let value = reader.number(weight.node, what: "`prior_weight`") {
                if value.isFinite && value >= 0 {
                    tpe.priorWeight = value
                } else {
                    reader.error("`prior_weight` must be 0 or more, not \(weight.value).", at: weight.node)
                }
            }
            result = KatibAlgorithm(designer: .treeParzen(tpe))
            result.seed = settings.seed("random_state", &reader)
        case "cmaes":
            var cmaes = CMAESSettings()
            if let sigma = settings.take("sigma"), let value = reader.number(sigma.node, what: "`sigma`") {
                if value.isFinite && value > 0 {
                    cmaes.sigma = value
                } else {
                    reader.error("`sigma` is CMA-ES's initial step size and must be greater than 0, not "
                        + "\(sigma.value).", at: sigma.node)
                }
            }
            if let restart = settings.take("restart_strategy") {
                switch restart.value {
                case "none", "None", "": cmaes.restartStrategy = .none
                case "ipop": cmaes.restartStrategy = .ipop
                case "bipop": cmaes.restartStrategy = .bipop
                default:
                    reader.error("`restart_strategy: \(restart.value)` is not one Katib knows; use `ipop`, `bipop` or "
                        + "`none`.", at: restart.node)
                }
            }
            result = KatibAlgorithm(designer: .cmaes(cmaes))
            result.seed = settings.seed("random_state", &reader)
        case "pbt":
            result = KatibAlgorithm(designer: .populationBased(readPopulationBased(&settings, at: nameNode)))
        case "hyperband":
            result = readHyperband(&settings, at: nameNode)
        default:
            reader.error(unsupportedAlgorithmMessage(name), at: nameNode)
            return nil
        }
        let known: [String] = switch name {
        case "random": ["random_state"]
        case "bayesianoptimization": ["base_estimator", "n_initial_points", "acq_func", "acq_optimizer", "random_state"]
        case "hyperband": ["r_l", "eta", "resource_name"]
        case "tpe", "multivariate-tpe": ["n_startup_trials", "n_ei_candidates", "random_state", "gamma", "prior_weight"]
        case "cmaes": ["random_state", "sigma", "restart_strategy"]
        case "pbt": ["suggestion_trial_dir", "n_population", "truncation_threshold", "resample_probability"]
        default: []
        }
        settings.reportUnused(algorithm: name, known: known, &reader)
        return reader.errors.count == errorsBefore ? result : nil
    }

    private func unsupportedAlgorithmMessage(_ name: String) -> String {
        switch name {
        case "enas", "darts":
            return "neural architecture search (`\(name)`) is not supported by Augur; \(Self.supportedAlgorithms)."
        default:
            let known = ["random", "grid", "sobol", "bayesianoptimization", "tpe", "multivariate-tpe", "cmaes", "pbt", "hyperband"]
            if let suggestion = closestName(to: name, among: known) {
                return "unknown algorithm `\(name)`; did you mean `\(suggestion)`? \(Self.supportedAlgorithms)."
            }
            return "unknown algorithm `\(name)`; \(Self.supportedAlgorithms)."
        }
    }

    /// Katib's `pbt` settings: `suggestion_trial_dir`, `n_population` and `truncation_threshold` are required, as
    /// Katib requires them; `resample_probability` is optional. Katib mounts each trial's own checkpoint directory at
    /// `suggestion_trial_dir`; Augur replaces that path in the command by the trial's checkpoint directory.
    private mutating func readPopulationBased(_ settings: inout KatibSettings, at nameNode: SpecNode) -> PopulationBasedTrainingSettings {
        var pbt = PopulationBasedTrainingSettings()
        let missing = ["suggestion_trial_dir", "n_population", "truncation_threshold"].filter { !settings.has($0) }
        if !missing.isEmpty {
            reader.error("`pbt` needs the settings " + missing.map { "`\($0)`" }.joined(separator: ", ")
                + " in `algorithmSettings`, as Katib does.", at: settings.node ?? nameNode)
        }
        if let directory = settings.take("suggestion_trial_dir") {
            if directory.value.isEmpty {
                reader.error("`suggestion_trial_dir` must name the directory the trial's command reads and writes its "
                    + "checkpoint in.", at: directory.node)
            } else {
                pbt.checkpointPath = directory.value
            }
        }
        if let population = settings.integer("n_population", atLeast: 2, &reader) { pbt.population = population }
        if let threshold = settings.take("truncation_threshold"),
           let value = reader.number(threshold.node, what: "`truncation_threshold`") {
            if value > 0 && value <= 0.5 {
                pbt.truncationThreshold = value
            } else {
                reader.error("`truncation_threshold` is the fraction of each generation replaced by copies of its best "
                    + "members; Augur needs it in (0, 0.5], not \(threshold.value).", at: threshold.node)
            }
        }
        if let resample = settings.take("resample_probability"),
           let value = reader.number(resample.node, what: "`resample_probability`") {
            if value >= 0 && value <= 1 {
                pbt.resampleProbability = value
            } else {
                reader.error("`resample_probability` must be between 0 and 1, not \(resample.value); leave it out to "
                    + "perturb values by 0.8 or 1.2 instead.", at: resample.node)
            }
        }
        return pbt
    }

    /// Katib's Hyperband suggests the resource itself; Augur draws the other parameters at random and lets the
    /// Hyperband stopping policy cut trials at its rungs, so every trial is started with the full resource.
    ///
    /// Katib's settings mean what its suggestion service makes of them: `r_l` is the largest resource a trial gets
    /// (the Hyperband paper's R), `s_max = ⌊log R / log eta⌋`, and the first bracket starts trials at
    /// `R · eta^(-s_max)`. The resource parameter's own `feasibleSpace` is not consulted (Katib overwrites its value
    /// per bracket); it only has to exist.
    private mutating func readHyperband(_ settings: inout KatibSettings, at nameNode: SpecNode) -> KatibAlgorithm {
        var hyperband = HyperbandSettings()
        let eta = settings.integer("eta", atLeast: 2, &reader) ?? 3
        hyperband.eta = eta
        var result = KatibAlgorithm(designer: .random)
        let largestEntry = settings.take("r_l")
        let largest = largestEntry.flatMap { reader.integer($0.node, what: "`r_l`", atLeast: 1) }
        guard let resource = settings.take("resource_name") else {
            reader.error("Katib's hyperband needs the setting `resource_name`, naming the parameter that sets the "
                + "training budget (e.g. epochs).", at: settings.node ?? nameNode)
            return result
        }
        if largestEntry == nil {
            reader.error("Katib's hyperband needs the setting `r_l`, the largest resource (e.g. epochs) a trial gets, "
                + "e.g. `{name: r_l, value: \"27\"}`.", at: settings.node ?? nameNode)
        }
        hyperband.resourceName = resource.value
        guard parameterNames.contains(resource.value) else {
            let names = parameterNames.sorted()
            var message = "`resource_name: \(resource.value)` names no parameter; it must be the parameter that sets "
                + "each trial's budget (e.g. epochs)"
            if let suggestion = closestName(to: resource.value, among: names) {
                message += "; did you mean `\(suggestion)`?"
            } else {
                message += "; the parameters are " + names.map { "`\($0)`" }.joined(separator: ", ") + "."
            }
            reader.error(message, at: resource.node)
            return result
        }
        guard let largest else { return result }
        hyperband.maxResource = largest
        hyperband.minResource = Self.hyperbandSmallestResource(largest: largest, eta: eta)
        result.fixedResourceParameter = (resource.value, largest)
        if hyperband.minResource == largest {
            // s_max = 0: Katib's Hyperband runs one bracket of full-resource trials, which is random search.
            reader.warning("with `r_l` = \(largest) below `eta` = \(eta), Katib's hyperband runs a single bracket "
                + "without early stopping; Augur runs random search with `\(resource.value)` = \(largest).",
                at: resource.node)
            return result
        }
        reader.warning("Katib's hyperband chooses `\(resource.value)` per bracket (from \(hyperband.minResource) to "
            + "`r_l` = \(largest)); Augur runs every trial with `\(resource.value)` = \(largest) and stops trials early "
            + "at Hyperband's rungs instead.", at: resource.node)
        result.earlyStopping = .hyperband(hyperband)
        return result
    }

    /// The resource Katib's Hyperband starts its most aggressive bracket with: `int(R · eta^(-s_max))` with
    /// `s_max = int(log R / log eta)`, at least 1.
    static func hyperbandSmallestResource(largest: Int, eta: Int) -> Int {
        guard largest >= 1, eta >= 2 else { return 1 }
        // ⌊⌊R / eta⌋ / eta⌋ = ⌊R / eta²⌋, so dividing while the quotient stays ≥ eta ends at ⌊R / eta^s_max⌋,
        // exactly (Katib's float logarithm can round s_max down at exact powers; whole numbers cannot).
        var smallest = largest
        while smallest >= eta { smallest /= eta }
        return smallest
    }

    // MARK: Early stopping

    private mutating func readEarlyStopping(_ node: SpecNode) -> EarlyStoppingSpec? {
        guard let fields = reader.fields(of: node, known: ["algorithmName", "algorithmSettings"], what: "`earlyStopping`"),
              let nameNode = reader.required("algorithmName", in: fields, hint: "write `algorithmName: medianstop`."),
              let name = reader.string(nameNode, what: "`algorithmName`")
        else { return nil }
        guard name == "medianstop" else {
            reader.error("early-stopping algorithm `\(name)` is not available; Katib files can use `medianstop` "
                + "(Augur's own format also offers `asha` and `hyperband`).", at: nameNode)
            return nil
        }
        let errorsBefore = reader.errors.count
        var settings = KatibSettings(node: fields["algorithmSettings"], reader: &reader)
        var median = Self.defaultMedianStopping
        if let value = settings.integer("min_trials_required", atLeast: 1, &reader) { median.minTrialsRequired = value }
        if let value = settings.integer("start_step", atLeast: 0, &reader) { median.startStep = value }
        settings.reportUnused(algorithm: name, known: ["min_trials_required", "start_step"], &reader)
        return reader.errors.count == errorsBefore ? .median(median) : nil
    }

    // MARK: Budget

    /// The budget as far as it could be read (a count that could not be read keeps its default), for the validator.
    private mutating func readBudget(_ spec: SpecFields, parameters: [ParameterSpec?]?, algorithm: AlgorithmSpec?) -> Budget {
        var budget = Budget(parallelTrials: Self.defaultParallelTrialCount)
        if let node = spec["parallelTrialCount"], let value = reader.integer(node, what: "`parallelTrialCount`") {
            budget.parallelTrials = value
        }
        if let node = spec["maxTrialCount"], let value = reader.integer(node, what: "`maxTrialCount`") {
            budget.maxTrials = value
        } else if spec["maxTrialCount"] == nil {
            let cells = parameters?.reduce(Int?.some(1)) { product, parameter in
                guard let product, let count = parameter?.cardinality else { return nil }
                let (result, overflow) = product.multipliedReportingOverflow(by: count)
                return overflow ? nil : result
            } ?? nil
            if case .grid = algorithm, let cells, cells <= SpecLimits.maximumGridSize {
                budget.maxTrials = cells
            } else {
                reader.warning("`maxTrialCount` is not set: Katib would run until the goal is reached, Augur stops "
                    + "after \(budget.maxTrials) trials; set `maxTrialCount` to choose.",
                    field: spec.owner.path(of: "maxTrialCount"), mark: spec.owner.mark)
            }
        }
        if let node = spec["maxFailedTrialCount"], let value = reader.integer(node, what: "`maxFailedTrialCount`") {
            budget.maxFailedTrials = value
        }
        // Katib's validating webhook refuses more parallel trials than trials, after its defaulting webhook has set
        // an unwritten `parallelTrialCount` to 3. Augur's own format and the wire API cap the parallelism instead;
        // a Katib file keeps Katib's rule, so that a file Augur runs is one Katib would accept.
        if let maxNode = spec["maxTrialCount"], budget.maxTrials >= 1, budget.parallelTrials > budget.maxTrials {
            if let parallelNode = spec["parallelTrialCount"] {
                reader.error("`parallelTrialCount` (\(budget.parallelTrials)) must be at most `maxTrialCount` "
                    + "(\(budget.maxTrials)), as Katib requires; lower it to \(budget.maxTrials) or raise `maxTrialCount`.",
                    at: parallelNode)
            } else {
                reader.error("`maxTrialCount` (\(budget.maxTrials)) is below Katib's default `parallelTrialCount` of "
                    + "\(Self.defaultParallelTrialCount), which Katib refuses; set `parallelTrialCount: "
                    + "\(budget.maxTrials)` or raise `maxTrialCount`.", at: maxNode)
            }
        }
        return budget
    }

    // MARK: Metrics collector

    private mutating func readMetricsCollector(_ node: SpecNode, parallelTrials: Int) -> MetricsCollector? {
        guard let fields = reader.fields(of: node, known: ["collector", "source"], what: "`metricsCollectorSpec`")
        else { return nil }
        let errorsBefore = reader.errors.count
        enum Kind { case standardOutput, file, tensorFlowEvent, unsupported }
        var kind = Kind.standardOutput
        if let collector = fields["collector"],
           let collectorFields = reader.fields(of: collector, known: ["kind", "customCollector"], what: "`collector`"),
           let kindNode = reader.required("kind", in: collectorFields, hint: "write `kind: StdOut` or `kind: File`."),
           let text = reader.string(kindNode, what: "collector `kind`") {
            switch text {
            case "StdOut": kind = .standardOutput
            case "File": kind = .file
            case "TensorFlowEvent": kind = .tensorFlowEvent
            case "None":
                kind = .unsupported
                reader.error("collector `None` means the trial reports metrics itself to Katib's database; Augur must "
                    + "read them from the trial, so use `StdOut` or `File`.", at: kindNode)
            case "Custom":
                kind = .unsupported
                reader.error("the `Custom` metrics collector (a sidecar image that reports to Katib's database) is not "
                    + "supported; Augur reads metrics from the trial's standard output (`StdOut`), from a file it writes "
                    + "(`File`, TEXT or JSON) or from the TensorFlow event files it writes (`TensorFlowEvent`).", at: kindNode)
            case "PrometheusMetric":
                kind = .unsupported
                reader.error("the `\(text)` metrics collector is not supported; Augur reads metrics from the trial's "
                    + "standard output (`StdOut`), from a file it writes (`File`, TEXT or JSON) or from the TensorFlow "
                    + "event files it writes (`TensorFlowEvent`).", at: kindNode)
            default:
                kind = .unsupported
                reader.error("unknown collector kind `\(text)`; use `StdOut`, `File` or `TensorFlowEvent`.", at: kindNode)
            }
            // With `kind: Custom` its refusal already covers the `customCollector` container.
            if let custom = collectorFields.keyNode("customCollector"), text != "Custom" {
                reader.error("`customCollector` belongs to the `Custom` collector, which Augur does not support; remove "
                    + "it.", at: custom)
            }
        }

        var patterns: [(String, SpecNode)] = []
        var path: String?
        var pathNode: SpecNode?
        var isJSON = false
        if let source = fields["source"],
           let sourceFields = reader.fields(of: source, known: ["filter", "fileSystemPath", "httpGet"], what: "`source`") {
            if let httpGet = sourceFields.keyNode("httpGet") {
                reader.error("`httpGet` belongs to the PrometheusMetric collector, which Augur does not support.", at: httpGet)
            }
            if let filter = sourceFields["filter"],
               let filterFields = reader.fields(of: filter, known: ["metricsFormat"], what: "`filter`"),
               let formats = filterFields["metricsFormat"], let list = reader.stringList(formats, what: "`metricsFormat`") {
                patterns = list
                SpecRules.checkPatterns(list, &reader)
            }
            if let fileSystemPath = sourceFields["fileSystemPath"] {
                if kind == .standardOutput {
                    reader.error("`fileSystemPath` is for the `File` collector; set `collector: {kind: File}` or remove it.",
                                 at: fileSystemPath)
                } else if let pathFields = reader.fields(of: fileSystemPath, known: ["path", "kind", "format"],
                                                         what: "`fileSystemPath`") {
                    if let node = pathFields["path"] {
                        path = reader.string(node, what: "`path`")
                        pathNode = node
                    }
                    // Katib's webhook requires `kind: Directory` for TensorFlowEvent and `kind: File` for File.
                    if let node = pathFields["kind"], let text = reader.string(node, what: "`kind`") {
                        switch (kind, text) {
                        case (.tensorFlowEvent, "Directory"), (.file, "File"), (.unsupported, _): break
                        case (.tensorFlowEvent, _):
                            reader.error("`kind: \(text)` does not fit the `TensorFlowEvent` collector, which reads every "
                                + "event file under a directory; write `kind: Directory`.", at: node)
                        default:
                            reader.error("`kind: \(text)` does not fit the `File` collector, which reads one file; write "
                                + "`kind: File` (a directory of event files is for `collector: {kind: TensorFlowEvent}`).",
                                at: node)
                        }
                    }
                    if let node = pathFields["format"], kind == .tensorFlowEvent {
                        reader.error("`format` is for the `File` collector; TensorFlow event files have one format, so "
                            + "remove it.", at: node)
                    } else if let node = pathFields["format"] {
                        isJSON = reader.choice(node, what: "`format`", among: ["TEXT": false, "JSON": true]) ?? false
                        if isJSON, let first = patterns.first {
                            reader.error("`metricsFormat` filters apply to TEXT files; a JSON metrics file is read by "
                                + "its member names, so remove the filter.", at: first.1)
                        }
                    }
                }
            }
        }
        guard reader.errors.count == errorsBefore, kind != .unsupported else { return nil }
        let textFormat = MetricsFormat.text(patterns: patterns.map(\.0))
        switch kind {
        case .standardOutput:
            return MetricsCollector(source: .standardOutput, format: textFormat)
        case .file:
            let file = path ?? Self.defaultMetricsFilePath
            if file.hasPrefix("/"), parallelTrials > 1 {
                reader.warning("all \(parallelTrials) parallel trials write the metrics file `\(file)`; on one machine "
                    + "they overwrite each other. Write a relative path (Augur reads it in each trial's own working "
                    + "directory) or set `parallelTrialCount: 1`.", at: pathNode ?? node)
            }
            return MetricsCollector(source: .file(path: file), format: isJSON ? .json : textFormat)
        case .tensorFlowEvent:
            if let first = patterns.first {
                reader.error("`metricsFormat` filters apply to TEXT files; TensorFlow event files are read by their "
                    + "summary tags, so remove the filter.", at: first.1)
                return nil
            }
            let directory = path ?? Self.defaultTensorFlowEventDirectory
            if directory.hasPrefix("/"), parallelTrials > 1 {
                reader.warning("all \(parallelTrials) parallel trials write their TensorFlow event files under "
                    + "`\(directory)`; on one machine each trial would read the others' events too. Write a relative "
                    + "path (Augur reads it in each trial's own working directory) or set `parallelTrialCount: 1`.",
                    at: pathNode ?? node)
            }
            return MetricsCollector(source: .directory(path: directory), format: .tensorFlowEvent)
        case .unsupported:
            return nil
        }
    }
}

/// Katib's `algorithmSettings`: a list of `{name, value}` with string values, consumed one by one so that the
/// names nobody asked for can be reported.
struct KatibSettings {
    /// The settings list itself (or `nil` when absent).
    let node: SpecNode?
    private var entries: [(name: String, value: String, node: SpecNode, nameNode: SpecNode)] = []

    init(node: SpecNode?, reader: inout SpecReader) {
        self.node = node
        guard let node, let elements = reader.list(node, what: "`algorithmSettings`") else { return }
        for element in elements {
            guard let fields = reader.fields(of: element, known: ["name", "value"], what: "a setting"),
                  let nameNode = reader.required("name", in: fields, hint: "name the setting."),
                  let name = reader.string(nameNode, what: "`name`")
            else { continue }
            if entries.contains(where: { $0.name == name }) {
                reader.error("setting `\(name)` is given twice; keep one.", at: nameNode)
                continue
            }
            guard let valueNode = fields["value"], let value = reader.string(valueNode, what: "the value of `\(name)`")
            else { continue }
            entries.append((name, value, valueNode, nameNode))
        }
    }

    /// Whether the setting `name` is given (and not taken yet).
    func has(_ name: String) -> Bool {
        entries.contains { $0.name == name }
    }

    /// Removes and returns the setting `name`.
    mutating func take(_ name: String) -> (value: String, node: SpecNode)? {
        guard let index = entries.firstIndex(where: { $0.name == name }) else { return nil }
        let entry = entries.remove(at: index)
        return (entry.value, entry.node)
    }

    mutating func integer(_ name: String, atLeast minimum: Int, _ reader: inout SpecReader) -> Int? {
        guard let entry = take(name) else { return nil }
        return reader.integer(entry.node, what: "`\(name)`", atLeast: minimum)
    }

    mutating func seed(_ name: String, _ reader: inout SpecReader) -> UInt64? {
        guard let entry = take(name) else { return nil }
        return readSeed(entry.node, &reader)
    }

    /// Every setting not taken is one this algorithm does not have.
    func reportUnused(algorithm: String, known: [String], _ reader: inout SpecReader) {
        for entry in entries {
            var message = "`\(algorithm)` has no setting `\(entry.name)`"
            if let suggestion = closestName(to: entry.name, among: known) {
                message += "; did you mean `\(suggestion)`?"
            } else if known.isEmpty {
                message += "; it takes no settings, so remove it."
            } else {
                message += "; its settings are " + known.map { "`\($0)`" }.joined(separator: ", ") + "."
            }
            reader.error(message, at: entry.nameNode)
        }
    }
}
