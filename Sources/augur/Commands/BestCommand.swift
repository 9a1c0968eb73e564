import ArgumentParser

/// `augur best STUDY`
struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "best",
        abstract: "Show a study's best completed trials, best first.")

    @Argument(help: "The study's name.")
    var study: String

    @OptionGroup var database: DatabaseOptions

    @Option(name: .short, help: "How many trials to show.")
    var n: Int = 1

    @Option(help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if n < 1 { throw ValidationError("-n must be at least 1.") }
    }

    func run() async throws {
        let service = try database.openExistingService()
        let study = try await service.getStudy(self.study)
        let best = try await service.bestTrials(study: study.name, count: n)
        if best.isEmpty, format == .table {
            print("study '\(study.name)' has no completed trial yet")
            return
        }
        print(try TrialReport(spec: study.spec, trials: best).render(format))
    }
}
