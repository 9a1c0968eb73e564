import AugurCore
import Foundation
import Hummingbird

/// With a token, lets a request through only when it carries it, as the gRPC API does: an
/// `Authorization: Bearer <token>` header (scripts), or the `augur_token` cookie (browsers). A browser gets the cookie
/// by opening any page once with `?token=<token>`: the reply sets the cookie (HttpOnly, SameSite=Strict) and redirects
/// to the same address without the token, so it does not stay in the address bar or history. `/healthz` is exempt.
///
/// The comparison takes the same time wherever the tokens differ.
struct TokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let cookieName = "augur_token"

    private let expected: BearerToken?

    init(token: String?) {
        expected = token.map(BearerToken.init)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let expected, request.uri.path != "/healthz" else { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            guard let presented = BearerToken.credentials(ofAuthorization: header), expected.matches(presented) else {
                throw DashboardError(.unauthorized, "the bearer token is wrong or the Authorization header is not `Bearer <token>`")
            }
            return try await next(request, context)
        }
        if let query = request.uri.queryParameters["token"] {
            guard expected.matches(Array(query.utf8)) else {
                throw DashboardError(.unauthorized, "the token in the address is wrong")
            }
            let cookieValue = expected.text
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Response(status: .seeOther, headers: [
                .location: Self.addressWithoutToken(request),
                .setCookie: "\(Self.cookieName)=\(cookieValue); Path=/; HttpOnly; SameSite=Strict",
                .cacheControl: "no-store",
            ])
        }
        if let cookie = request.cookies[Self.cookieName]?.value {
            let presented = Array((cookie.removingPercentEncoding ?? cookie).utf8)
            guard expected.matches(presented) else {
                throw DashboardError(.unauthorized, "the augur_token cookie holds a wrong token; open the page again with ?token=<token>")
            }
            return try await next(request, context)
        }
        throw DashboardError(.unauthorized,
                             "this dashboard needs a token: send `Authorization: Bearer <token>`, or open the page once with ?token=<token> (it is then kept in a cookie)")
    }

    /// The request's path and query without the `token` parameter.
    static func addressWithoutToken(_ request: Request) -> String {
        let kept = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("token=") && $0 != "token" }
        return request.uri.path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
    }
}
