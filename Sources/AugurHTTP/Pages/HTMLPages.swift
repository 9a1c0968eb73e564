import Foundation
import Hummingbird

/// The server-rendered pages: a frame with the page's name and study in `data-` attributes; `dashboard.js` fetches
/// /api/v1/ and draws the tables and charts (Chart.js), then marks what it drew (`data-points` on each chart,
/// `data-rendered` on the body) so that tests and scripts can see the page is complete.
enum HTMLPages {
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private static func frame(title: String, page: String, attributes: [String: String] = [:], preload: [String] = [],
                              body: String) -> String {
        let data = attributes.sorted { $0.key < $1.key }.map { " data-\($0.key)=\"\(escape($0.value))\"" }.joined()
        // The API replies the page's script asks for first are fetched while the browser still loads and compiles the
        // scripts; the script's own requests for the same URLs are then answered from these.
        let hints = preload.map { "<link rel=\"preload\" as=\"fetch\" crossorigin href=\"\(escape($0))\">\n" }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Augur</title>
            \(hints)<link rel="stylesheet" href="/static/dashboard.css">
            <script src="/static/chart.umd.min.js" defer></script>
            <script src="/static/dashboard.js" defer></script>
            </head>
            <body data-page="\(page)"\(data)>
            <header><a href="/">Augur</a></header>
            <div id="error" class="error" hidden></div>
            <main>
            \(body)
            </main>
            <footer>Charts by <a href="/static/chart.js-LICENSE.txt">Chart.js</a> (MIT) · data from <code>/api/v1/</code></footer>
            </body>
            </html>
            """
    }

    static func studiesPage() -> String {
        frame(title: "Studies", page: "studies", body: """
            <h1>Studies</h1>
            <table id="studies" class="grid"><thead><tr>
            <th data-sort="name">Name</th><th data-sort="state">State</th><th data-sort="algorithm">Algorithm</th>
            <th data-sort="progress">Progress (done / running / failed of budget)</th><th data-sort="best_value">Best value</th>
            <th data-sort="last_activity">Last activity</th></tr></thead><tbody></tbody></table>
            """)
    }

    static func studyPage(study: String) -> String {
        let api = "/api/v1/studies/" + study.addingURIComponentEncoding()
        return frame(title: study, page: "study", attributes: ["study": study],
                     // The last is the first trial page as the form below asks for it by default (sort by id, 50).
                     preload: [api, api + "/history", api + "/importance", api + "/intermediate", api + "/trials?sort=id&page_size=50"],
                     body: """
            <h1>Study <span id="study-name">\(escape(study))</span> <span id="study-state" class="state"></span></h1>
            <section id="summary" class="summary"></section>
            <section class="charts">
            <figure><figcaption>Optimization history</figcaption><div class="chart"><canvas id="history-chart"></canvas></div></figure>
            <figure><figcaption>Parameter importance (PED-ANOVA)</figcaption><div class="chart"><canvas id="importance-chart"></canvas></div>
            <p id="importance-note" class="note"></p></figure>
            <figure class="wide"><figcaption>Parallel coordinates (coloured by objective)</figcaption><div class="chart"><canvas id="parallel-chart"></canvas></div></figure>
            <figure class="wide"><figcaption>Intermediate values (learning curves; dashed: stopped early)</figcaption><div class="chart"><canvas id="curves-chart"></canvas></div></figure>
            </section>
            <h2>Slice plots</h2>
            <section id="slices" class="slices"></section>
            <h2>Trials</h2>
            <form id="trial-controls" class="controls">
            <label>State <select name="state"><option value="">all</option><option>COMPLETED</option><option>ACTIVE</option>
            <option>REQUESTED</option><option>STOPPED</option><option>FAILED</option><option>INFEASIBLE</option></select></label>
            <label>Sort <select name="sort"><option value="id">id</option></select></label>
            <label>Order <select name="order"><option value="">default</option><option value="asc">ascending</option>
            <option value="desc">descending</option></select></label>
            <label>Page size <select name="page_size"><option>25</option><option selected>50</option><option>200</option></select></label>
            <a id="download-csv" href="#">CSV</a> <a id="download-json" href="#">JSON</a>
            </form>
            <table id="trials" class="grid"><thead></thead><tbody></tbody></table>
            <p class="pager"><button id="first-page" type="button">First page</button>
            <button id="next-page" type="button">Next page</button> <span id="page-info"></span></p>
            """)
    }

    static func trialPage(study: String, trial: Int) -> String {
        frame(title: "\(study) trial \(trial)", page: "trial", attributes: ["study": study, "trial": String(trial)], body: """
            <h1><a href="/studies/\(escape(study.addingPercentEncodingForPath()))">\(escape(study))</a> · trial \(trial)
            <span id="trial-state" class="state"></span></h1>
            <section id="trial-summary" class="summary"></section>
            <h2>State history</h2>
            <table id="trial-history" class="grid"><thead><tr><th>Time</th><th>State</th><th>Worker</th><th>Retries</th><th>Reason</th></tr></thead>
            <tbody></tbody></table>
            <figure class="wide"><figcaption>Measurements</figcaption><div class="chart"><canvas id="measurements-chart"></canvas></div></figure>
            <h2>Measurements</h2>
            <table id="measurements" class="grid"><thead></thead><tbody></tbody></table>
            """)
    }

    static func errorPage(status: HTTPResponse.Status, message: String) -> String {
        frame(title: "\(status.code) \(status.reasonPhrase)", page: "error", body: """
            <h1>\(status.code) \(escape(status.reasonPhrase))</h1>
            <p class="error-message">\(escape(message))</p>
            <p><a href="/">All studies</a></p>
            """)
    }
}

extension String {
    /// Percent-encoded as JavaScript's `encodeURIComponent` does (everything but letters, digits and `-_.!~*'()`), so
    /// that a URL made here is the very URL the page's script makes.
    func addingURIComponentEncoding() -> String {
        addingPercentEncoding(withAllowedCharacters: Self.uriComponentAllowed) ?? self
    }

    private static let uriComponentAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")

    func addingPercentEncodingForPath() -> String {
        addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? self
    }
}
