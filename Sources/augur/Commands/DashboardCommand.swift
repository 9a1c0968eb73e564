import ArgumentParser
import AugurHTTP
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import Logging
import ServiceLifecycle

/// `augur dashboard`
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the web dashboard and its JSON API (/api/v1/) over a study database.",
        discussion: """
            Open http://HOST:PORT/ in a browser: every study with its progress and best value; a study's page shows \
            its optimization history, parameter importance, parallel coordinates, slice plots, learning curves and \
            a trial table, and updates itself while the study runs. The pages only read the database: run studies \
            with `augur run` or `augur serve` beside it. docs/dashboard.md describes the pages and the API.

            With --token-file every request but /healthz needs `Authorization: Bearer <token>`; a browser opens \
            any page once with ?token=<token>, which sets a cookie. Without a token the dashboard refuses to listen \
            on an address other machines can reach (anything but 127.0.0.1, ::1 or localhost) unless you say \
            --insecure. There is no TLS: see docs/deployment.md.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Where to listen (port 0 picks a free port and prints it).", valueName: "host:port"))
    var listen: String = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("A file whose first line is the bearer token requests must carry.", valueName: "file"))
    var tokenFile: String?

    @Flag(help: "Listen on an address other machines can reach without --token-file: anyone who can reach it can read every study.")
    var insecure = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try DashboardListen.validate(listen, option: "--listen", tokenFile: tokenFile, insecure: insecure)
    }

    func run() async throws {
        let console = Console()
        logging.bootstrap(console: console)
        let logger = Logger(label: "augur.dashboard")
        guard let address = ListenAddress(listen) else { throw ExitCode.validationFailure }
        let token = try tokenFile.map(TokenFile.read)
        if token == nil, !address.isLoopback {
            logger.warning("--insecure: anyone who can reach \(address) can read every study")
        }
        let service = StudyService(store: try StudyStores.open(database.location), logger: logger)
        let dashboard = DashboardServer(service: service, host: address.host, port: address.port, token: token, logger: logger)
        try await runServices(DashboardListen.services(dashboard, address: address, line: { bound in
            "augur dashboard: listening on http://\(bound)/ (database \(database.location)\(token != nil ? ", token required" : ""))"
        }), logger: logger)
        logger.info("stopped")
    }
}

/// What `augur dashboard --listen` and `augur serve --http` share: the address check and the services to run.
enum DashboardListen {
    static func validate(_ text: String, option: String, tokenFile: String?, insecure: Bool) throws {
        guard let address = ListenAddress(text) else {
            throw ValidationError("\(option) must look like HOST:PORT (for example 127.0.0.1:8080 or [::]:8080), got `\(text)`.")
        }
        if !address.isLoopback, tokenFile == nil, !insecure {
            throw ValidationError("""
                \(option) \(text) accepts requests from other machines, and anyone who can reach the dashboard can read \
                every study (and their trial commands). Require a token with --token-file FILE, or listen on \
                127.0.0.1 only; if every machine that can reach this address is trusted, add --insecure.
                """)
        }
    }

    /// The dashboard and the line announcing its address once bound.
    static func services(_ dashboard: DashboardServer, address: ListenAddress,
                         line: @escaping @Sendable (ListenAddress) -> String) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        [
            .init(service: dashboard, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: DashboardAnnouncement(dashboard: dashboard, host: address.host, line: line),
                  successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
    }
}

/// Prints the dashboard's address on standard output once it is bound; scripts and tests read that line for the port.
private struct DashboardAnnouncement: Service {
    let dashboard: DashboardServer
    let host: String
    let line: @Sendable (ListenAddress) -> String

    func run() async throws {
        let port = try await dashboard.listeningPort()
        FileHandle.standardOutput.write(Data((line(ListenAddress(host: host, port: port)) + "\n").utf8))
    }
}
