/// Decides whether a study spec is valid: the one place that does, for every door a spec comes in by. The YAML and
/// Katib readers only map syntax and attach `file:line:column` to the problems found here; the wire reader and
/// `StudyService` report them by field path.
///
/// Field paths use the field names of Augur's own format (docs/spec.md): `name`, `objective.metric`,
/// `objective.additionalMetrics[1]`, `parameters[2].max`, `parameters[0].values[3]`, `algorithm.settings.ucbBeta`,
/// `earlyStopping.settings.rungs`, `budget.maxTrials`, `trial.command[1]`, `trial.env.NAME`, `trial.timeout`,
/// `trial.training.epochs`. Every problem is reported, not only the first.
public enum SpecValidator {
    /// Every problem with `spec`, in field order; empty when it is valid.
    public static func problems(of spec: StudySpec) -> [SpecProblem] {
        problems(of: SpecDraft(spec))
    }

    /// Every problem with the parameters of `searchSpace` (names, domains, limits), by field path
    /// (`parameters[2].max`): what every designer relies on, so that a hand-built spec cannot crash one.
    public static func problems(of searchSpace: SearchSpace) -> [SpecProblem] {
        var checks = Checks()
        checks.parameters(searchSpace.parameters)
        return checks.problems
    }

    /// Every problem with the parts of a spec a reader could read; a part that is `nil` is skipped (its reader
    /// reported why), so a file with a syntax error in one place still gets every other problem.
    static func problems(of draft: SpecDraft) -> [SpecProblem] {
        var checks = Checks()
        if let name = draft.name { checks.studyName(name) }
        if let objective = draft.objective { checks.objective(objective) }
        if let parameters = draft.parameters { checks.parameters(parameters) }
        let complete = draft.parameters.flatMap { list in list.allSatisfy { $0 != nil } ? list.compactMap { $0 } : nil }
        if let algorithm = draft.algorithm { checks.algorithm(algorithm, parameters: complete) }
        if let earlyStopping = draft.earlyStopping { checks.earlyStopping(earlyStopping) }
        if let budget = draft.budget { checks.budget(budget) }
        if let trial = draft.trial {
            checks.trial(trial, parameterNames: draft.parameters.map { Set($0.compactMap { $0?.name }) })
        }
        return checks.problems
    }

    /// Why `name` cannot name a study (`what` is "study name", "parameter name", …), or `nil` when it can: 1 to
    /// `SpecLimits.maximumNameLength` letters, digits, `-`, `_` and `.`, and neither `.` nor `..`, so that a name is
    /// safe as a folder name and in a resource name (`studies/{name}`).
    public static func nameProblem(_ name: String, what: String) -> String? {
        if name.isEmpty { return "the \(what) is empty; use letters, digits, `-`, `_` and `.`, e.g. `mnist-lr-sweep`." }
        if name.utf8.count > SpecLimits.maximumNameLength {
            return "the \(what) is \(name.utf8.count) bytes long; names are at most \(SpecLimits.maximumNameLength)."
        }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
        }
        if allowed == false {
            return "\(what) `\(name.excerptForMessage)` may use only letters, digits, `-`, `_` and `.`; for example "
                + "`mnist-lr-sweep`."
        }
        if name == "." || name == ".." {
            return "\(what) `\(name)` is not allowed: `.` and `..` name folders; choose a word, e.g. `mnist-lr-sweep`."
        }
        return nil
    }

    /// Why `name` cannot name a metric, or `nil` when it can: 1 to `SpecLimits.maximumNameLength` bytes, no control
    /// characters, and no white space but plain spaces inside: Katib allows `valid_1 auc` (a name its
    /// filters capture with `(\w+\s\w+)`), so Augur does too, while a name that starts or ends with a space, or holds
    /// a tab or another kind of space, would not read back the same from a table or an output line.
    public static func metricNameProblem(_ name: String) -> String? {
        if name.isEmpty {
            return "the metric name is empty; name the metric as the trial reports it, e.g. `loss`."
        }
        if name.unicodeScalars.contains(where: \.isControlCharacter) {
            return "metric name `\(name.excerptForMessage)` contains a control character; remove it."
        }
        if name.first == " " || name.last == " " {
            return "metric name `\(name.excerptForMessage)` starts or ends with a space; remove it (spaces are "
                + "allowed only between words, as in `valid_1 auc`)."
        }
        if name.unicodeScalars.contains(where: { $0 != " " && $0.properties.isWhitespace }) {
            return "metric name `\(name.excerptForMessage)` contains white space other than a plain space; "
                + "separate words with spaces, as in `valid_1 auc`."
        }
        if name.utf8.count > SpecLimits.maximumNameLength {
            return "metric name `\(name.excerptForMessage)` is \(name.utf8.count) bytes long; names are at most "
                + "\(SpecLimits.maximumNameLength)."
        }
        return nil
    }

    /// Why a text a trial carries (a categorical value, a command argument, an environment value) cannot be kept,
    /// or `nil`: no store can hold a NUL character, and no program can receive one in its arguments.
    public static func textProblem(_ text: String, what: String) -> String? {
        text.utf8.contains(0) ? "\(what) contains a NUL character, which Augur cannot store or pass to a program; remove it." : nil
    }
}

/// The checks themselves, collecting problems as they go.
private struct Checks {
    var problems: [SpecProblem] = []

    mutating func add(_ field: String, _ message: String) {
        problems.append(SpecProblem(location: nil, field: field, message: message))
    }

    mutating func atLeast(_ value: Int, _ minimum: Int, _ field: String, _ name: String) {
        if value < minimum { add(field, "`\(name)` must be at least \(minimum), not \(value).") }
    }

    // MARK: Name and objective

    mutating func studyName(_ name: String) {
        if let problem = SpecValidator.nameProblem(name, what: "study name") { add("name", problem) }
    }

    mutating func objective(_ objective: Objective) {
        if let target = objective.target, target.isFinite == false {
            add("objective.target", "`target` must be a finite number, not \(formatNumber(target)).")
        }
        let names = [("objective.metric", objective.metric)]
            + objective.additionalMetrics.enumerated().map { ("objective.additionalMetrics[\($0)]", $1.name) }
        if names.count > SpecLimits.maximumMetrics {
            add("objective.additionalMetrics", "the study collects \(names.count) metrics; at most "
                + "\(SpecLimits.maximumMetrics) are allowed.")
            return
        }
        var seen: Set<String> = []
        for (field, name) in names {
            if let problem = SpecValidator.metricNameProblem(name) { add(field, problem) }
            if seen.insert(name).inserted == false {
                add(field, "metric `\(name.excerptForMessage)` is listed twice (the objective metric is collected "
                    + "already); list each metric once.")
            }
        }
        for (index, spec) in objective.additionalMetrics.enumerated() {
            let field = "objective.additionalMetrics[\(index)]"
            if spec.goal != nil, spec.constraint != nil {
                add(field, "metric `\(spec.name.excerptForMessage)` has both a goal and a constraint; a metric is either a "
                    + "further objective (`goal`) or an outcome constraint (`atMost`/`atLeast`), not both.")
            }
            if let constraint = spec.constraint, !constraint.threshold.isFinite {
                let key = constraint.bound == .atMost ? "atMost" : "atLeast"
                add("\(field).\(key)", "`\(key)` must be a finite number, not \(formatNumber(constraint.threshold)).")
            }
        }
        let objectives = objective.objectives
        if objectives.count > SpecLimits.maximumObjectives {
            add("objective.additionalMetrics", "the study has \(objectives.count) objectives; at most "
                + "\(SpecLimits.maximumObjectives) are allowed (the Pareto front's hypervolume grows costly beyond).")
        }
        if let point = objective.referencePoint {
            if objectives.count < 2 {
                add("objective.referencePoint", "`referencePoint` is for studies with several objectives; give further "
                    + "objectives a `goal`, or remove it.")
            } else if point.count != objectives.count {
                add("objective.referencePoint", "`referencePoint` has \(point.count) values but the study has "
                    + "\(objectives.count) objectives (\(objectives.map(\.name).joined(separator: ", "))); give one per objective.")
            }
            for (index, value) in point.enumerated() where !value.isFinite {
                add("objective.referencePoint[\(index)]", "a reference value must be a finite number, not \(formatNumber(value)).")
            }
        }
    }

    // MARK: Parameters

    mutating func parameters(_ parameters: [ParameterSpec?]) {
        if parameters.isEmpty {
            add("parameters", "`parameters` is empty; list at least one parameter to search.")
            return
        }
        if parameters.count > SpecLimits.maximumParameters {
            add("parameters", "`parameters` has \(parameters.count) entries; at most \(SpecLimits.maximumParameters) "
                + "are allowed.")
            return
        }
        var firstIndex: [String: Int] = [:]
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else { continue }
            let field = "parameters[\(index)]"
            if let problem = SpecValidator.nameProblem(parameter.name, what: "parameter name") {
                add("\(field).name", problem)
            }
            if let first = firstIndex[parameter.name] {
                let conditional = parameter.condition != nil || parameters[first]?.condition != nil
                add("\(field).name", "parameter `\(parameter.name.excerptForMessage)` is defined twice (first as "
                    + "`parameters[\(first)]`); give each parameter its own name"
                    + (conditional ? " (conditional parameters too: one under two parents is two parameters, e.g. "
                        + "`lr_sgd` and `lr_adam`)." : "."))
            } else {
                firstIndex[parameter.name] = index
            }
            domain(parameter.domain, field: field)
            if parameter.distribution != .uniform {
                switch parameter.domain {
                case .double, .integer: break
                case .discrete, .categorical:
                    add("\(field).distribution", "a \(parameter.typeName) parameter is drawn from its list with equal "
                        + "chances; only double and int parameters can have a `\(parameter.distribution.rawValue)` "
                        + "distribution.")
                }
            }
        }
        conditions(parameters)
    }

    /// Every condition names a parameter listed once that is categorical, discrete or int, lists values that parent
    /// can take, and the parents never lead back to the parameter (no cycle). Field paths are those of Augur's
    /// format: `parameters[3].when.optimizer` and `parameters[3].when.optimizer[1]` for the second value.
    private mutating func conditions(_ parameters: [ParameterSpec?]) {
        var byName: [String: ParameterSpec] = [:]
        for case let parameter? in parameters where byName[parameter.name] == nil { byName[parameter.name] = parameter }
        // A parameter that could not be read has no name to look up: do not call its children orphans.
        let allRead = parameters.allSatisfy { $0 != nil }
        for (index, parameter) in parameters.enumerated() {
            guard let parameter, let condition = parameter.condition else { continue }
            let field = "parameters[\(index)].when.\(condition.parent)"
            let name = parameter.name.excerptForMessage
            guard let parent = byName[condition.parent] else {
                if allRead {
                    add(field, "parameter `\(name)` depends on `\(condition.parent.excerptForMessage)`, which is not a "
                        + "parameter of the study; name a categorical, discrete or int parameter listed in `parameters`.")
                }
                continue
            }
            if parent.name == parameter.name {
                add(field, "parameter `\(name)` depends on itself; a condition names another parameter.")
                continue
            }
            if case .double = parent.domain {
                add(field, "parameter `\(name)` depends on double parameter `\(parent.name.excerptForMessage)`; only "
                    + "categorical, discrete and int parameters can be parents (make it discrete with a list of values).")
                continue
            }
            if condition.values.isEmpty {
                add(field, "the condition of parameter `\(name)` lists no values of `\(parent.name.excerptForMessage)`; "
                    + "list at least one, e.g. `when: {\(parent.name): [\(parent.gridValue(at: 0)?.description ?? "…")]}`.")
            }
            var seen: Set<Int> = []
            for (position, value) in condition.values.enumerated() {
                guard let gridIndex = parent.gridIndex(of: value) else {
                    add("\(field)[\(position)]", "`\(value.description.excerptForMessage)` is not a value of "
                        + "\(parent.typeName) parameter `\(parent.name.excerptForMessage)`, so parameter `\(name)` "
                        + "could never exist under it; list values `\(parent.name.excerptForMessage)` can take.")
                    continue
                }
                if seen.insert(gridIndex).inserted == false {
                    add("\(field)[\(position)]", "the value `\(value.description.excerptForMessage)` is listed twice; "
                        + "list each value once.")
                }
            }
            // Follow the parents up; coming back to this parameter is a cycle (reported for each of its members).
            var visited: Set<String> = [parameter.name]
            var next = parent
            while let up = next.condition {
                if up.parent == parameter.name {
                    add(field, "parameter `\(name)` depends on itself through its parents (`\(name)` → "
                        + "`\(parent.name.excerptForMessage)` → … → `\(name)`); conditions must form a tree.")
                    break
                }
                guard visited.insert(next.name).inserted, let above = byName[up.parent] else { break }
                next = above
            }
        }
    }

    private mutating func domain(_ domain: ParameterSpec.Domain, field: String) {
        switch domain {
        case let .double(low, high, scale, step):
            doubleDomain(low, high, scale, step, field: field)
        case let .integer(low, high, step, scale):
            var fits = true
            for (value, key) in [(low, "min"), (high, "max")]
                where value > SpecLimits.largestExactInteger || value < -SpecLimits.largestExactInteger {
                add("\(field).\(key)", "\(value) is too large for an int parameter; keep `min` and `max` within "
                    + "±\(SpecLimits.largestExactInteger).")
                fits = false
            }
            if step < 1 { add("\(field).step", "`step` of an int parameter must be at least 1, not \(step).") }
            if fits { order(Double(low), Double(high), scale, field: field) }
        case .discrete(let values):
            guard valueCount(values.count, field: field) else { return }
            var seen: Set<Double> = []
            for (index, value) in values.enumerated() {
                if value.isFinite == false {
                    add("\(field).values[\(index)]", "a value of a discrete parameter must be a finite number, not "
                        + "\(formatNumber(value)).")
                } else if seen.insert(value).inserted == false {
                    add("\(field).values[\(index)]", "the value \(formatNumber(value)) is listed twice; list each value once.")
                }
            }
        case .categorical(let values):
            guard valueCount(values.count, field: field) else { return }
            var seen: Set<String> = []
            for (index, value) in values.enumerated() {
                if value.isEmpty {
                    add("\(field).values[\(index)]", "a categorical value must not be empty; write a word such as `adam`.")
                } else if let problem = SpecValidator.textProblem(value, what: "the value `\(value.excerptForMessage)`") {
                    add("\(field).values[\(index)]", problem)
                } else if seen.insert(value).inserted == false {
                    add("\(field).values[\(index)]", "the value `\(value.excerptForMessage)` is listed twice; list each "
                        + "value once.")
                }
            }
        }
    }

    private mutating func doubleDomain(_ low: Double, _ high: Double, _ scale: ScaleType, _ step: Double?, field: String) {
        var stepIsValid = true
        if let step, step.isFinite == false || step <= 0 {
            add("\(field).step", "`step` must be greater than 0, not \(formatNumber(step)).")
            stepIsValid = false
        }
        var finite = true
        for (value, key) in [(low, "min"), (high, "max")] where value.isFinite == false {
            add("\(field).\(key)", "`\(key)` must be a finite number, not \(formatNumber(value)).")
            finite = false
        }
        guard finite, order(low, high, scale, field: field) else { return }
        guard (high - low).isFinite else {
            add("\(field).max", "the range from `min` to `max` is too wide to search; keep both within ±1e307.")
            return
        }
        if let step, stepIsValid, (high - low) / step > SpecLimits.maximumStepCount {
            add("\(field).step", "`step` \(formatNumber(step)) cuts the range into more than "
                + "\(formatNumber(SpecLimits.maximumStepCount)) values; use a larger step, or leave `step` out to search "
                + "the range continuously.")
        }
    }

    /// `min < max`, and `min > 0` on a log scale.
    @discardableResult
    private mutating func order(_ low: Double, _ high: Double, _ scale: ScaleType, field: String) -> Bool {
        var valid = true
        if low >= high {
            add("\(field).max", "`max` (\(formatNumber(high))) must be greater than `min` (\(formatNumber(low))); for a "
                + "single fixed value write it into the command instead of searching it.")
            valid = false
        }
        if scale.isLogarithmic, low <= 0 {
            add("\(field).min", "a \(scale == .log ? "log" : "reverse-log")-scaled parameter needs `min` greater than 0 "
                + "(log of \(formatNumber(low)) is undefined); raise `min` or use linear scale.")
            valid = false
        }
        return valid
    }

    private mutating func valueCount(_ count: Int, field: String) -> Bool {
        if count == 0 {
            add("\(field).values", "`values` is empty; list at least one value.")
            return false
        }
        if count > SpecLimits.maximumValuesPerParameter {
            add("\(field).values", "`values` has \(count) entries; at most \(SpecLimits.maximumValuesPerParameter) are "
                + "allowed.")
            return false
        }
        return true
    }

    // MARK: Algorithm, early stopping, budget

    mutating func algorithm(_ algorithm: AlgorithmSpec, parameters: [ParameterSpec]?) {
        switch algorithm {
        case .random, .quasiRandom:
            break
        case .grid:
            if let parameters { grid(parameters) }
        case .gaussianProcess(let settings):
            atLeast(settings.initialTrials, 1, "algorithm.settings.initialTrials", "initialTrials")
            if settings.ucbBeta.isFinite == false || settings.ucbBeta <= 0 {
                add("algorithm.settings.ucbBeta", "`ucbBeta` must be greater than 0 (it weighs exploration), not "
                    + "\(formatNumber(settings.ucbBeta)).")
            }
        case .treeParzen(let settings):
            atLeast(settings.startupTrials, 0, "algorithm.settings.startupTrials", "startupTrials")
            atLeast(settings.candidates, 1, "algorithm.settings.candidates", "candidates")
            if !(settings.gamma > 0 && settings.gamma <= 1) {
                add("algorithm.settings.gamma", "`gamma` is the fraction of trials counted as good and must be in "
                    + "(0, 1], not \(formatNumber(settings.gamma)).")
            }
            if !(settings.priorWeight.isFinite && settings.priorWeight >= 0) {
                add("algorithm.settings.priorWeight", "`priorWeight` must be 0 or more, not "
                    + "\(formatNumber(settings.priorWeight)).")
            }
        case .cmaes(let settings):
            if let sigma = settings.sigma, !(sigma.isFinite && sigma > 0) {
                add("algorithm.settings.sigma", "`sigma` is the initial step size in the unit cube and must be greater "
                    + "than 0 (the default is 1/6), not \(formatNumber(sigma)).")
            }
        case .populationBased(let settings):
            populationBased(settings)
        }
    }

    private mutating func populationBased(_ settings: PopulationBasedTrainingSettings) {
        if settings.population < 2 || settings.population > SpecLimits.maximumPopulation {
            add("algorithm.settings.population", "`population` is the number of members per generation and must be "
                + "between 2 and \(SpecLimits.maximumPopulation), not \(settings.population).")
        }
        if !(settings.truncationThreshold > 0 && settings.truncationThreshold <= 0.5) {
            add("algorithm.settings.truncationThreshold", "`truncationThreshold` is the fraction of each generation "
                + "replaced by copies of its best members and must be in (0, 0.5], not "
                + "\(formatNumber(settings.truncationThreshold)).")
        }
        if let probability = settings.resampleProbability, !(probability >= 0 && probability <= 1) {
            add("algorithm.settings.resampleProbability", "`resampleProbability` must be between 0 and 1, not "
                + "\(formatNumber(probability)); leave it out to perturb values by 0.8 or 1.2 instead.")
        }
        if let path = settings.checkpointPath,
           path.isEmpty || path.utf8.count > SpecLimits.maximumPathLength || path.contains("\u{0}") {
            add("algorithm.settings.checkpointPath", "`checkpointPath` must be a non-empty path of at most "
                + "\(SpecLimits.maximumPathLength) bytes without NUL characters.")
        }
    }

    /// A grid needs every parameter to have finitely many values, and not too many cells: one per assignment of the
    /// parameters that exist, so a conditional child counts only under the parent values that admit it.
    private mutating func grid(_ parameters: [ParameterSpec]) {
        var finite = true
        for (index, parameter) in parameters.enumerated() where parameter.cardinality == nil {
            finite = false
            if case .double(_, _, _, nil) = parameter.domain {
                add("parameters[\(index)]", "grid search needs a `step` for double parameter "
                    + "`\(parameter.name.excerptForMessage)` (for example `step: 0.1`), or make it discrete with a "
                    + "list of values.")
            }
        }
        // A tree the conditions' own checks refuse (missing parent, cycle) has no count; those errors say why.
        guard let cells = SearchSpace(parameters).gridCellCount else { return }
        guard finite, cells > SpecLimits.maximumGridSize else { return }
        let size = cells == Int.max ? "more than \(Int.max)" : "\(cells)"
        add("algorithm", "the grid has \(size) points, more than the \(SpecLimits.maximumGridSize) Augur allows; use "
            + "larger steps, fewer values, or a random or quasi-random search.")
    }

    mutating func earlyStopping(_ earlyStopping: EarlyStoppingSpec) {
        let field = "earlyStopping.settings"
        switch earlyStopping {
        case .median(let settings):
            atLeast(settings.minTrialsRequired, 1, "\(field).minTrialsRequired", "minTrialsRequired")
            atLeast(settings.startStep, 0, "\(field).startStep", "startStep")
        case .successiveHalving(let settings):
            atLeast(settings.minResource, 1, "\(field).minResource", "minResource")
            atLeast(settings.reductionFactor, 2, "\(field).reductionFactor", "reductionFactor")
            atLeast(settings.rungs, 1, "\(field).rungs", "rungs")
            if settings.rungs > SpecLimits.maximumRungs {
                add("\(field).rungs", "`rungs` must be at most \(SpecLimits.maximumRungs), not \(settings.rungs).")
            }
        case .hyperband(let settings):
            atLeast(settings.minResource, 1, "\(field).minResource", "minResource")
            atLeast(settings.eta, 2, "\(field).eta", "eta")
            if settings.minResource >= 1, settings.maxResource <= settings.minResource {
                add("\(field).maxResource", "`maxResource` (\(settings.maxResource)) must be greater than `minResource` "
                    + "(\(settings.minResource)).")
            }
        }
    }

    mutating func budget(_ budget: Budget) {
        atLeast(budget.maxTrials, 1, "budget.maxTrials", "maxTrials")
        atLeast(budget.parallelTrials, 1, "budget.parallelTrials", "parallelTrials")
        if let maxFailed = budget.maxFailedTrials { atLeast(maxFailed, 0, "budget.maxFailedTrials", "maxFailedTrials") }
    }

    // MARK: Trial

    mutating func trial(_ trial: TrialTemplate, parameterNames: Set<String>?) {
        switch trial {
        case .command(let command): self.command(command)
        case .training(let training): self.training(training, parameterNames: parameterNames)
        }
    }

    private mutating func command(_ command: CommandTrial) {
        if command.argv.isEmpty {
            add("trial.command", "`command` is empty; give the program and its arguments.")
        } else if command.argv[0].isEmpty {
            add("trial.command[0]", "the program to run is empty; give its name or path.")
        }
        for (index, argument) in command.argv.enumerated() {
            if let problem = SpecValidator.textProblem(argument, what: "argument \(index) of `command`") {
                add("trial.command[\(index)]", problem)
            }
        }
        for key in command.environment.keys.sorted() {
            let field = "trial.env.\(key)"
            if isEnvironmentName(key) == false {
                add(field, "`\(key.excerptForMessage)` is not a valid environment variable name; use letters, digits "
                    + "and `_`, not starting with a digit.")
            } else if let value = command.environment[key],
                      let problem = SpecValidator.textProblem(value, what: "the value of `\(key)`") {
                add(field, problem)
            }
        }
        for name in command.parameterReferences.keys.sorted() {
            guard case .text(let text)? = command.reference(named: name),
                  let problem = SpecValidator.textProblem(text, what: "the value of trial parameter `\(name)`") else { continue }
            add("trial.parameterReferences.\(name)", problem)
        }
        if let directory = command.workingDirectory,
           let problem = SpecValidator.textProblem(directory, what: "`workingDirectory`") {
            add("trial.workingDirectory", problem)
        }
        switch (command.metrics.source, command.metrics.format) {
        case (.directory, .tensorFlowEvent), (.standardOutput, .text), (.standardOutput, .json), (.file, .text), (.file, .json):
            break
        case (.directory, _):
            add("trial.metrics.format", "a metrics directory is read as TensorFlow event files; set the format to "
                + "TensorFlow events, or read a single file instead.")
        case (_, .tensorFlowEvent):
            add("trial.metrics.source", "TensorFlow event files are read from a directory the trial writes them into; "
                + "give that directory as the metrics source.")
        }
        if let timeout = command.timeoutSeconds, timeout.isFinite == false || timeout <= 0 {
            add("trial.timeout", "`timeout` must be a positive number of seconds (`90`) or a duration like `90s`, `5m` "
                + "or `1h30m`, not \(formatNumber(timeout)).")
        }
    }

    private func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.numericType == nil else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || $0.properties.numericType != nil)
        }
    }

    private mutating func training(_ training: TrainingTrial, parameterNames: Set<String>?) {
        let field = "trial.training"
        atLeast(training.epochs, 1, "\(field).epochs", "epochs")
        if ["auto", "cpu", "cuda"].contains(training.device) == false {
            add("\(field).device", "`device` `\(training.device.excerptForMessage)` is not one of `auto`, `cpu`, `cuda`.")
        }
        if (training.validationFraction > 0 && training.validationFraction < 1) == false {
            add("\(field).validationFraction", "`validationFraction` must be between 0 and 1 (exclusive), e.g. `0.2`, "
                + "not \(formatNumber(training.validationFraction)).")
        }
        for hyperparameter in training.parameterMapping.keys.sorted() {
            guard let parameter = training.parameterMapping[hyperparameter], let parameterNames,
                  parameterNames.contains(parameter) == false else { continue }
            var message = "`\(parameter.excerptForMessage)` is not a parameter of this study"
            if let suggestion = closestName(to: parameter, among: Array(parameterNames)) {
                message += "; did you mean `\(suggestion)`?"
            } else {
                message += "; map each training hyperparameter to one of: "
                    + parameterNames.sorted().map { "`\($0)`" }.joined(separator: ", ") + "."
            }
            add("\(field).parameters.\(hyperparameter)", message)
        }
        for hyperparameter in training.fixed.keys.sorted() where training.parameterMapping[hyperparameter] != nil {
            add("\(field).fixed.\(hyperparameter)", "`\(hyperparameter)` is both searched (in `parameters`) and fixed; "
                + "keep one.")
        }
    }
}

extension StudySpec {
    /// Every problem with this spec, keyed by field path; empty when it is valid. See `SpecValidator`.
    public func problems() -> [SpecProblem] {
        SpecValidator.problems(of: self)
    }
}
