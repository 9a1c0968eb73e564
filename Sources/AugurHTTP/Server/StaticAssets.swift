import Foundation

/// The files the pages load, shipped as resources of this module: Chart.js (vendored from Debian's libjs-chart.js,
/// MIT, its license beside it), the dashboard's script and style sheet. Nothing is fetched from the internet.
enum StaticAssets {
    struct Asset: Sendable {
        var data: Data
        var contentType: String
    }

    static let names: [String: String] = [
        "chart.umd.min.js": "text/javascript; charset=utf-8",
        "chart.js-LICENSE.txt": "text/plain; charset=utf-8",
        "dashboard.js": "text/javascript; charset=utf-8",
        "dashboard.css": "text/css; charset=utf-8",
    ]

    /// Read once, at first use.
    static let assets: [String: Asset] = {
        var assets: [String: Asset] = [:]
        for (name, type) in names {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Resources"),
                  let data = try? Data(contentsOf: url) else { continue }
            assets[name] = Asset(data: data, contentType: type)
        }
        return assets
    }()

    static func asset(named name: String) -> Asset? { assets[name] }
}
