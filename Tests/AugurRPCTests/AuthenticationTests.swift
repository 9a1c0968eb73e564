@testable import AugurRPC
import AugurService
import AugurStorage
import AugurTestSupport
import GRPCCore
import Testing

@Suite struct AuthenticationTests {
    @Test func callsNeedTheBearerTokenButHealthChecksDoNot() async throws {
        try await withTestServer(store: InMemoryStudyStore(), token: "s3cret-token") { address, _ in
            try await withRawStub(address) { stub, health async throws in
                #expect(await statusCode { try await stub.listStudies(Augur_V1_ListStudiesRequest()) } == .unauthenticated)
                #expect(try await health.check(Grpc_Health_V1_HealthCheckRequest()).status == .serving)
            }
            for wrong in ["Bearer s3cret-tokeN", "Bearer s3cret-token-and-more", "Bearer ", "s3cret-token", "Basic s3cret-token"] {
                try await withRawStub(address) { stub, _ in
                    let metadata: Metadata = ["authorization": .string(wrong)]
                    let code = await statusCode { try await stub.listStudies(Augur_V1_ListStudiesRequest(), metadata: metadata) }
                    #expect(code == .unauthenticated, "\(wrong)")
                }
            }
            // RFC 6750 / 7235: the scheme name is case-insensitive and may be followed by more than one space.
            for right in ["Bearer s3cret-token", "bearer s3cret-token", "BEARER s3cret-token", "bEaReR   s3cret-token"] {
                try await withRawStub(address) { stub, _ in
                    let metadata: Metadata = ["authorization": .string(right)]
                    let code = await statusCode { try await stub.listStudies(Augur_V1_ListStudiesRequest(), metadata: metadata) }
                    #expect(code == nil, "\(right)")
                }
            }
            try await withClient(address, token: "s3cret-token") { client in
                _ = try await client.createStudy(.rpcStudy())
                #expect(try await client.listStudies().count == 1)
            }
            _ = try await withClient(address, token: "wrong") { client in
                await #expect(throws: ServiceError.self) { try await client.listStudies() }
            }
        }
    }
}
