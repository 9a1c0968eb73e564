/// How a metric line or file is parsed.
public enum MetricsFormat: Sendable, Codable, Hashable {
    /// Text lines matched by regular expressions whose first group is the metric name and second the value
    /// (Katib's TEXT format). An empty list means Katib's default `name=value` pattern.
    case text(patterns: [String])
    /// One JSON object per line; numeric members are metrics, `step`/`epoch` marks an intermediate value.
    case json
    /// TensorFlow event files (`events.out.tfevents.*`, Katib's `TensorFlowEvent` collector): each scalar summary
    /// whose tag names a metric is a value, at the event's step. Read from a `.directory` source.
    case tensorFlowEvent
}

/// Where a command trial's metrics come from.
public enum MetricsSource: Sendable, Codable, Hashable {
    /// The trial's standard output (and standard error).
    case standardOutput
    /// A file the trial writes; a relative path is resolved against the trial's working directory.
    case file(path: String)
    /// A directory the trial writes TensorFlow event files into, searched recursively (Katib's `kind: Directory`);
    /// a relative path is resolved against the trial's working directory.
    case directory(path: String)
}

/// How a command trial's metrics are collected (Katib's `metricsCollectorSpec`).
public struct MetricsCollector: Sendable, Codable, Hashable {
    public var source: MetricsSource
    public var format: MetricsFormat

    public init(source: MetricsSource = .standardOutput, format: MetricsFormat = .text(patterns: [])) {
        self.source = source
        self.format = format
    }
}

/// A trial run as a subprocess: `argv` with `${parameters.NAME}` (Augur) or `${trialParameters.NAME}` (Katib)
/// references substituted, without a shell.
public struct CommandTrial: Sendable, Codable, Hashable {
    public var argv: [String]
    /// Extra environment variables (values may reference parameters too).
    public var environment: [String: String]
    /// The directory each trial runs in; `nil` means a fresh per-trial directory under the run directory.
    public var workingDirectory: String?
    /// Seconds after which a trial is killed and recorded as FAILED.
    public var timeoutSeconds: Double?
    public var metrics: MetricsCollector
    /// Katib `trialParameters`: reference name to the parameter it stands for.
    public var parameterReferences: [String: String]

    public init(argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil, timeoutSeconds: Double? = nil,
                metrics: MetricsCollector = MetricsCollector(), parameterReferences: [String: String] = [:]) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeoutSeconds = timeoutSeconds
        self.metrics = metrics
        self.parameterReferences = parameterReferences
    }
}

/// A trial run by Augur's own training core instead of a command.
public struct TrainingTrial: Sendable, Codable, Hashable {
    /// The dataset: `digits` (shipped with Augur) or a path to a CSV or IDX file.
    public var dataset: String
    /// Epochs each trial trains for at most.
    public var epochs: Int
    /// `auto`, `cpu` or `cuda`.
    public var device: String
    /// Fraction of the data held out for validation.
    public var validationFraction: Double
    /// Hyperparameter name to the study parameter that sets it; hyperparameters not listed keep their defaults
    /// or the constants in `fixed`.
    public var parameterMapping: [String: String]
    /// Hyperparameters set to the same value for every trial.
    public var fixed: [String: String]

    public init(dataset: String = "digits", epochs: Int = 10, device: String = "auto", validationFraction: Double = 0.2,
                parameterMapping: [String: String] = [:], fixed: [String: String] = [:]) {
        self.dataset = dataset
        self.epochs = epochs
        self.device = device
        self.validationFraction = validationFraction
        self.parameterMapping = parameterMapping
        self.fixed = fixed
    }
}

/// What one trial runs.
public enum TrialTemplate: Sendable, Codable, Hashable {
    case command(CommandTrial)
    case training(TrainingTrial)
}
