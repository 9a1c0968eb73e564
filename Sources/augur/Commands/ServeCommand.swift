import ArgumentParser
import AugurHTTP
import AugurRPC
import AugurService
import AugurVizier
import GRPCCore
import AugurStorage
import AugurWorkers
import Foundation
import Logging
import ServiceLifecycle

/// `augur serve`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the suggestion API (gRPC augur.v1.AugurService and OSS Vizier's vizier.VizierService) over a study database.",
        discussion: """
            Clients in any language create studies, ask for trials (SuggestTrials with a client id), report \
            measurements and complete trials; `augur worker` is such a client. docs/api.md describes the API.

            The same port serves OSS Vizier's API (vizier.VizierService and google.longrunning.Operations), so \
            Vizier's own Python client works unchanged: `clients.environment_variables.server_endpoint = \
            "HOST:PORT"`. That client sends no token: with --token-file, give it a listener of its own with \
            --vizier-listen (loopback, or a trusted network with --insecure; see docs/api.md).

            The server keeps no state of its own: several `augur serve` processes may share one database \
            (PostgreSQL for several machines), behind a load balancer or not.

            A trial handed to a client is leased to it for --lease-seconds; measurements and heartbeats renew the \
            lease. When a lease lapses (its worker died), the trial goes to the next client that asks, as a retry.

            With --token-file every call but health checks needs `authorization: Bearer <token>` metadata. Whoever \
            can call the server decides what its workers run (a study names its trial command), so it refuses to \
            listen on an address other machines can reach (anything but 127.0.0.1, ::1 or localhost) without \
            --token-file, unless you say --insecure. There is no TLS: see docs/deployment.md.

            SIGTERM or Ctrl-C stops gracefully: no new calls are accepted and running ones finish.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Where to listen (port 0 picks a free port and prints it).", valueName: "host:port"))
    var listen: String = "127.0.0.1:50051"

    @Option(help: ArgumentHelp("A file whose first line is the bearer token clients must send.", valueName: "file"))
    var tokenFile: String?

    @Flag(help: "Listen on an address other machines can reach without --token-file: anyone who can reach it can make the workers run any command.")
    var insecure = false

    @Option(help: ArgumentHelp(
        "Also serve Vizier's API alone, without the token check, on this address (for Vizier's client, which sends no token).",
        valueName: "host:port"))
    var vizierListen: String?

    @Option(help: ArgumentHelp(
        "Also serve the web dashboard and its JSON API (as `augur dashboard`) on this address, with the same token.",
        valueName: "host:port"))
    var http: String?

    @Option(help: "Seconds a trial stays leased to its client without a measurement or heartbeat.")
    var leaseSeconds: Double = 120

    @Option(help: "How often a trial abandoned by its worker runs again before it fails.")
    var retryLimit: Int = 3

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if ListenAddress(listen) == nil {
            throw ValidationError("--listen must look like HOST:PORT (for example 127.0.0.1:50051 or [::]:50051), got `\(listen)`.")
        }
        if let address = ListenAddress(listen), !address.isLoopback, tokenFile == nil, !insecure {
            throw ValidationError("""
                --listen \(listen) accepts calls from other machines, and anyone who can call augur serve can make its \
                workers run any command. Require a token: `augur serve --listen \(listen) --token-file FILE` (and \
                `augur worker --token-file FILE` on each worker), or listen on 127.0.0.1 only; if every machine that \
                can reach this address is trusted, add --insecure.
                """)
        }
        if let vizierListen {
            guard let address = ListenAddress(vizierListen) else {
                throw ValidationError("--vizier-listen must look like HOST:PORT (for example 127.0.0.1:50052), got `\(vizierListen)`.")
            }
            if !address.isLoopback, !insecure {
                throw ValidationError("""
                    --vizier-listen \(vizierListen) accepts calls from other machines without a token (Vizier's client \
                    sends none). Listen on 127.0.0.1 and put an authenticating proxy in front (docs/api.md), or, if \
                    every machine that can reach this address is trusted, add --insecure.
                    """)
            }
        }
        if let http {
            try DashboardListen.validate(http, option: "--http", tokenFile: tokenFile, insecure: insecure)
        }
        if !(leaseSeconds.isFinite && leaseSeconds > 0) { throw ValidationError("--lease-seconds must be a positive number.") }
        if retryLimit < 0 { throw ValidationError("--retry-limit must not be negative.") }
    }

    func run() async throws {
        AugurServer.runConcurrencyOnEventLoops()
        let console = Console()
        logging.bootstrap(console: console)
        let logger = Logger(label: "augur.serve")
        guard let address = ListenAddress(listen) else { throw ExitCode.validationFailure }
        let token = try tokenFile.map(TokenFile.read)
        if token == nil, !address.isLoopback {
            logger.warning("--insecure: anyone who can reach \(address) can create studies and make the workers run any command")
        }

        // CreateStudy refuses a training study whose hyperparameter names the training core does not know, as
        // `augur validate` does, rather than letting every trial fail.
        let service = StudyService(store: try StudyStores.open(database.location), leaseDuration: leaseSeconds,
                                   retryLimit: retryLimit, checkSpec: trainingSpecProblems, logger: logger)
        let vizier: [any RegistrableRPCService] = [VizierRPCService(service: service), VizierOperationsService(service: service)]
        let server = AugurServer(service: service, address: address, token: token, additionalServices: vizier, logger: logger)
        // The address is announced once bound; the announcement is not a service of its own lifetime.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: AddressAnnouncement(server: server, line: { bound in
                "augur serve: listening on \(bound) (database \(database.location)\(token != nil ? ", token required" : ""))"
            }), successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let vizierAddress = vizierListen.flatMap(ListenAddress.init) {
            if !vizierAddress.isLoopback {
                logger.warning("--insecure: anyone who can reach \(vizierAddress) can use the Vizier API without a token")
            }
            let vizierServer = AugurServer(service: service, address: vizierAddress, additionalServices: vizier, servesAugurAPI: false,
                                           logger: logger)
            services += [
                .init(service: vizierServer, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: AddressAnnouncement(server: vizierServer, line: { bound in
                    "augur serve: Vizier API listening on \(bound) (no token)"
                }), successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup),
            ]
        }
        if let httpAddress = http.flatMap(ListenAddress.init) {
            let dashboard = DashboardServer(service: service, host: httpAddress.host, port: httpAddress.port, token: token, logger: logger)
            services += DashboardListen.services(dashboard, address: httpAddress, line: { bound in
                "augur serve: dashboard listening on http://\(bound)/\(token != nil ? " (token required)" : "")"
            })
        }
        try await runServices(services, logger: logger)
        logger.info("stopped")
    }
}

/// Prints `augur serve: listening on HOST:PORT …` on standard output once the server is bound; scripts and tests
/// read that line to learn the port.
private struct AddressAnnouncement: Service {
    let server: AugurServer
    let line: @Sendable (ListenAddress) -> String

    func run() async throws {
        let bound = try await server.listeningAddress()
        FileHandle.standardOutput.write(Data((line(bound) + "\n").utf8))
    }
}
