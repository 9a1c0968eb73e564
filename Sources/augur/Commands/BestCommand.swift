import ArgumentParser

/// `augur best STUDY`
struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Show a study's best completed trials, best first (with several objectives: its Pareto front).",
        discussion: """
            Trials that violate an outcome constraint never count. A study with several objectives shows its Pareto \
            front (the completed trials no other trial beats in every objective), ordered by the first objective; -n \
            limits it.
            """)

    @Argument(help: "The study's name.")
    var study: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .short, help: "How many trials to show (default 1, or the whole Pareto front with several objectives).")
    var n: Int?

    @Option(help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if let n, n < 1 { throw ValidationError("-n must be at least 1.") }
    }

    func run() async throws {
        let service = try database.openExistingService()
        let study = try await service.getStudy(self.study)
        let best = study.spec.objective.isMultiObjective
            ? Array(try await service.paretoFront(study: study.name).trials.prefix(n ?? Int.max))
            : try await service.bestTrials(study: study.name, count: n ?? 1)
        if best.isEmpty, format == .table {
            print("study '\(study.name)' has no completed trial yet")
            return
        }
        print(try TrialReport(spec: study.spec, trials: best).render(format))
    }
}
