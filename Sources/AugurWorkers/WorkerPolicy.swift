import AugurCore

/// What a worker agrees to run, whoever created the study it is asked to work on.
///
/// Anyone who can call `augur serve` can create a study, or delete one and create it again, with any trial command,
/// and every worker on that study runs it. A worker started with its own spec file (`augur worker --spec`) refuses a
/// study whose trial template or search space differs from the file's (those decide what runs and with which
/// values), so by default it runs only its own spec's command; `--allow-command PREFIX` restricts any worker to
/// commands whose argv starts with one of the prefixes.
public struct WorkerPolicy: Sendable, Hashable {
    /// The worker's own spec (`--spec`), when it has one.
    public var spec: StudySpec?
    /// Argument-vector prefixes a study's command must start with (`--allow-command`); empty: no such restriction.
    public var allowedCommands: [[String]]

    public init(spec: StudySpec? = nil, allowedCommands: [[String]] = []) {
        self.spec = spec
        self.allowedCommands = allowedCommands
    }

    /// `--allow-command` text as an argv prefix: words separated by white space (`python3 train.py` →
    /// `["python3", "train.py"]`); `nil` when it has no word.
    public static func commandPrefix(_ text: String) -> [String]? {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        return words.isEmpty ? nil : words
    }

    /// Environment variables that decide which code a program loads or a shell runs (`LD_PRELOAD`, `PATH`,
    /// `PYTHONPATH`, `BASH_ENV`, …): a study that sets one could make an allowed command run anything, so
    /// `--allow-command` refuses it. (With `--spec` the whole template must be the file's, environment included.)
    static func loadsCode(_ name: String) -> Bool {
        let exact: Set<String> = ["PATH", "ENV", "IFS", "HOME", "ZDOTDIR", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND", "PS4",
                                  "CLASSPATH", "GCONV_PATH", "LOCPATH", "NLSPATH"]
        let prefixes = ["LD_", "DYLD_", "PYTHON", "PERL", "RUBY", "NODE_", "JAVA_", "_JAVA_", "JDK_", "BASH_", "GIT_", "LUA_",
                        "R_", "JULIA_", "CONDA", "VIRTUAL_ENV", "PIP_", "MALLOC_", "GLIBC_", "OPENSSL_", "CUDA_INJECTION"]
        let upper = name.uppercased()
        return exact.contains(upper) || prefixes.contains { upper.hasPrefix($0) }
    }

    /// Why this worker must not run `study`'s trials (sentences naming what differs), or `nil` when it may.
    public func refusal(of study: Study) -> String? {
        var reasons: [String] = []
        if let spec {
            reasons += Self.differences(from: spec, to: study.spec)
        }
        if !allowedCommands.isEmpty, case .command(let command)? = study.spec.trial {
            if !allowedCommands.contains(where: { command.argv.starts(with: $0) }) {
                let allowed = allowedCommands.map { "`\($0.joined(separator: " "))`" }.joined(separator: ", ")
                reasons.append("its command \(Self.quoted(command.argv)) does not start with an allowed prefix (--allow-command \(allowed))")
            }
            let risky = command.environment.keys.filter(Self.loadsCode).sorted()
            if !risky.isEmpty {
                reasons.append("its command sets \(risky.joined(separator: ", ")) in the environment, which decides what code runs; "
                    + "--allow-command refuses that (give the worker the spec with --spec instead)")
            }
        }
        guard !reasons.isEmpty else { return nil }
        return "refusing to run the trials of study '\(study.name)': " + reasons.joined(separator: "; ")
    }

    /// What differs between the worker's spec and the stored one, among the things that decide what runs: the trial
    /// template (command, environment, working directory, timeout, metrics; or the training block) and the search
    /// space (the values substituted into the command). The budget, algorithm and the rest may differ.
    static func differences(from mine: StudySpec, to stored: StudySpec) -> [String] {
        var differences: [String] = []
        switch (mine.trial, stored.trial) {
        case (.command(let own)?, .command(let theirs)?):
            if own.argv != theirs.argv {
                differences.append("its command is \(quoted(theirs.argv)), the spec file's is \(quoted(own.argv))")
            }
            if own.environment != theirs.environment {
                let names = Set(own.environment.keys).union(theirs.environment.keys)
                    .filter { own.environment[$0] != theirs.environment[$0] }.sorted()
                differences.append("its environment differs from the spec file's in \(names.joined(separator: ", "))")
            }
            if own.workingDirectory != theirs.workingDirectory {
                differences.append("its working directory is \(theirs.workingDirectory.map { "`\($0)`" } ?? "the trial's own"), "
                    + "the spec file's is \(own.workingDirectory.map { "`\($0)`" } ?? "the trial's own")")
            }
            if own.timeoutSeconds != theirs.timeoutSeconds || own.metrics != theirs.metrics
                || own.parameterReferences != theirs.parameterReferences {
                differences.append("its trial template's timeout, metrics collection or parameter references differ from the spec file's")
            }
        case (let own, let theirs) where own != theirs:
            differences.append("its trial template (\(describe(theirs))) is not the spec file's (\(describe(own)))")
        default:
            break
        }
        // A parameter's distribution only decides how the server draws values, not which values a trial may get, and
        // studies created over gRPC before the wire carried it were stored uniform: compare names and domains.
        func domains(_ space: SearchSpace) -> [ParameterSpec] {
            space.parameters.map { ParameterSpec(name: $0.name, domain: $0.domain, condition: $0.condition) }
        }
        if domains(mine.searchSpace) != domains(stored.searchSpace) {
            let own = Dictionary(domains(mine.searchSpace).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let theirs = Dictionary(domains(stored.searchSpace).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let names = Set(own.keys).union(theirs.keys).filter { own[$0] != theirs[$0] }.sorted()
            differences.append(names.isEmpty
                ? "its search space lists the parameters in another order than the spec file"
                : "its search space differs from the spec file's in \(names.map { "`\($0)`" }.joined(separator: ", "))")
        }
        return differences
    }

    private static func describe(_ template: TrialTemplate?) -> String {
        switch template {
        case .command(let command)?: "the command \(quoted(command.argv))"
        case .training(let training)?: "a training block on dataset `\(training.dataset)`"
        case nil: "none"
        }
    }

    private static func quoted(_ argv: [String]) -> String {
        "[" + argv.map { String(reflecting: $0) }.joined(separator: ", ") + "]"
    }
}
