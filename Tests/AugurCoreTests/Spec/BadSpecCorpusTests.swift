import Foundation
import Testing
@testable import AugurCore

/// Every file in `Fixtures/bad` is a spec with mistakes. Its leading comments say which problems the parser must
/// report, one per line:
///
///     # expect: LINE:COLUMN FIELD | text the message contains
///
/// (`-` as FIELD means the problem names no field). The file must be rejected and every expected problem found.
@Suite struct BadSpecCorpusTests {
    struct Expectation: CustomStringConvertible {
        var line: Int
        var column: Int
        var field: String
        var text: String

        var description: String { "\(line):\(column) \(field.isEmpty ? "-" : field) | \(text)" }

        func matches(_ problem: SpecProblem) -> Bool {
            problem.location?.line == line && problem.location?.column == column && problem.field == field
                && problem.message.contains(text)
        }
    }

    static func expectations(in text: String) -> [Expectation] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# expect: ") else { return nil }
            let body = line.dropFirst("# expect: ".count)
            guard let bar = body.range(of: " | ") else { return nil }
            let head = body[..<bar.lowerBound].split(separator: " ", maxSplits: 1)
            let position = head.first?.split(separator: ":").compactMap { Int($0) } ?? []
            guard position.count == 2 else { return nil }
            let field = head.count > 1 ? String(head[1]) : "-"
            return Expectation(line: position[0], column: position[1], field: field == "-" ? "" : field,
                               text: String(body[bar.upperBound...]))
        }
    }

    @Test func corpusIsNotEmpty() {
        #expect(SpecTestPaths.yamlFiles(in: SpecTestPaths.badFixtures).count >= 30)
    }

    @Test(arguments: SpecTestPaths.yamlFiles(in: SpecTestPaths.badFixtures))
    func badSpecIsRejectedWithExpectedProblems(fixture: String) throws {
        let path = SpecTestPaths.badFixtures.appendingPathComponent(fixture).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = Self.expectations(in: text)
        try #require(expected.isEmpty == false, "\(fixture) has no `# expect:` lines")

        let error = #expect(throws: SpecError.self) { try StudySpecParser.load(path: path) }
        let problems = error?.problems ?? []
        for expectation in expected {
            #expect(problems.contains(where: expectation.matches),
                    "\(fixture): expected \(expectation), got:\n\(problems.map(\.description).joined(separator: "\n"))")
        }
        for problem in problems {
            #expect(problem.location?.file == path, "every problem names the file: \(problem)")
            #expect(problem.severity == .error)
        }
    }
}
