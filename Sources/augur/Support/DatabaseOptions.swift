import ArgumentParser
import AugurService
import AugurStorage
import Foundation

/// `--database`, shared by every command that opens a study database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "The study database: an SQLite file path or a postgres:// URL.",
            discussion: "Defaults to $AUGUR_DATABASE, else ./augur.sqlite in the current directory.",
            valueName: "file|url"))
    var database: String?

    /// The location in force.
    var location: String {
        if let database { return database }
        if let fromEnvironment = ProcessInfo.processInfo.environment["AUGUR_DATABASE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "augur.sqlite"
    }

    /// Whether the location names a PostgreSQL server rather than a file.
    var isURL: Bool {
        let lowered = location.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Opens the store and the service over it.
    func openService() throws -> StudyService {
        StudyService(store: try StudyStores.open(location))
    }

    /// Opens the store for a query; a missing SQLite file is an error rather than a new empty database.
    func openExistingService() throws -> StudyService {
        if !isURL, location != ":memory:", !FileManager.default.fileExists(atPath: (location as NSString).expandingTildeInPath) {
            throw CLIError("no database at \(location); run `augur run SPEC` first or pass --database")
        }
        return try openService()
    }
}
