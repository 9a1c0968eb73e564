@testable import AugurHTTP
import AugurCore
import AugurService
import AugurStorage
import Foundation
import Testing

/// The JSON API against a real server on loopback, over SQLite and PostgreSQL.
@Suite struct DashboardAPITests {
    @Test(arguments: DashboardStores.kinds)
    func studiesListShowsProgressAndBestValue(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            let losses = try await DashboardFixture.runStudy(service, name: "finished", trials: 12)
            let reply = try await get(base, "/api/v1/studies")
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true)
            let studies = try #require(try reply.object()["studies"] as? [[String: Any]])
            let row = try #require(studies.first)
            #expect(row["name"] as? String == "finished")
            #expect(row["state"] as? String == "COMPLETED")
            #expect(row["algorithm"] as? String == "random")
            let progress = try #require(row["progress"] as? [String: Any])
            #expect(progress["completed"] as? Int == 10)
            #expect(progress["failed"] as? Int == 1)
            #expect(progress["stopped"] as? Int == 1)
            #expect(progress["max_trials"] as? Int == 12)
            let best = try #require(row["best_value"] as? Double)
            #expect(abs(best - (losses.values.min() ?? .nan)) < 1e-12)
            #expect(row["last_activity"] is String)
        }
    }

    @Test(arguments: DashboardStores.kinds)
    func oneStudyAndItsETag(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 12)
            let reply = try await get(base, "/api/v1/studies/s")
            #expect(reply.status == 200)
            let object = try reply.object()
            #expect((object["parameters"] as? [[String: Any]])?.map { $0["name"] as? String } == ["x", "noise", "optimizer"])
            #expect(object["metrics"] as? [String] == ["loss", "accuracy"])
            #expect((object["best_trial"] as? [String: Any])?["state"] as? String == "COMPLETED")
            let etag = try #require(reply.header("ETag"))
            let again = try await get(base, "/api/v1/studies/s", headers: ["If-None-Match": etag])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            // A new trial changes the reply, so the page polling with the old ETag sees it.
            _ = try await service.requestTrial(study: "s", parameters: ["x": .double(0.5), "noise": .double(0.5), "optimizer": .string("sgd")])
            let changed = try await get(base, "/api/v1/studies/s", headers: ["If-None-Match": etag])
            #expect(changed.status == 200)
            #expect(changed.header("ETag") != etag)
        }
    }

    @Test(arguments: DashboardStores.kinds)
    func trialsArePagedFilteredAndSorted(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            let losses = try await DashboardFixture.runStudy(service, name: "s", trials: 12)
            var seen: [Int] = []
            var token: String? = nil
            repeat {
                let reply = try await get(base, "/api/v1/studies/s/trials?page_size=5" + (token.map { "&page_token=\($0)" } ?? ""))
                #expect(reply.status == 200)
                let object = try reply.object()
                #expect(object["total_size"] as? Int == 12)
                let trials = try #require(object["trials"] as? [[String: Any]])
                #expect(trials.count <= 5)
                seen += trials.compactMap { $0["id"] as? Int }
                token = object["next_page_token"] as? String
            } while token != nil
            #expect(seen.count == 12)
            #expect(seen == seen.sorted())

            let failed = try await get(base, "/api/v1/studies/s/trials?state=failed,STOPPED")
            let failedTrials = try #require(try failed.object()["trials"] as? [[String: Any]])
            #expect(Set(failedTrials.compactMap { $0["state"] as? String }) == ["FAILED", "STOPPED"])
            #expect(failedTrials.first { $0["state"] as? String == "FAILED" }?["reason"] as? String == "exit status 1: out of memory")

            let byLoss = try await get(base, "/api/v1/studies/s/trials?state=COMPLETED&sort=loss&page_size=3")
            let best = try #require(try byLoss.object()["trials"] as? [[String: Any]])
            let bestValues = best.compactMap { $0["value"] as? Double }
            #expect(bestValues.count == 3)
            #expect(zip(bestValues, losses.values.sorted()).allSatisfy { abs($0 - $1) < 1e-12 })
            let byAccuracy = try await get(base, "/api/v1/studies/s/trials?state=COMPLETED&sort=accuracy&order=desc&page_size=1")
            let top = try #require(try byAccuracy.object()["trials"] as? [[String: Any]])
            let accuracy = try #require((top.first?["metrics"] as? [String: Double])?["accuracy"])
            #expect(abs(accuracy - (1 - (losses.values.min() ?? .nan))) < 1e-12)
        }
    }

    @Test(arguments: DashboardStores.kinds)
    func oneTrialHasItsMeasurementsAndReason(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 8, steps: 4)
            let reply = try await get(base, "/api/v1/studies/s/trials/3")
            #expect(reply.status == 200)
            let trial = try reply.object()
            #expect(trial["state"] as? String == "STOPPED")
            #expect((trial["reason"] as? String)?.hasPrefix("median rule") == true)
            #expect((trial["measurements"] as? [[String: Any]])?.count == 4)
            #expect(trial["retry_count"] as? Int == 0)
            #expect(trial["worker"] is String)
            // Its state history: leased to a worker, then stopped by the rule, with the rule's reason.
            let history = try #require(trial["history"] as? [[String: Any]])
            #expect(history.map { $0["state"] as? String } == ["ACTIVE", "STOPPED"])
            #expect(history.allSatisfy { $0["worker"] as? String == trial["worker"] as? String && $0["at"] is String })
            #expect((history.last?["reason"] as? String)?.hasPrefix("median rule") == true)
            #expect((try await get(base, "/api/v1/studies/s/trials/999")).status == 404)
            #expect((try await get(base, "/api/v1/studies/s/trials/abc")).status == 400)
        }
    }

    @Test(arguments: DashboardStores.kinds)
    func historyImportanceAndCurves(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            let losses = try await DashboardFixture.runStudy(service, name: "s", trials: 40, steps: 6)
            let history = try await get(base, "/api/v1/studies/s/history").object()
            let points = try #require(history["points"] as? [[String: Any]])
            #expect(history["total"] as? Int == 40)
            #expect(history["downsampled"] as? Bool == false)
            #expect(points.count == 40)
            let last = try #require(points.last?["best"] as? Double)
            #expect(abs(last - (losses.values.min() ?? .nan)) < 1e-12)

            let small = try await get(base, "/api/v1/studies/s/history?max_points=10").object()
            let smallPoints = try #require(small["points"] as? [[String: Any]])
            #expect(smallPoints.count <= 10)
            #expect(small["downsampled"] as? Bool == true)
            // Every improvement of the best so far is kept.
            let bests = points.compactMap { $0["best"] as? Double }
            let improvements = Set(zip(bests, bests.dropFirst()).filter { $0 != $1 }.map(\.1))
            let keptBests = Set(smallPoints.compactMap { $0["best"] as? Double })
            #expect(improvements.isSubset(of: keptBests) || improvements.count > 8)

            let importance = try await get(base, "/api/v1/studies/s/importance?quantile=0.25").object()
            let ranked = try #require(importance["parameters"] as? [[String: Any]])
            #expect(ranked.first?["name"] as? String == "x")
            #expect(importance["trial_count"] as? Int == 38)

            let curves = try await get(base, "/api/v1/studies/s/intermediate?max_trials=5&max_steps=3").object()
            let shown = try #require(curves["curves"] as? [[String: Any]])
            #expect(shown.count == 5)
            #expect(curves["total_trials"] as? Int == 40)
            #expect(shown.allSatisfy { ($0["points"] as? [[Double]])?.count == 3 && $0["total_points"] as? Int == 6 }, "\(shown)")
        }
    }

    @Test(arguments: DashboardStores.kinds)
    func downloadsAreCSVAndJSON(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 8)
            let csv = try await get(base, "/api/v1/studies/s/export?format=csv&state=COMPLETED")
            #expect(csv.status == 200)
            #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
            #expect(csv.header("Content-Disposition") == "attachment; filename=\"s-trials.csv\"")
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first == "id,state,x,noise,optimizer,loss,accuracy,created_at,ended_at,reason")
            #expect(lines.count == 1 + 6)
            let json = try await get(base, "/api/v1/studies/s/export?format=json")
            let trials = try #require(try JSONSerialization.jsonObject(with: json.body) as? [[String: Any]])
            #expect(trials.count == 8)
        }
    }

    @Test(arguments: DashboardStores.kinds)
    func badInputIs400AndUnknownStudyIs404(kind: String) async throws {
        try await withDashboard(store: try DashboardStores.make(kind)) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 4)
            let cases: [(String, Int, String)] = [
                ("/api/v1/studies/nope", 404, "no study named 'nope'"),
                ("/api/v1/studies/nope/trials", 404, "no study named 'nope'"),
                ("/api/v1/studies/nope/history", 404, "no study named 'nope'"),
                ("/api/v1/studies/s/trials?page_size=0", 400, "page_size=0"),
                ("/api/v1/studies/s/trials?page_size=x", 400, "page_size=x"),
                ("/api/v1/studies/s/trials?state=DONE", 400, "state=DONE"),
                ("/api/v1/studies/s/trials?sort=speed", 400, "loss, accuracy"),
                ("/api/v1/studies/s/trials?order=up", 400, "asc or desc"),
                ("/api/v1/studies/s/trials?page_token=zz", 400, "page_token=zz"),
                ("/api/v1/studies/s/history?max_points=1", 400, "max_points=1"),
                ("/api/v1/studies/s/importance?quantile=2", 400, "quantile=2"),
                ("/api/v1/studies/s/export?format=xml", 400, "csv or json"),
            ]
            for (path, status, fragment) in cases {
                let reply = try await get(base, path)
                #expect(reply.status == status, "\(path)")
                let error = try #require(try reply.object()["error"] as? [String: Any], "\(path)")
                #expect((error["message"] as? String)?.contains(fragment) == true, "\(path): \(error)")
                #expect(error["status"] as? Int == status)
            }
            let page = try await get(base, "/studies/nope")
            #expect(page.status == 404)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(page.text.contains("no study named &#39;nope&#39;"))
        }
    }

    @Test func aStoreThatFailsIs503WithAClearMessage() async throws {
        try await withDashboard(store: FailingStore()) { base, _ in
            let reply = try await get(base, "/api/v1/studies")
            #expect(reply.status == 503)
            let message = try #require((try reply.object()["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("the study database is unavailable"))
            #expect(message.contains("connection refused"))
            let page = try await get(base, "/studies/s")
            #expect(page.status == 503)
            #expect(page.text.contains("unavailable"))
        }
    }

    /// The study page asks the browser to fetch the API replies its script needs first while the scripts load; the
    /// hints must name exactly the URLs the script builds (`encodeURIComponent` of the name), or they are wasted.
    @Test func theStudyPagePreloadsTheRepliesItsScriptAsksForFirst() {
        let page = HTMLPages.studyPage(study: "a b/c:é(1)")
        let api = "/api/v1/studies/a%20b%2Fc%3A%C3%A9(1)"
        for path in [api, api + "/history", api + "/importance", api + "/intermediate", api + "/trials?sort=id&amp;page_size=50"] {
            #expect(page.contains("<link rel=\"preload\" as=\"fetch\" crossorigin href=\"\(path)\">"), "\(path)")
        }
        #expect(page.contains("<script src=\"/static/chart.umd.min.js\" defer></script>"))
    }

    @Test func pagesAndStaticFilesAreServed() async throws {
        try await withDashboard(store: try DashboardStores.make("sqlite")) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 4)
            let studies = try await get(base, "/")
            #expect(studies.status == 200)
            #expect(studies.text.contains("data-page=\"studies\""))
            let study = try await get(base, "/studies/s")
            #expect(study.text.contains("data-study=\"s\""))
            #expect(study.text.contains("<canvas id=\"history-chart\">"))
            let trial = try await get(base, "/studies/s/trials/1")
            #expect(trial.status == 200)
            let chart = try await get(base, "/static/chart.umd.min.js")
            #expect(chart.status == 200)
            #expect(chart.text.hasPrefix("/*!\n * Chart.js v3.9.1"))
            #expect((try await get(base, "/static/chart.js-LICENSE.txt")).text.contains("Permission is hereby granted"))
            #expect((try await get(base, "/static/nothing.js")).status == 404)
        }
    }
}

/// A store whose database cannot be reached: every call throws `StoreError.connection`.
struct FailingStore: StudyStore {
    static let error = StoreError.connection("cannot connect to PostgreSQL at db.example:5432: connection refused")
    func createStudy(_ spec: StudySpec) async throws -> Study { throw Self.error }
    func study(named name: String) async throws -> Study? { throw Self.error }
    func studySummaries() async throws -> [StudySummary] { throw Self.error }
    func deleteStudy(named name: String) async throws { throw Self.error }
    func setStudyState(_ name: String, to state: StudyState, reason: String?) async throws { throw Self.error }
    func setStudyBudget(_ name: String, to budget: Budget) async throws -> Study { throw Self.error }
    func assignTrials(study: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
                      planner: @Sendable (StudySnapshot) throws -> AssignmentPlan) async throws -> [Trial] { throw Self.error }
    func requestTrial(study: String, parameters: ParameterAssignment) async throws -> Trial { throw Self.error }
    func trial(study: String, id: Int) async throws -> Trial? { throw Self.error }
    func trials(study: String, query: TrialQuery) async throws -> [Trial] { throw Self.error }
    func trialCounts(study: String) async throws -> TrialCounts { throw Self.error }
    func deleteTrial(study: String, trial: Int) async throws { throw Self.error }
    func addMeasurement(study: String, trial: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) async throws { throw Self.error }
    func renewLease(study: String, trial: Int, worker: String, until: Date) async throws { throw Self.error }
    func finishTrial(study: String, trial: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) async throws -> Trial {
        throw Self.error
    }
    func updateMetadata(study: String, updates: [MetadataUpdate]) async throws { throw Self.error }
    func metadata(study: String) async throws -> StudyMetadata { throw Self.error }
}

/// The database going away and coming back: 503 with the store's message while it is away, answers again after.
@Suite struct DashboardRecoveryTests {
    @Test func aDatabaseThatGoesAwayIs503UntilItReturns() async throws {
        let store = SwitchableStore(base: try DashboardStores.make("sqlite"))
        try await withDashboard(store: store) { base, service in
            try await DashboardFixture.runStudy(service, name: "s", trials: 4)
            #expect((try await get(base, "/api/v1/studies/s")).status == 200)
            store.setDown(true)
            let down = try await get(base, "/api/v1/studies/s")
            #expect(down.status == 503)
            #expect((try down.object()["error"] as? [String: Any])?["message"] as? String
                    == "the study database is unavailable (\(FailingStore.error.description)); the dashboard retries on the next request")
            #expect((try await get(base, "/studies/s")).status == 503)
            store.setDown(false)
            #expect((try await get(base, "/api/v1/studies/s")).status == 200)
            #expect((try await get(base, "/studies/s")).status == 200)
        }
    }
}

/// The analysis replies read digests and only what they show; importance samples a large study.
@Suite struct DashboardReaderTests {
    @Test func importanceOfALargeStudyIsEstimatedOnAStrideAndSaysSo() async throws {
        let service = StudyService(store: try SQLiteStudyStore(path: ":memory:"))
        try await DashboardFixture.runStudy(service, name: "s", trials: 40)
        let whole = try await DashboardReader(service: service).importance("s", quantile: 0.25)
        #expect(whole.trialCount == 38 && whole.note == nil)

        let sampled = try await DashboardReader(service: service, importanceSampleLimit: 20).importance("s", quantile: 0.25)
        #expect(sampled.trialCount == 20)
        #expect(sampled.topCount == 5)
        #expect(sampled.note == "estimated on a uniform stride of 20 of the study's 38 completed trials")
        #expect(sampled.parameters.first?.name == "x", "the parameter that decides the loss still ranks first")
    }

    @Test func historyReadsTheParametersOfTheKeptPointsOnly() async throws {
        let service = StudyService(store: try SQLiteStudyStore(path: ":memory:"))
        try await DashboardFixture.runStudy(service, name: "s", trials: 40)
        let trials = try await service.trials(study: "s")
        let history = try await DashboardReader(service: service).history("s", maxPoints: 7)
        #expect(history.total == 40 && history.downsampled && history.points.count <= 7)
        for point in history.points {
            let trial = try #require(trials.first { $0.id == point.trial })
            #expect(point.parameters == trial.parameters)
            #expect(point.value == trial.finalValue(of: "loss"))
            #expect(point.state == trial.state.rawValue)
        }
    }
}
