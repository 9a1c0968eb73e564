@testable import AugurHTTP
import AugurCore
import AugurTestSupport
import Foundation
import Testing

/// Loads the pages in headless Chromium (Debian's `chromium`; `scripts/install-deps.sh --test` installs it) and reads
/// back what the page's script drew: each chart canvas carries `data-points`, the body `data-rendered` once every
/// chart is drawn. Screenshots go to `.build/test-artifacts/dashboard/`.
@Suite(.serialized) struct BrowserTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let artifacts: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-artifacts/dashboard")

    /// Runs Chromium headless on `url`; virtual time lets the page's fetches and first poll finish before it dumps
    /// the DOM or takes the screenshot. Returns what Chromium printed on standard output.
    static func chromium(_ arguments: [String], url: URL) async throws -> String {
        let executable = try #require(chromium)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("augur-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--virtual-time-budget=20000", "--run-all-compositor-stages-before-draw"]
            + arguments + [url.absoluteString]
        process.standardError = FileHandle.nullDevice
        // Chromium runs on a thread of its own (``ChildProcess``): the dashboard it loads is served by this process,
        // whose cooperative threads must stay free. A Chromium that hangs (it has, under heavy load, with virtual time)
        // is stopped after 180 s so that the test fails instead of waiting forever.
        let output = try await ChildProcess.run(process, bound: 180)
        #expect(output.status == 0, "chromium exited with \(output.status)")
        return output.text
    }

    /// The `data-points` of the element with this id in a dumped DOM.
    static func points(of id: String, in dom: String) -> Int? {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
        let tagStart: String.Index = dom[..<start.lowerBound].lastIndex(of: "<") ?? start.lowerBound
        let tagEnd: String.Index = dom[start.upperBound...].firstIndex(of: ">") ?? dom.endIndex
        let tag: Substring = dom[tagStart..<tagEnd]
        guard let attribute = tag.range(of: "data-points=\"") else { return nil }
        return Int(String(tag[attribute.upperBound...].prefix { $0.isNumber }))
    }

    /// Runs a dashboard through the browser, then screenshots the page (only where `screenshot` names a file).
    static func load(_ base: URL, _ path: String, screenshot: String?, height: Int = 2400) async throws -> String {
        let url = try #require(URL(string: base.absoluteString + path))
        let dom = try await chromium(["--dump-dom"], url: url)
        if let screenshot {
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let file = artifacts.appendingPathComponent(screenshot)
            try? FileManager.default.removeItem(at: file)
            _ = try await chromium(["--screenshot=\(file.path)", "--window-size=1400,\(height)", "--hide-scrollbars"], url: url)
            #expect(FileManager.default.fileExists(atPath: file.path), "no screenshot at \(file.path)")
        }
        return dom
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed (scripts/install-deps.sh --test installs Debian's chromium)"))
    func theStudiesPageListsEveryStudy() async throws {
        try await withDashboard(store: try DashboardStores.make("sqlite")) { base, service in
            try await DashboardFixture.runStudy(service, name: "finished", trials: 30)
            try await DashboardFixture.runStudy(service, name: "running", trials: 12, finish: false)
            let dom = try await Self.load(base, "/", screenshot: "studies.png", height: 400)
            #expect(dom.contains("data-rendered=\"true\""))
            #expect(dom.contains("<tbody data-rows=\"2\">"))
            #expect(dom.contains(">finished</a>"))
            #expect(dom.contains(">running</a>"))
        }
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed (scripts/install-deps.sh --test installs Debian's chromium)"))
    func aFinishedStudyPageDrawsEveryChart() async throws {
        try await withDashboard(store: try DashboardStores.make("sqlite")) { base, service in
            try await DashboardFixture.runStudy(service, name: "finished", trials: 60, steps: 8)
            let dom = try await Self.load(base, "/studies/finished", screenshot: "study.png")
            #expect(dom.contains("data-rendered=\"true\""), "the page did not finish rendering")
            #expect(!dom.contains("data-failed"))
            // Every ended trial has a value (the stopped and the failed one take theirs from their last measurement)
            // in the history; the other charts draw the 58 completed ones.
            #expect(Self.points(of: "history-chart", in: dom) == 60)
            #expect(Self.points(of: "importance-chart", in: dom) == 3)
            #expect(Self.points(of: "parallel-chart", in: dom) == 58)
            #expect(Self.points(of: "slice-0", in: dom) == 58)
            #expect(Self.points(of: "slice-2", in: dom) == 58)
            // 50 of the 60 trials' curves (the default limit), 8 steps each.
            #expect(Self.points(of: "curves-chart", in: dom) == 400)
            // The first page of the trial table (50 a page).
            #expect(dom.contains("<tbody data-rows=\"50\">"))
            #expect(dom.contains("page 1, 60 trials match"))
        }
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed (scripts/install-deps.sh --test installs Debian's chromium)"))
    func aRunningStudyAndATrialPage() async throws {
        try await withDashboard(store: try DashboardStores.make("sqlite")) { base, service in
            try await DashboardFixture.runStudy(service, name: "running", trials: 12, steps: 3, finish: false)
            let study = try await Self.load(base, "/studies/running", screenshot: nil)
            #expect(study.contains("data-rendered=\"true\""))
            #expect(study.contains("class=\"state ACTIVE\""))
            // 11 ended trials; the running one is not in the history yet.
            #expect(Self.points(of: "history-chart", in: study) == 11)
            let trial = try await Self.load(base, "/studies/running/trials/1", screenshot: "trial.png", height: 1000)
            #expect(trial.contains("data-rendered=\"true\""))
            #expect(Self.points(of: "measurements-chart", in: trial) == 3)
            // The state history table lists the trial's lease and its end.
            let history = trial.range(of: "id=\"trial-history\"").flatMap { trial[$0.upperBound...].range(of: "data-rows=\"") }
            #expect(history.map { Int(String(trial[$0.upperBound...].prefix { $0.isNumber })) ?? 0 } == 2)
        }
    }

    @Test(.enabled(if: chromium != nil, "Chromium is not installed (scripts/install-deps.sh --test installs Debian's chromium)"))
    func aRunningStudyPageShowsANewTrialWithoutReloading() async throws {
        // The page's first load reads the counts 8 times (the study and the trial table once each; history,
        // importance and curves twice each: for the reply cache's key and for the shared digests' key); before the
        // ninth read, at its first poll, a new trial arrives. The dumped DOM is taken after several polls, without any
        // reload.
        let live = LiveStore(base: try DashboardStores.make("sqlite"), triggerAt: 9) { store in
            _ = try await store.requestTrial(study: "running", parameters: ["x": .double(0.3), "noise": .double(0.5), "optimizer": .string("adam")])
        }
        try await withDashboard(store: live) { base, service in
            try await DashboardFixture.runStudy(service, name: "running", trials: 12, steps: 3, finish: false)
            live.arm()
            let dom = try await Self.load(base, "/studies/running", screenshot: nil)
            #expect(dom.contains("data-rendered=\"true\""))
            let refreshes = dom.range(of: "data-refreshes=\"").map { Int(String(dom[$0.upperBound...].prefix { $0.isNumber })) ?? 0 } ?? 0
            #expect(refreshes >= 2, "the page never redrew after its first load")
            #expect(dom.contains("<tbody data-rows=\"13\">"), "the new trial is not in the table")
            #expect(dom.contains("(1 requested)"))
        }
    }
}
