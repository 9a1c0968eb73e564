import ArgumentParser

/// `augur delete STUDY`
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a study with all its trials and measurements.",
        discussion: "Trial directories and logs on disk are left in place.")

    @Argument(help: "The study's name.")
    var study: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let service = try database.openExistingService()
        let counts = try await service.trialCounts(study: study)
        try await service.deleteStudy(study)
        print("deleted study '\(study)' and its \(counts.total) trials")
    }
}
