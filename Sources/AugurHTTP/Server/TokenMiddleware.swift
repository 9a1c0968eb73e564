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

    private let expected: [UInt8]?

    init(token: String?) {
        expected = token.map { Array($0.trimmingCharacters(in: .whitespacesAndNewlines).utf8) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let expected, request.uri.path != "/healthz" else { return try await next(request, context) }
        if let header = request.headers[.authorization] {
            guard let presented = Self.bearerCredentials(header), Self.constantTimeEquals(presented, expected) else {
                throw DashboardError(.unauthorized, "the bearer token is wrong or the Authorization header is not `Bearer <token>`")
            }
            return try await next(request, context)
        }
        if let query = request.uri.queryParameters["token"] {
            guard Self.constantTimeEquals(Array(query.utf8), expected) else {
                throw DashboardError(.unauthorized, "the token in the address is wrong")
            }
            let cookieValue = String(decoding: expected, as: UTF8.self)
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Response(status: .seeOther, headers: [
                .location: Self.addressWithoutToken(request),
                .setCookie: "\(Self.cookieName)=\(cookieValue); Path=/; HttpOnly; SameSite=Strict",
                .cacheControl: "no-store",
            ])
        }
        if let cookie = request.cookies[Self.cookieName]?.value {
            let presented = Array((cookie.removingPercentEncoding ?? cookie).utf8)
            guard Self.constantTimeEquals(presented, expected) else {
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

    /// The credentials of an `Authorization` value in the Bearer scheme (case-insensitive scheme, RFC 6750).
    static func bearerCredentials(_ header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " ") else { return nil }
        for (byte, expected) in zip(bytes, scheme) where byte | 0x20 != expected {
            return nil
        }
        return Array(bytes[scheme.count...].drop { $0 == UInt8(ascii: " ") })
    }

    /// Whether `a` equals `b`, looking at every byte of the longer one whatever the contents.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
