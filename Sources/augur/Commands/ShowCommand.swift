import ArgumentParser
import AugurCore
import AugurService
import AugurStorage

/// `augur show STUDY`
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Describe one study: its state, objective, algorithm, budget, search space, trial counts and best trial.")

    @Argument(help: "The study's name.")
    var study: String

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Output format: table (a description) or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if format == .csv { throw ValidationError("`augur show` prints a table or json; use `augur trials --format csv` for CSV.") }
    }

    func run() async throws {
        let service = try database.openExistingService()
        let study = try await service.getStudy(self.study)
        let counts = try await service.trialCounts(study: study.name)
        let best = try await service.bestTrials(study: study.name, count: 1).first
        let front = study.spec.objective.isMultiObjective ? try await service.paretoFront(study: study.name) : nil
        if format == .json {
            print(try TrialReport.encode(ShowRecord(study: study, counts: counts,
                                                   best: best.map { TrialRecord($0, objective: study.spec.objective.metric) },
                                                   paretoFront: front.map { ParetoFrontRecord($0, objective: study.spec.objective) })))
            return
        }
        let spec = study.spec
        let objective = spec.objective
        var lines = ["study:      \(spec.name)", "state:      \(study.state.rawValue)" + (study.stateReason.map { " (\($0))" } ?? "")]
        var goal = "\(objective.goal.rawValue) \(objective.metric)"
        if let target = objective.target { goal += ", target \(formatNumber(target))" }
        for further in objective.objectives.dropFirst() { goal += ", \(further.goal.rawValue) \(further.name)" }
        let recorded = objective.additionalMetrics.filter { $0.goal == nil && $0.constraint == nil }
        if !recorded.isEmpty { goal += "; also records \(recorded.map(\.name).joined(separator: ", "))" }
        lines.append("objective:  \(goal)")
        if !objective.constraints.isEmpty {
            lines.append("constraints: " + objective.constraints.map { "\($0.name) \($0.constraint.formula)" }.joined(separator: ", "))
        }
        lines.append("algorithm:  \(spec.algorithm.name), seed \(spec.seed)" + (spec.earlyStopping.map { "; early stopping: \($0.name)" } ?? ""))
        var budget = "\(spec.budget.maxTrials) trials, \(spec.budget.parallelTrials) in parallel"
        if let maxFailed = spec.budget.maxFailedTrials { budget += ", fails after \(maxFailed) failed trials" }
        lines.append("budget:     \(budget)")
        lines.append("trials:     \(counts.completed) completed, \(counts.stopped) stopped, \(counts.failed) failed, "
            + "\(counts.infeasible) infeasible, \(counts.active) running, \(counts.requested) waiting")
        if let front {
            let names = objective.objectives.map(\.name)
            lines.append("front:      \(front.trials.count) trials (Pareto-optimal" + (objective.constraints.isEmpty ? ")" : ", meeting every constraint)"))
            for trial in front.trials {
                lines.append("  trial \(trial.id): " + names.map { "\($0) = \(trial.finalValue(of: $0).map(formatNumber) ?? "-")" }.joined(separator: ", "))
            }
            if let hypervolume = front.hypervolume, let reference = front.referencePoint {
                lines.append("hypervolume: \(formatNumber(hypervolume)) above reference point ("
                    + zip(names, reference).map { "\($0) = \(formatNumber($1))" }.joined(separator: ", ") + ")"
                    + (front.referencePointDerived ? ", derived: the worst feasible value of each objective less a tenth of its range" : ""))
            }
        } else if let best, let value = best.finalValue(of: objective.metric) {
            lines.append("best:       trial \(best.id), \(objective.metric) = \(formatNumber(value)) at "
                + best.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        lines.append("parameters:")
        for parameter in spec.searchSpace.parameters {
            var line = "  \(parameter.name): \(Self.describe(parameter))"
            if let condition = parameter.condition {
                line += "; only when \(condition.parent) is " + condition.values.map(\.description).joined(separator: " or ")
            }
            lines.append(line)
        }
        // Names, values and reasons come from specs and trials: shown, never obeyed, by the terminal.
        print(lines.map(\.escapingControlCharacters).joined(separator: "\n"))
    }

    static func describe(_ parameter: ParameterSpec) -> String {
        switch parameter.domain {
        case let .double(min, max, scale, step):
            "double in [\(formatNumber(min)), \(formatNumber(max))]" + (scale == .linear ? "" : ", \(scale == .log ? "log" : "reverse-log") scale")
                + (step.map { ", step \(formatNumber($0))" } ?? "")
        case let .integer(min, max, step, scale):
            "int in [\(min), \(max)]" + (step == 1 ? "" : ", step \(step)") + (scale == .linear ? "" : ", \(scale == .log ? "log" : "reverse-log") scale")
        case .discrete(let values):
            "one of " + values.map(formatNumber).joined(separator: ", ")
        case .categorical(let values):
            "one of " + values.joined(separator: ", ")
        }
    }
}

/// `augur show --format json`.
struct ShowRecord: Encodable {
    var study: Study
    var counts: TrialCounts
    var best: TrialRecord?
    /// Studies with several objectives only.
    var paretoFront: ParetoFrontRecord?
}

/// The Pareto front in `augur show --format json`.
struct ParetoFrontRecord: Encodable {
    var trials: [TrialRecord]
    var hypervolume: Double?
    var referencePoint: [Double]?
    var referencePointDerived: Bool

    init(_ report: ParetoFrontReport, objective: Objective) {
        trials = report.trials.map { TrialRecord($0, objective: objective.metric) }
        hypervolume = report.hypervolume
        referencePoint = report.referencePoint
        referencePointDerived = report.referencePointDerived
    }
}
