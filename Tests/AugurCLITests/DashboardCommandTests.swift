import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `augur dashboard` and `augur serve --http` as a user runs them.
@Suite struct DashboardCommandTests {
    /// The port of the first line of standard output that starts with `prefix` (`… http://127.0.0.1:PORT/ …`).
    static func port(in output: String, after prefix: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
              let range = line.range(of: "http://127.0.0.1:") else { return nil }
        return Int(String(line[range.upperBound...].prefix { $0.isNumber }))
    }

    static func status(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession(configuration: .ephemeral).data(from: try #require(URL(string: url)))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func aReachableAddressWithoutATokenIsRefused() async throws {
        let directory = try makeTemporaryDirectory()
        let dashboard = try await AugurProcess.run(["dashboard", "--database", "db.sqlite", "--listen", "0.0.0.0:8080"], in: directory)
        #expect(dashboard.status == 64)
        #expect(dashboard.standardError.contains("--token-file"))
        #expect(dashboard.standardError.contains("--insecure"))
        let serve = try await AugurProcess.run(["serve", "--database", "db.sqlite", "--http", "0.0.0.0:8080"], in: directory)
        #expect(serve.status == 64)
        #expect(serve.standardError.contains("--http 0.0.0.0:8080"))
    }

    @Test(arguments: [
        (["dashboard", "--listen", "127.0.0.1:0"], "augur dashboard: listening on "),
        (["serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"], "augur serve: dashboard listening on "),
    ])
    func theDashboardAnswersAndStopsOnSIGTERM(arguments: [String], prefix: String) async throws {
        let directory = try makeTemporaryDirectory()
        let process = try AugurProcess(arguments + ["--database", "db.sqlite"], in: directory)
        let stdout = URL(fileURLWithPath: directory)
        var port: Int?
        try await waitUntil("the dashboard prints its address") {
            let files = try FileManager.default.contentsOfDirectory(atPath: stdout.path).filter { $0.hasPrefix("stdout-") }
            let text = files.compactMap { try? String(contentsOfFile: stdout.appendingPathComponent($0).path, encoding: .utf8) }.joined()
            port = Self.port(in: text, after: prefix)
            return port != nil || !process.process.isRunning
        }
        let bound = try #require(port, "no address line: \(process.standardErrorSoFar)")
        let (health, _) = try await Self.status("http://127.0.0.1:\(bound)/healthz")
        #expect(health == 200)
        let (studies, body) = try await Self.status("http://127.0.0.1:\(bound)/api/v1/studies")
        #expect(studies == 200)
        #expect(body == #"{"studies":[]}"#)
        kill(process.process.processIdentifier, SIGTERM)
        let output = await process.finish()
        #expect(output.status == 0)
    }
}
