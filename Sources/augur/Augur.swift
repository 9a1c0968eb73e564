import ArgumentParser

/// `augur`: hyperparameter tuning from the command line.
@main
struct Augur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur",
        abstract: "Tune hyperparameters: run studies from spec files and query their results.",
        discussion: """
            A study is described by a spec file (Augur YAML or a Katib v1beta1 Experiment; see docs/spec.md). \
            `augur run SPEC` creates the study in a database and runs its trials, or resumes it when it exists. \
            Results stay in the database for `augur studies`, `augur show`, `augur trials` and `augur best`.

            The database is an SQLite file (default ./augur.sqlite, or $AUGUR_DATABASE) or a postgres:// URL.

            Exit status: 0 success; 1 an error (invalid spec, unknown study, database problem); 2 the study \
            FAILED (too many failed trials); 64 a usage error; 130 interrupted by Ctrl-C (the study can be resumed).
            """,
        version: "0.1.0",
        subcommands: [
            RunCommand.self, ValidateCommand.self, StudiesCommand.self, ShowCommand.self, TrialsCommand.self,
            BestCommand.self, DeleteCommand.self, ServeCommand.self, WorkerCommand.self, DashboardCommand.self,
        ]
    )
}
