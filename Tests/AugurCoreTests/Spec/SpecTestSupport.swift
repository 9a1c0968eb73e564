import Foundation
@testable import AugurCore

/// Paths of files the spec tests read, found from this source file (not from bundle resources).
enum SpecTestPaths {
    /// `Tests/AugurCoreTests`.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    /// The repository root.
    static let repositoryRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let badFixtures = testsDirectory.appendingPathComponent("Fixtures/bad")
    static let experiments = repositoryRoot.appendingPathComponent("Experiments")

    /// The `.yaml` files in `directory`, sorted by name.
    static func yamlFiles(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }
}

/// Parses `text` and returns the problems, or an empty list if it parsed.
func specProblems(_ text: String, file: String = "/specs/study.yaml") -> [SpecProblem] {
    do {
        _ = try StudySpecParser.parse(text, file: file)
        return []
    } catch {
        return error.problems
    }
}
