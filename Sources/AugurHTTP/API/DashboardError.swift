import AugurService
import Foundation
import Hummingbird

/// Why a dashboard request was refused, with the HTTP status it maps to. API requests get `{"error": {...}}`; pages
/// get an HTML page with the same sentence.
public struct DashboardError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// One sentence for a human: what was wrong and what to do.
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A bad query parameter (400): which one, what it was, and what it may be.
    public static func badParameter(_ name: String, _ value: some StringProtocol, expected: String) -> DashboardError {
        DashboardError(.badRequest, "the query parameter \(name)=\(value) is not valid: \(expected)")
    }

    /// The status a service refusal maps to: bad input 400, unknown study or trial 404, a database that cannot be
    /// reached (or was lost) 503, anything else 500.
    public init(_ error: ServiceError) {
        switch error.kind {
        case .invalidArgument: self.init(.badRequest, error.message)
        case .notFound: self.init(.notFound, error.message)
        case .alreadyExists, .failedPrecondition: self.init(.conflict, error.message)
        case .unavailable, .dataLoss:
            self.init(.serviceUnavailable, "the study database is unavailable (\(error.message)); the dashboard retries on the next request")
        case .internalError: self.init(.internalServerError, error.message)
        }
    }

    public var description: String { message }

    /// The JSON body of an API error: `{"error": {"status": 404, "message": "…"}}`.
    func jsonBody() -> ByteBuffer {
        struct Body: Encodable {
            struct Detail: Encodable {
                var status: Int
                var reason: String
                var message: String
            }
            var error: Detail
        }
        let body = Body(error: .init(status: status.code, reason: status.reasonPhrase, message: message))
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"error":{"message":"unencodable error"}}"#.utf8)
        return ByteBuffer(bytes: data)
    }
}

extension DashboardError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        if request.uri.path.hasPrefix("/api/") {
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: jsonBody()))
        }
        let page = HTMLPages.errorPage(status: status, message: message)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }
}
