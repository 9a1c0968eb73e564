import AugurCore
import AugurStorage
import Foundation
import Testing

/// `augur run` of a population-based-training study whose command reads and writes its checkpoint directory
/// (`Experiments/pbt-checkpoint.yaml` and its trial script, after Katib's simple-pbt example), on SQLite and, when
/// `scripts/with-postgres.sh` provides one, PostgreSQL.
@Suite struct PopulationBasedRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let databases: [String] = ["sqlite"]
        + (ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : ["postgres"] } ?? [])

    /// The checkpoint a trial left: its lineage (the trials that trained this state, oldest first) and steps.
    struct Checkpoint: Decodable {
        var step: Int
        var accuracy: Double
        var lineage: [Int]
    }

    @Test(arguments: databases)
    func eachTrialGoesOnFromItsParentsCheckpoint(database: String) async throws {
        let directory = try makeTemporaryDirectory()
        let name = "pbt-e2e-\(UUID().uuidString.prefix(8).lowercased())"
        // The shipped example, renamed and smaller (3 generations of 4), with its trial script where the spec's
        // `workingDirectory: .` finds it.
        try FileManager.default.createDirectory(atPath: directory + "/pbt", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.repository.appendingPathComponent("Experiments/pbt/pbt_trial.py").path,
                                         toPath: directory + "/pbt/pbt_trial.py")
        let example = try String(contentsOf: Self.repository.appendingPathComponent("Experiments/pbt-checkpoint.yaml"), encoding: .utf8)
        try example.replacingOccurrences(of: "name: pbt-checkpoint", with: "name: \(name)")
            .replacingOccurrences(of: "population: 6", with: "population: 4")
            .replacingOccurrences(of: "maxTrials: 24", with: "maxTrials: 12")
            .write(toFile: directory + "/pbt.yaml", atomically: true, encoding: .utf8)

        let url = database == "sqlite" ? directory + "/db.sqlite" : try #require(ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"])
        let run = try await AugurProcess.run(["run", "pbt.yaml", "--database", url, "--run-directory", directory + "/run"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("study '\(name)' COMPLETED: budget of 12 trials spent"))

        let store = try StudyStores.open(url)
        let trials = try await store.trials(study: name, query: TrialQuery())
        let metadata = try await store.metadata(study: name)
        #expect(trials.count == 12)
        var checkpoints: [Int: Checkpoint] = [:]
        for trial in trials {
            #expect(trial.state == .completed, "trial \(trial.id): \(trial.statusReason ?? "")")
            let member = try #require(PopulationMember(metadata: metadata.entries(ofTrial: trial.id)))
            #expect(member.generation == (trial.id - 1) / 4 && member.member == (trial.id - 1) % 4)
            let file = directory + "/run/trials/\(trial.id)/checkpoint/training.json"
            let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            checkpoints[trial.id] = checkpoint
            #expect(trial.measurements.map(\.step) == Array((checkpoint.step - 4)...checkpoint.step))
            if member.generation == 0 {
                #expect(member.parent == nil)
                #expect(checkpoint.lineage == [trial.id])
            }
        }
        // A later trial's checkpoint is its parent's, trained on: the parent's lineage plus itself, five steps more.
        for trial in trials where trial.id > 4 {
            let member = try #require(PopulationMember(metadata: metadata.entries(ofTrial: trial.id)))
            let parent = try #require(member.parent)
            #expect((member.generation - 1) * 4 < parent && parent <= member.generation * 4)
            let own = try #require(checkpoints[trial.id])
            let inherited = try #require(checkpoints[parent])
            #expect(own.lineage == inherited.lineage + [trial.id])
            #expect(own.step == inherited.step + 5)
        }
        if database == "postgres" { try await store.deleteStudy(named: name) }
    }
}
