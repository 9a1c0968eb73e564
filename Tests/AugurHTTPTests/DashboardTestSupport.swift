@testable import AugurHTTP
import AugurCore
import AugurService
@testable import AugurStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle
import Testing

/// The stores the HTTP tests run on: SQLite always, PostgreSQL when `AUGUR_TEST_POSTGRES_URL` names a server
/// (`scripts/with-postgres.sh` sets it), each test in a schema of its own.
enum DashboardStores {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let kinds = ["sqlite"] + (postgresURL == nil ? [] : ["postgres"])

    static func make(_ kind: String) throws -> any StudyStore {
        if kind == "sqlite" {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-dashboard-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try SQLiteStudyStore(path: directory.appendingPathComponent("db.sqlite").path)
        }
        let admin = try #require(postgresURL)
        let schema = "t_dashboard_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
        let connection = try PostgresConnection(settings: try PostgresConnectionSettings(admin))
        _ = try connection.run("CREATE SCHEMA \(schema)")
        return try PostgresStudyStore(url: admin + (admin.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)")
    }
}

/// Runs `body` against a real `DashboardServer` on a free loopback port, then shuts it down gracefully.
func withDashboard<Result: Sendable>(
    store: any StudyStore, token: String? = nil,
    _ body: @Sendable (URL, StudyService) async throws -> Result
) async throws -> Result {
    let service = StudyService(store: store, isWorkerGone: { _ in false })
    let server = DashboardServer(service: service, host: "127.0.0.1", port: 0, token: token)
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: Logger(label: "test.dashboard")))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let port = try await server.listeningPort()
            let base = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let result = try await body(base, service)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// A reply as the tests look at it.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object.
    func object() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any], "not a JSON object: \(text)")
    }
}

/// Does not follow redirects, so that tests see them.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

private let session: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpShouldSetCookies = false
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.urlCache = nil
    return URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
}()

/// GETs `path` (with its query) from the server at `base`.
func get(_ base: URL, _ path: String, headers: [String: String] = [:]) async throws -> HTTPReply {
    let url = try #require(URL(string: base.absoluteString + path))
    var request = URLRequest(url: url)
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    return try await withCheckedThrowingContinuation { continuation in
        session.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else if let response = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for case let (name as String, value as String) in response.allHeaderFields { headers[name] = value }
                continuation.resume(returning: HTTPReply(status: response.statusCode, headers: headers, body: data ?? Data()))
            } else {
                continuation.resume(throwing: DashboardError(.internalServerError, "no HTTP response"))
            }
        }.resume()
    }
}

/// A finished study of `count` trials over two parameters, `x` (decides the loss, `(x - 0.3)²`) and `noise` (does
/// not), plus a categorical; each trial reports `steps` intermediate losses. Trial 2 fails and trial 3 is stopped
/// early; the rest complete, so the study ends COMPLETED when its budget is spent.
enum DashboardFixture {
    static func spec(name: String, maxTrials: Int) -> StudySpec {
        StudySpec(
            name: name,
            searchSpace: SearchSpace([
                .double("x", min: 0, max: 1),
                .double("noise", min: 0, max: 1),
                .categorical("optimizer", ["adam", "sgd"]),
            ]),
            objective: Objective(metric: "loss", goal: .minimize, additionalMetrics: [MetricSpec(name: "accuracy", strategy: .latest)]),
            algorithm: .random,
            budget: Budget(maxTrials: maxTrials, parallelTrials: 4),
            seed: 42)
    }

    static func loss(_ trial: Trial) -> Double {
        let x = trial.parameters["x"]?.doubleValue ?? 0
        return (x - 0.3) * (x - 0.3)
    }

    /// Creates and runs the study through the service, as a worker would; returns its trials' final losses by id.
    @discardableResult
    static func runStudy(_ service: StudyService, name: String, trials count: Int, steps: Int = 5, finish: Bool = true) async throws -> [Int: Double] {
        _ = try await service.createStudy(spec(name: name, maxTrials: count))
        var losses: [Int: Double] = [:]
        var done = 0
        while done < count {
            let batch = try await service.suggest(study: name, client: "fixture", count: min(4, count - done)).trials
            if batch.isEmpty { break }
            for trial in batch {
                let final = loss(trial)
                for step in 1...steps {
                    let value = final + 1.0 / Double(step)
                    _ = try await service.addMeasurement(study: name, trial: trial.id, measurement: TrialMeasurement(step: step, metrics: ["loss": value]))
                }
                if !finish && done == count - 1 {
                    done += 1
                    continue
                }
                switch trial.id {
                case 2: _ = try await service.failTrial(study: name, trial: trial.id, reason: "exit status 1: out of memory")
                case 3: _ = try await service.stopTrial(study: name, trial: trial.id, reason: "median rule: loss above the median at step 5")
                default:
                    _ = try await service.completeTrial(study: name, trial: trial.id,
                                                        .measurement(TrialMeasurement(step: steps, metrics: ["loss": final, "accuracy": 1 - final])))
                    losses[trial.id] = final
                }
                done += 1
            }
        }
        return losses
    }
}
