import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import Foundation
import Testing

/// What a stranger who can reach `augur serve` can do.
@Suite(.serialized, .enabled(if: augurExecutable != nil, "build the augur executable first (swift build)"))
struct WorkerSecurityTests {
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(arguments: ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"])
    func serveRefusesAnAddressOtherMachinesReachWithoutAToken(listen: String) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ChildProcess(try #require(augurExecutable),
                                      ["serve", "--database", directory.appendingPathComponent("db.sqlite").path, "--listen", listen],
                                      directory: directory)
        #expect(try await server.exitStatus(within: 60) == 64)
        let output = server.output.text
        #expect(output.contains("--listen \(listen) accepts calls from other machines"), "\(output)")
        #expect(output.contains("--token-file FILE"), "\(output)")
        #expect(output.contains("add --insecure"), "\(output)")
        #expect(!output.contains("listening on"))
    }

    @Test(arguments: ["127.0.0.1:50051", "127.1.2.3:1", "localhost:0", "[::1]:0"])
    func loopbackAddressesAreLoopback(text: String) throws {
        #expect(try #require(ListenAddress(text)).isLoopback)
    }

    @Test(arguments: ["0.0.0.0:50051", "[::]:0", "10.0.0.1:1", "augur.example:1", "127.0.0:1", "[::ffff:127.0.0.1]:1"])
    func otherAddressesAreNot(text: String) throws {
        let address = try #require(ListenAddress(text))
        #expect(!address.isLoopback)
    }
}
