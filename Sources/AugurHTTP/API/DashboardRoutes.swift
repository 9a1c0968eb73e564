import AugurCore
import AugurService
import AugurStorage
import Foundation
import Hummingbird

/// Builds the router: the JSON API under /api/v1/, the HTML pages, the static files and a health check.
enum DashboardRoutes {
    static func router(service: StudyService, token: String?) -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(TokenMiddleware(token: token))
        let reader = DashboardReader(service: service)

        router.get("/healthz") { _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n"))) }

        // MARK: API
        router.get("/api/v1/studies") { request, _ in
            try json(try await reader.studies(), request: request)
        }
        router.get("/api/v1/studies/:study") { request, context in
            try json(try await reader.study(try context.parameters.require("study")), request: request)
        }
        router.get("/api/v1/studies/:study/trials") { request, context in
            let name = try context.parameters.require("study")
            let query = QueryParameters(request: request)
            let spec = try await specOf(name, reader: reader)
            let pageSize = try query.integer("page_size", default: 50, in: 1...1_000)
            return try json(try await reader.trialPage(name, states: try query.states(), order: try query.trialOrder(for: spec),
                                                       pageSize: pageSize, offset: try query.pageOffset()), request: request)
        }
        router.get("/api/v1/studies/:study/trials/:trial") { request, context in
            let name = try context.parameters.require("study")
            let text = try context.parameters.require("trial")
            guard let id = Int(text), id >= 0 else {
                throw DashboardError(.badRequest, "the trial id `\(text)` is not a non-negative integer")
            }
            return try json(try await reader.trial(name, id: id), request: request)
        }
        router.get("/api/v1/studies/:study/export") { request, context in
            let name = try context.parameters.require("study")
            let query = QueryParameters(request: request)
            let format = query.string("format") ?? "csv"
            guard format == "csv" || format == "json" else { throw DashboardError.badParameter("format", format, expected: "csv or json") }
            let spec = try await specOf(name, reader: reader)
            let (study, trials) = try await reader.allTrials(name, states: try query.states(), order: try query.trialOrder(for: spec))
            let body: ByteBuffer
            if format == "csv" {
                body = ByteBuffer(string: TrialTable.csv(trials, spec: study.spec))
            } else {
                body = ByteBuffer(bytes: try encoder.encode(trials.map { TrialJSON($0, objective: spec.objective.metric) }))
            }
            let file = name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
            return Response(status: .ok, headers: [
                .contentType: format == "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(file.isEmpty ? "study" : file)-trials.\(format)\"",
            ], body: ResponseBody(byteBuffer: body))
        }
        router.get("/api/v1/studies/:study/history") { request, context in
            let query = QueryParameters(request: request)
            let maxPoints = try query.integer("max_points", default: DashboardReader.defaultHistoryPoints,
                                              in: 2...DashboardReader.historyPointsLimit)
            let name = try context.parameters.require("study")
            return try await cachedJSON(reader: reader, study: name, request: request) { try await reader.history(name, maxPoints: maxPoints) }
        }
        router.get("/api/v1/studies/:study/importance") { request, context in
            let quantile = try QueryParameters(request: request).number("quantile", default: 0.1, in: 0.01...0.5)
            let name = try context.parameters.require("study")
            return try await cachedJSON(reader: reader, study: name, request: request) { try await reader.importance(name, quantile: quantile) }
        }
        router.get("/api/v1/studies/:study/intermediate") { request, context in
            let query = QueryParameters(request: request)
            let maxTrials = try query.integer("max_trials", default: 50, in: 1...500)
            let maxSteps = try query.integer("max_steps", default: 100, in: 2...1_000)
            let name = try context.parameters.require("study")
            return try await cachedJSON(reader: reader, study: name, request: request) {
                try await reader.intermediate(name, maxTrials: maxTrials, maxSteps: maxSteps)
            }
        }

        // MARK: Pages
        router.get("/") { _, _ in html(HTMLPages.studiesPage()) }
        router.get("/studies/:study") { _, context in
            let name = try context.parameters.require("study")
            _ = try await specOf(name, reader: reader)
            return html(HTMLPages.studyPage(study: name))
        }
        router.get("/studies/:study/trials/:trial") { _, context in
            let name = try context.parameters.require("study")
            let text = try context.parameters.require("trial")
            guard let id = Int(text), id >= 0 else { throw DashboardError(.badRequest, "the trial id `\(text)` is not a non-negative integer") }
            _ = try await reader.trial(name, id: id)
            return html(HTMLPages.trialPage(study: name, trial: id))
        }
        router.get("/static/:file") { _, context in
            let file = try context.parameters.require("file")
            guard let asset = StaticAssets.asset(named: file) else { throw DashboardError(.notFound, "no static file named `\(file)`") }
            return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.data)))
        }
        return router
    }

    private static func specOf(_ name: String, reader: DashboardReader) async throws(DashboardError) -> StudySpec {
        do {
            return try await reader.service.getStudy(name).spec
        } catch {
            throw DashboardError(error)
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()

    /// An analysis reply, from `reader.analysisCache` when the study has not changed since it was made.
    static func cachedJSON(reader: DashboardReader, study: String, request: Request,
                           make: () async throws -> some Encodable) async throws -> Response {
        let key = try await reader.analysisCacheKey(study, request: request.uri.path + "?" + (request.uri.query ?? ""))
        if let key, let data = reader.analysisCache[key] { return jsonResponse(data, request: request) }
        let data = try encoder.encode(try await make())
        if let key { reader.analysisCache.set(data, for: key) }
        return jsonResponse(data, request: request)
    }

    /// A JSON reply with an `ETag` of its bytes; a request whose `If-None-Match` names it gets 304 and no body, so
    /// that pages polling a study cost little while nothing changes.
    static func json(_ value: some Encodable, request: Request) throws -> Response {
        jsonResponse(try encoder.encode(value), request: request)
    }

    static func jsonResponse(_ data: Data, request: Request) -> Response {
        let etag = "\"" + String(fnv1a(data), radix: 16) + "\""
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .eTag: etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    /// 64-bit FNV-1a: a cheap, stable hash for ETags (not a security measure).
    static func fnv1a(_ data: Data) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// The CSV download: one row per trial, with a column per parameter and per metric.
enum TrialTable {
    static func csv(_ trials: [Trial], spec: StudySpec) -> String {
        let parameters = spec.searchSpace.names
        let metrics = spec.objective.allMetricNames
        var lines = [(["id", "state"] + parameters + metrics + ["created_at", "ended_at", "reason"]).map(field).joined(separator: ",")]
        let dates = ISO8601DateFormatter()
        for trial in trials {
            var row = [String(trial.id), trial.state.rawValue]
            row += parameters.map { trial.parameters[$0]?.description ?? "" }
            row += metrics.map { trial.finalValue(of: $0).map { String($0) } ?? "" }
            row += [dates.string(from: trial.createdAt), trial.endedAt.map(dates.string) ?? "", trial.statusReason ?? ""]
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so that spreadsheets do not run it as a formula.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+@".contains(first) || (first == "-" && Double(text) == nil) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
