import AugurCore
import AugurWorkers
import Foundation
import Testing

@Suite struct RunDirectoryTests {
    static let hostileNames = [
        "..", ".", "../escaped", "../../etc", "a/b", "/absolute", "a/../../b", "\0", "a\0b", "\u{1B}[2J", "line\nbreak",
        "", ".hidden", "...", "~", "~/x", "%2E%2E", "é",
    ]

    @Test(arguments: hostileNames)
    func aHostileNameCannotLeaveTheParentFolder(name: String) throws {
        let parent = try makeTemporaryDirectory()
        let folder = RunDirectory.folderName(forStudy: name)
        #expect(folder.isEmpty == false)
        #expect(folder.contains("/") == false)
        #expect(folder.hasPrefix(".") == false, "\(folder) is . or .. or hidden")
        #expect(folder.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F })

        // The trials' folders really are made inside the parent.
        let trials = URL(fileURLWithPath: RunDirectory.path(forStudy: name, in: parent)).appendingPathComponent("trials/1")
        try FileManager.default.createDirectory(at: trials, withIntermediateDirectories: true)
        let resolved = trials.resolvingSymlinksInPath().standardizedFileURL.path
        let root = URL(fileURLWithPath: parent).resolvingSymlinksInPath().standardizedFileURL.path
        #expect(resolved.hasPrefix(root + "/"), "\(resolved) is outside \(root)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == [folder])
    }

    @Test func distinctNamesGetDistinctFolders() {
        let folders = Set(Self.hostileNames.map(RunDirectory.folderName(forStudy:)))
        #expect(folders.count == Self.hostileNames.count)
    }

    @Test(arguments: ["quickstart", "mnist-lr-sweep", "a.b_c-1", "x..y", "v1.2"])
    func aValidNameIsItsOwnFolder(name: String) {
        #expect(SpecValidator.nameProblem(name, what: "study name") == nil)
        #expect(RunDirectory.folderName(forStudy: name) == name)
    }
}
