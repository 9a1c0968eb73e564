@testable import AugurHTTP
import Foundation
import Testing

/// The token rule of the gRPC API, for HTTP: a Bearer header, or a cookie a browser gets from `?token=` once.
@Suite struct DashboardAuthenticationTests {
    static let token = "s3cret-token"

    @Test(arguments: DashboardStores.kinds)
    func requestsWithoutTheTokenAreRefused(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind), token: Self.token) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 2)
            let none = try await get(base, "/api/v1/studies")
            #expect(none.status == 401)
            #expect((try none.object()["error"] as? [String: Any])?["message"] as? String != nil)
            #expect((try await get(base, "/api/v1/studies", headers: ["Authorization": "Bearer wrong"])).status == 401)
            #expect((try await get(base, "/api/v1/studies", headers: ["Authorization": "Basic \(Self.token)"])).status == 401)
            #expect((try await get(base, "/", headers: ["Cookie": "augur_token=wrong"])).status == 401)
            #expect((try await get(base, "/studies/s?token=wrong")).status == 401)
            #expect((try await get(base, "/healthz")).status == 200)
        }
    }

    @Test func theBearerHeaderOrTheCookieLetsRequestsThrough() async throws {
        try await withDashboard(store: try DashboardStores.make("sqlite"), token: Self.token) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 2)
            #expect((try await get(base, "/api/v1/studies", headers: ["Authorization": "bearer  \(Self.token)"])).status == 200)

            let login = try await get(base, "/studies/s?sort=id&token=\(Self.token)")
            #expect(login.status == 303)
            #expect(login.header("Location") == "/studies/s?sort=id")
            let cookie = try #require(login.header("Set-Cookie"))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            let pair = try #require(cookie.split(separator: ";").first.map(String.init))
            #expect((try await get(base, "/studies/s", headers: ["Cookie": pair])).status == 200)
            #expect((try await get(base, "/api/v1/studies/s/history", headers: ["Cookie": pair])).status == 200)
        }
    }
}
