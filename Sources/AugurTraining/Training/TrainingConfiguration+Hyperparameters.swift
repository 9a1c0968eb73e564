import Foundation

extension TrainingConfiguration {
    /// The accepted hyperparameter names (canonical spelling) with a one-line description each.
    public static let hyperparameterNames: [(name: String, summary: String)] = [
        ("learningRate", "base learning rate, > 0 (alias: lr)"),
        ("batchSize", "samples per step, integer ≥ 1"),
        ("width", "units per hidden layer, integer ≥ 1 (with depth)"),
        ("depth", "number of hidden layers, integer ≥ 0 (with width)"),
        ("hiddenLayers", "explicit widths, e.g. 256,128 (instead of width/depth)"),
        ("activation", "relu | tanh | gelu | sigmoid"),
        ("dropout", "drop probability of hidden units, [0, 1)"),
        ("optimizer", "sgd | adam | adamw"),
        ("momentum", "SGD momentum, [0, 1)"),
        ("nesterov", "true | false (SGD only)"),
        ("weightDecay", "L2 / decoupled decay on weights, ≥ 0 (alias: wd)"),
        ("beta1", "Adam first-moment decay, [0, 1)"),
        ("beta2", "Adam second-moment decay, [0, 1)"),
        ("epsilon", "Adam epsilon, > 0"),
        ("schedule", "constant | step | cosine"),
        ("stepEpochs", "epochs between decays of the step schedule, integer ≥ 1"),
        ("stepGamma", "decay factor of the step schedule, > 0"),
        ("warmupEpochs", "epochs of linear warm-up, ≥ 0"),
        ("epochs", "passes over the training data, integer ≥ 1"),
        ("seed", "non-negative integer seed"),
        ("validationFraction", "held-out fraction, (0, 1)"),
        ("device", "auto | cpu | cuda | cuda:N"),
        ("initialization", "auto | he | xavier"),
        ("threads", "OpenBLAS threads for the CPU backend, 0 = leave as is"),
    ]

    private static let aliases: [String: String] = [
        "lr": "learningRate", "wd": "weightDecay", "hiddenunits": "width", "hiddensize": "width", "units": "width",
        "layers": "depth", "numlayers": "depth", "opt": "optimizer",
    ]

    /// The canonical name for `name`: case, `_` and `-` are ignored (`learning_rate`, `LearningRate`), and the
    /// aliases `lr`, `wd`, `hidden_units`/`hidden_size`/`units` (width), `layers`/`num_layers` (depth) and `opt` are
    /// accepted. `nil` for an unknown name.
    public static func canonicalHyperparameterName(_ name: String) -> String? {
        let folded = name.lowercased().filter { $0 != "_" && $0 != "-" }
        if let alias = aliases[folded] { return alias }
        return hyperparameterNames.first { $0.name.lowercased() == folded }?.name
    }

    /// A configuration from text values (for example a trial's parameters mapped to hyperparameter names), applied
    /// over `base`. Every name and value is checked; all problems are reported together.
    ///
    /// `width` and `depth` together define equal hidden layers (one alone keeps the other from `base`);
    /// `hiddenLayers` gives explicit widths (`256,128`, or empty for none) and cannot be combined with them.
    /// Integers may be written as `128` or `128.0` (what a numeric search space may produce).
    ///
    /// - Throws: ``TrainingError/invalidHyperparameters(_:)`` listing every unknown name and bad value.
    public init(hyperparameters: [String: String], base: TrainingConfiguration = TrainingConfiguration()) throws(TrainingError) {
        self = base
        var problems: [HyperparameterProblem] = []
        var width: Int?
        var depth: Int?
        var explicitLayers: [Int]?
        var scheduleName: String?
        var stepEpochs: Int?
        var stepGamma: Double?
        if case .step(let every, let gamma) = base.schedule {
            stepEpochs = every
            stepGamma = gamma
        }

        for (name, rawValue) in hyperparameters.sorted(by: { $0.key < $1.key }) {
            let value = rawValue.trimmingCharacters(in: .whitespaces)
            func fail(_ message: String) {
                problems.append(HyperparameterProblem(name: name, value: rawValue, message: message))
            }
            func number() -> Double? {
                guard let parsed = Double(value), parsed.isFinite else {
                    fail("is not a number.")
                    return nil
                }
                return parsed
            }
            func integer() -> Int? {
                guard let parsed = Double(value), parsed.isFinite, parsed == parsed.rounded(), abs(parsed) < 1e15 else {
                    fail("is not an integer.")
                    return nil
                }
                return Int(parsed)
            }
            func choice<Choice: RawRepresentable & CaseIterable>(_ type: Choice.Type) -> Choice? where Choice.RawValue == String {
                if let match = Choice(rawValue: value.lowercased()) { return match }
                fail("must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")).")
                return nil
            }
            guard let canonical = Self.canonicalHyperparameterName(name) else {
                problems.append(HyperparameterProblem(
                    name: name, value: nil,
                    message: "is not a hyperparameter of the training core; known names: "
                        + Self.hyperparameterNames.map(\.name).joined(separator: ", ") + "."))
                continue
            }
            switch canonical {
            case "learningRate": if let parsed = number() { learningRate = parsed }
            case "batchSize": if let parsed = integer() { batchSize = parsed }
            case "width": if let parsed = integer() { width = parsed }
            case "depth": if let parsed = integer() { depth = parsed }
            case "hiddenLayers":
                let parts = value.split(whereSeparator: { ",; x".contains($0) })
                let widths = parts.compactMap { Int($0) }
                if widths.count == parts.count {
                    explicitLayers = widths
                } else {
                    fail("must list layer widths as integers separated by commas, e.g. 256,128.")
                }
            case "activation": if let parsed = choice(Activation.self) { activation = parsed }
            case "dropout": if let parsed = number() { dropout = parsed }
            case "optimizer": if let parsed = choice(OptimizerKind.self) { optimizer = parsed }
            case "momentum": if let parsed = number() { momentum = parsed }
            case "nesterov":
                switch value.lowercased() {
                case "true", "yes", "on", "1": nesterov = true
                case "false", "no", "off", "0": nesterov = false
                default: fail("must be true or false.")
                }
            case "weightDecay": if let parsed = number() { weightDecay = parsed }
            case "beta1": if let parsed = number() { beta1 = parsed }
            case "beta2": if let parsed = number() { beta2 = parsed }
            case "epsilon": if let parsed = number() { epsilon = parsed }
            case "schedule":
                if ["constant", "step", "cosine"].contains(value.lowercased()) {
                    scheduleName = value.lowercased()
                } else {
                    fail("must be one of constant, step, cosine.")
                }
            case "stepEpochs": if let parsed = integer() { stepEpochs = parsed }
            case "stepGamma": if let parsed = number() { stepGamma = parsed }
            case "warmupEpochs": if let parsed = number() { warmupEpochs = parsed }
            case "epochs": if let parsed = integer() { epochs = parsed }
            case "seed":
                if let parsed = UInt64(value) ?? (Double(value).flatMap { $0 >= 0 && $0 == $0.rounded() && $0 < 1.8e19 ? UInt64($0) : nil }) {
                    seed = parsed
                } else {
                    fail("must be a non-negative integer.")
                }
            case "validationFraction": if let parsed = number() { validationFraction = parsed }
            case "device":
                do {
                    device = try ComputeDevice(parsing: value)
                } catch {
                    fail("must be auto, cpu, cuda or cuda:N.")
                }
            case "initialization": if let parsed = choice(WeightInitialization.self) { initialization = parsed }
            case "threads": if let parsed = integer() { threads = parsed }
            default: break
            }
        }

        if let explicitLayers {
            if width != nil || depth != nil {
                problems.append(HyperparameterProblem(
                    name: "hiddenLayers", value: hyperparameters.first { Self.canonicalHyperparameterName($0.key) == "hiddenLayers" }?.value,
                    message: "cannot be combined with width or depth; give either hiddenLayers or width and depth."))
            }
            hiddenLayers = explicitLayers
        } else if width != nil || depth != nil {
            let resolvedWidth = width ?? base.hiddenLayers.first ?? 128
            let resolvedDepth = depth ?? base.hiddenLayers.count
            if resolvedDepth < 0 || resolvedDepth > 64 {
                problems.append(HyperparameterProblem(
                    name: "depth", value: String(resolvedDepth), message: "must be an integer from 0 to 64."))
            } else if resolvedWidth < 1 || resolvedWidth > 65536 {
                problems.append(HyperparameterProblem(
                    name: "width", value: String(resolvedWidth), message: "must be an integer from 1 to 65536."))
            } else {
                hiddenLayers = Self.hiddenLayers(width: resolvedWidth, depth: resolvedDepth)
            }
        }

        switch scheduleName {
        case "constant": schedule = .constant
        case "cosine": schedule = .cosine
        case "step": schedule = .step(everyEpochs: stepEpochs ?? 10, gamma: stepGamma ?? 0.1)
        default:
            if case .step = schedule, stepEpochs != nil || stepGamma != nil {
                schedule = .step(everyEpochs: stepEpochs ?? 10, gamma: stepGamma ?? 0.1)
            }
        }

        // Range checks on the assembled configuration; names already reported as unparsable are not repeated.
        let reported = Set(problems.compactMap { Self.canonicalHyperparameterName($0.name) })
        problems += self.problems().filter { !reported.contains($0.name) }
        guard problems.isEmpty else { throw .invalidHyperparameters(problems) }
    }
}
