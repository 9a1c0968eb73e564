import ArgumentParser

/// `--format`: a table for people, CSV or JSON for programs (shapes in docs/cli.md).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case csv
    case json
}
