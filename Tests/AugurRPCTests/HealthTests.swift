import AugurRPC
import AugurStorage
import AugurTestSupport
import GRPCCore
import Testing

@Suite struct HealthTests {
    @Test func healthServiceAnswersForTheServerAndTheAPI() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { _, health in
                #expect(try await health.check(.with { $0.service = "" }).status == .serving)
                #expect(try await health.check(.with { $0.service = "augur.v1.AugurService" }).status == .serving)
                #expect(await statusCode { try await health.check(.with { $0.service = "other.Service" }) } == .notFound)
                let first = try await health.watch(.with { $0.service = "" }) { response in
                    for try await message in response.messages { return message.status }
                    return Grpc_Health_V1_HealthCheckResponse.ServingStatus.unknown
                }
                #expect(first == .serving)
            }
            try await withClient(address) { client async throws in
                #expect(try await client.checkHealth() == .serving)
            }
        }
    }

    @Test func statusChangesReachWatchers() async throws {
        let health = HealthService()
        #expect(health.status == .serving)
        health.setStatus(.notServing)
        #expect(health.status == .notServing)
    }
}
