import Foundation
import Testing
@testable import AugurCore

/// Filters mean what Go's `regexp` (RE2 syntax) makes of them in Katib's collector.
@Suite struct MetricPatternTests {
    static let katibFileExampleFilter = #"{metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)}"#

    func captures(_ pattern: String, in line: String) throws -> [[String]] {
        let expression = try MetricPattern(pattern).compile()
        return expression.matches(in: line, range: NSRange(line.startIndex..., in: line)).map { match in
            (1..<match.numberOfRanges).map { group in
                Range(match.range(at: group), in: line).map { String(line[$0]) } ?? ""
            }
        }
    }

    @Test func katibFileCollectorExampleFilterMatchesItsLines() throws {
        let found = try captures(Self.katibFileExampleFilter,
                                 in: "{metricName: accuracy, metricValue: 0.9695}{metricName: loss, metricValue: -0.1}")
        #expect(found.map { [$0[0], $0[1]] } == [["accuracy", "0.9695"], ["loss", "-0.1"]])
    }

    @Test(arguments: [
        (#"a{2}"#, #"a{2}"#), (#"a{2,}"#, #"a{2,}"#), (#"a{2,5}"#, #"a{2,5}"#), (#"{x}"#, #"\{x\}"#),
        (#"a{,5}"#, #"a\{,5\}"#), (#"\d+"#, "[0-9]+"), (#"[\w|-]"#, "[0-9A-Za-z_|-]"), (#"\S"#, #"[^\t\n\f\r\x{20}]"#),
        ("[[:digit:]x]", "[0-9x]"), ("[a[]", #"[a\[]"#), ("[]a]", #"[\]a]"#), ("[^]a]", #"[^\]a]"#),
        ("[{}&$]", #"[\{\}\&\$]"#), ("(?P<name>x)", "(?<name>x)"), (#"\v"#, #"\x{B}"#), (#"\101"#, #"\x{41}"#),
        ("a.b", #"a[^\n]b"#), ("(?s)a.b", "(?s)a.b"), ("(?=Up)x", "(?=Up)x"),
    ])
    func translatesRE2ToICU(re2: String, icu: String) throws {
        #expect(try MetricPattern(re2).translated == icu)
    }

    @Test func re2ClassesAreASCII() throws {
        #expect(try captures(#"(\w+)=(\d+)"#, in: "é=٣ ok=3").map { $0 } == [["ok", "3"]])
    }

    @Test(arguments: [#"\C"#, #"(?U)a+"#, #"(a)\1"#, "[[:nope:]]"])
    func refusesWhatICUCannotExpress(pattern: String) {
        #expect(throws: MetricPatternError.self) { try MetricPattern(pattern) }
    }

    @Test func invalidPatternsAreNamedInTheError() {
        #expect(throws: MetricPatternError.invalid(pattern: "(a")) { try MetricPattern("(a").compile() }
    }
}
