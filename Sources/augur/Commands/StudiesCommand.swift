import ArgumentParser
import AugurCore
import AugurStorage

/// `augur studies`
struct StudiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studies",
        abstract: "List the studies in the database with their state, progress and best value.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    func run() async throws {
        let summaries = try await database.openExistingService().listStudies()
        switch format {
        case .table:
            var table = TextTable(header: ["NAME", "STATE", "DONE", "RUNNING", "FAILED", "BEST", "REASON"])
            for summary in summaries {
                let objective = summary.study.spec.objective
                table.append([
                    summary.study.name, summary.study.state.rawValue,
                    "\(summary.counts.ended)/\(summary.study.spec.budget.maxTrials)", String(summary.counts.active),
                    String(summary.counts.failed), summary.bestValue.map { "\(objective.metric)=\(formatNumber($0))" } ?? "-",
                    summary.study.stateReason ?? "",
                ])
            }
            print(summaries.isEmpty ? "no studies yet; start one with `augur run SPEC`" : table.render())
        case .csv:
            var lines = [CSV.line(["name", "state", "objective", "goal", "max_trials", "requested", "active", "completed",
                                   "stopped", "failed", "infeasible", "best", "reason"])]
            for summary in summaries {
                let counts = summary.counts
                let spec = summary.study.spec
                lines.append(CSV.line([
                    spec.name, summary.study.state.rawValue, spec.objective.metric, spec.objective.goal.rawValue,
                    String(spec.budget.maxTrials), String(counts.requested), String(counts.active), String(counts.completed),
                    String(counts.stopped), String(counts.failed), String(counts.infeasible),
                    summary.bestValue.map(formatNumber) ?? "", summary.study.stateReason ?? "",
                ]))
            }
            print(lines.joined(separator: "\n"))
        case .json:
            print(try TrialReport.encode(summaries.map(StudyRecord.init)))
        }
    }
}

/// One study in `augur studies --format json`.
struct StudyRecord: Encodable {
    var name: String
    var state: String
    var reason: String?
    var objective: String
    var goal: String
    var maxTrials: Int
    var counts: TrialCounts
    var best: Double?

    init(_ summary: StudySummary) {
        name = summary.study.name
        state = summary.study.state.rawValue
        reason = summary.study.stateReason
        objective = summary.study.spec.objective.metric
        goal = summary.study.spec.objective.goal.rawValue
        maxTrials = summary.study.spec.budget.maxTrials
        counts = summary.counts
        best = summary.bestValue
    }

    private enum CodingKeys: String, CodingKey {
        case name, state, reason, objective, goal, maxTrials, counts, best
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(reason, forKey: .reason)
        try container.encode(objective, forKey: .objective)
        try container.encode(goal, forKey: .goal)
        try container.encode(maxTrials, forKey: .maxTrials)
        try container.encode(counts, forKey: .counts)
        try container.encode(best, forKey: .best)
    }
}
