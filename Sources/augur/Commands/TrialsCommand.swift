import ArgumentParser
import AugurCore
import AugurStorage

/// `augur trials STUDY`
struct TrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trials",
        abstract: "List a study's trials with their state, final metrics and parameters.",
        discussion: """
            Trials are listed in creation order unless --sort names a metric: the objective sorts best first \
            (by the study's goal), any other metric ascending unless --descending is given; trials without the \
            metric come last.
            """)

    @Argument(help: "The study's name.")
    var study: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, parsing: .upToNextOption,
            help: ArgumentHelp("Only trials in these states (requested, active, completed, stopped, failed, infeasible).", valueName: "state"))
    var state: [String] = []

    @Option(help: ArgumentHelp("Sort by a metric's final value.", valueName: "metric"))
    var sort: String?

    @Flag(help: "With --sort on a metric other than the objective, largest first.")
    var descending = false

    @Option(help: "Show at most this many trials.")
    var limit: Int?

    @Option(help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    @Flag(name: [.short, .long], help: "Also show each trial's metadata (for the GP: why it was suggested, with the predicted mean and standard deviation).")
    var verbose = false

    func validate() throws {
        for name in state where TrialState(userText: name) == nil {
            throw ValidationError("'\(name)' is not a trial state; use requested, active, completed, stopped, failed or infeasible.")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() async throws {
        let service = try database.openExistingService()
        let study = try await service.getStudy(self.study)
        let states = state.isEmpty ? nil : Set(state.compactMap(TrialState.init(userText:)))
        let order: TrialQuery.Order
        switch sort {
        case nil, "id"?: order = .id
        case let metric? where metric == study.spec.objective.metric: order = .objective
        case let metric?: order = .metric(metric, descending ? .maximize : .minimize)
        }
        let trials = try await service.trials(study: study.name, query: TrialQuery(states: states, order: order, limit: limit, includeMeasurements: false))
        let metadata = verbose ? try await service.metadata(study: study.name) : nil
        print(try TrialReport(spec: study.spec, trials: trials, metadata: metadata).render(format))
    }
}
