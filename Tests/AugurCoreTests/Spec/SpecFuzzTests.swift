import Foundation
import Testing
@testable import AugurCore

/// Seeded random mutations of the example specs (Augur and Katib), alias bombs, deep nesting and huge files: the
/// parser must never crash or hang, and every problem it reports must name a place (file:line:column). The number
/// of mutations is fixed (not a time budget), so a run is deterministic and takes a few seconds.
@Suite struct SpecFuzzTests {
    /// The example specs and the Katib fixtures, as bytes.
    static let seeds: [(name: String, bytes: [UInt8])] = {
        let examples = SpecTestPaths.yamlFiles(in: SpecTestPaths.experiments).map { SpecTestPaths.experiments.appendingPathComponent($0) }
        let katib = SpecTestPaths.yamlFiles(in: SpecTestPaths.badFixtures).filter { $0.hasPrefix("katib-") }
            .map { SpecTestPaths.badFixtures.appendingPathComponent($0) }
        return (examples + katib).compactMap { url in
            (try? Data(contentsOf: url)).map { (url.lastPathComponent, Array($0)) }
        }
    }()

    static let fragments: [[UInt8]] = [
        ":", "- ", "[", "]", "{", "}", "&a ", "*a", "!!binary ", "|", ">", "'", "\"", "\t", "\n", "  ", "#", "? ",
        "---\n", "...\n", "<<: *a\n", "~", "null", "1e999", "-1", "99999999999999999999", "%YAML 1.1\n", "\u{FEFF}",
        "\u{1B}[2J", "..", "/", "é", "\r\n",
    ].map { Array($0.utf8) } + [[0x00], [0xFF, 0xFE], [0xC3], [0xE2, 0x82]]

    /// One random edit of `bytes`.
    static func mutate(_ bytes: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        let position = bytes.isEmpty ? 0 : random.nextIndex(below: bytes.count + 1)
        switch random.nextIndex(below: 7) {
        case 0: // insert a fragment
            bytes.insert(contentsOf: fragments[random.nextIndex(below: fragments.count)], at: position)
        case 1: // delete a run of bytes
            let end = min(bytes.count, position + 1 + random.nextIndex(below: 40))
            if position < end { bytes.removeSubrange(position..<end) }
        case 2: // overwrite a byte
            if position < bytes.count { bytes[position] = UInt8(truncatingIfNeeded: random.next()) }
        case 3: // duplicate a line
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let line = lines[random.nextIndex(below: lines.count)]
            bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: position)
        case 4: // swap two lines
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            lines.swapAt(random.nextIndex(below: lines.count), random.nextIndex(below: lines.count))
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 5: // truncate
            bytes.removeSubrange(position...)
        default: // change the indentation of a line
            if let newline = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) {
                bytes.insert(contentsOf: Array(repeating: UInt8(ascii: " "), count: 1 + random.nextIndex(below: 4)),
                             at: newline + 1)
            }
        }
        return bytes
    }

    /// Loads `bytes` as a spec file and checks that it either parses or fails with every problem placed.
    static func checkLoads(_ bytes: [UInt8], in directory: URL, name: String) throws {
        let file = directory.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        do {
            _ = try StudySpecParser.load(path: file.path)
        } catch {
            #expect(error.problems.isEmpty == false)
            for problem in error.problems {
                #expect(problem.location?.file == file.path && (problem.location?.line ?? 0) >= 1,
                        "\(name): a problem without a place: \(problem)")
            }
        }
    }

    @Test func mutatedExamplesNeverCrashAndEveryProblemHasAPlace() throws {
        #expect(Self.seeds.count >= 5)
        let directory = try temporaryDirectory()
        var random = SeededGenerator(seed: 17)
        for round in 0..<400 {
            let seed = Self.seeds[round % Self.seeds.count]
            var bytes = seed.bytes
            for _ in 0...random.nextIndex(below: 4) { bytes = Self.mutate(bytes, &random) }
            try Self.checkLoads(bytes, in: directory, name: "mutant-\(round)-\(seed.name)")
        }
    }

    @Test func aBinaryFileIsRefusedAtThePlaceItStopsBeingText() throws {
        let directory = try temporaryDirectory()
        let file = directory.appendingPathComponent("binary.yaml")
        try Data(Array("name: x\nobjective: ".utf8) + [0xFF, 0x00, 0x13]).write(to: file)
        let error = #expect(throws: SpecError.self) { try StudySpecParser.load(path: file.path) }
        #expect(error?.problems.first?.location == SourceLocation(file: file.path, line: 2, column: 12))
    }

    @Test(arguments: ["[1, 2]", "42", "just a sentence", "- a\n- b\n", "!!binary aGVsbG8="])
    func aWrongTopLevelTypeNamesAPlace(text: String) {
        let problems = specProblems(text, file: "/specs/top.yaml")
        #expect(problems.isEmpty == false)
        #expect(problems.allSatisfy { ($0.location?.line ?? 0) >= 1 }, "\(problems)")
    }

    @Test func anAliasBombIsRefusedWithTheLimit() {
        var lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            let previous = level == 1 ? "a" : "l\(level - 1)"
            lines.append("l\(level): &l\(level) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]")
        }
        lines.append("name: bomb")
        let problems = specProblems(lines.joined(separator: "\n"))
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("\(SpecLimits.maximumNodes)") == true, "\(problems)")
        #expect(problems.first?.location?.line == 1)
    }

    @Test func deepNestingIsRefusedWithTheLimit() {
        let text = "name: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let problems = specProblems(text)
        #expect(problems.first?.message.contains("nest more than \(StudySpecParser.maximumFlowNesting)") == true, "\(problems)")
        #expect(problems.first?.location?.line == 1)
    }

    @Test func aHugeSpecIsRefusedWithTheLimit() throws {
        let text = "name: huge\n# " + String(repeating: "x", count: 5 * 1024 * 1024) + "\n"
        let problems = specProblems(text)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("\(SpecLimits.maximumFileSize) bytes") == true)

        let directory = try temporaryDirectory()
        let file = directory.appendingPathComponent("huge.yaml")
        try Data(text.utf8).write(to: file)
        let error = #expect(throws: SpecError.self) { try StudySpecParser.load(path: file.path) }
        #expect(error?.problems.first?.message.contains("\(SpecLimits.maximumFileSize) bytes") == true)
        #expect(error?.problems.first?.location == SourceLocation(file: file.path, line: 1, column: 1))
    }

    @Test func aMissingFileOrADirectoryIsNamed() throws {
        let directory = try temporaryDirectory()
        for path in [directory.appendingPathComponent("absent.yaml").path, directory.path] {
            let error = #expect(throws: SpecError.self) { try StudySpecParser.load(path: path) }
            #expect(error?.problems.first?.location?.file == path)
        }
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
