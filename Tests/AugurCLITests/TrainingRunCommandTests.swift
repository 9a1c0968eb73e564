import AugurCore
import AugurStorage
import Foundation
import Testing

@Suite struct TrainingRunCommandTests {
    /// The first `count` lines of the shipped digits file, copied into `directory`.
    private func digitsSubset(_ count: Int, in directory: String) throws -> String {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Experiments/data/optdigits.csv")
        let lines = try String(contentsOf: shipped, encoding: .utf8).split(separator: "\n").prefix(count)
        let path = directory + "/data/digits-subset.csv"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runTrainsATrainingStudyWithTheTrainingCore() async throws {
        let directory = try makeTemporaryDirectory()
        _ = try digitsSubset(300, in: directory)
        let spec = """
            name: tiny-mlp
            objective: {metric: validation_accuracy, goal: maximize}
            parameters:
              - {name: lr, type: double, min: 1e-3, max: 3e-2, scale: log}
              - {name: width, type: int, min: 16, max: 32}
              - {name: optimizer, type: categorical, values: [adam, adamw]}
            algorithm: random
            earlyStopping: median
            budget: {maxTrials: 4, parallelTrials: 2}
            seed: 3
            trial:
              training:
                dataset: data/digits-subset.csv?scale=16
                epochs: 3
                parameters: {learningRate: lr, width: width, optimizer: optimizer}
                fixed: {depth: "1"}
            """
        try spec.write(toFile: directory + "/tiny.yaml", atomically: true, encoding: .utf8)
        let run = try await AugurProcess.run(["run", "tiny.yaml", "--database", "db.sqlite"], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("study 'tiny-mlp' COMPLETED: budget of 4 trials spent"))
        #expect(run.standardError.contains("training device:"))

        let store = try SQLiteStudyStore(path: directory + "/db.sqlite")
        let trials = try await store.trials(study: "tiny-mlp", query: TrialQuery())
        #expect(trials.count == 4)
        for trial in trials {
            #expect(trial.state == .completed || trial.state == .stopped, "\(trial.statusReason ?? "")")
            #expect(!trial.measurements.isEmpty && trial.measurements.map(\.step) == Array(1...trial.measurements.count))
            #expect(trial.finalMeasurement?.metrics["validation_accuracy"] != nil)
        }
    }

    @Test func validateAndRunRejectAnUnknownHyperparameterName() async throws {
        let directory = try makeTemporaryDirectory()
        _ = try digitsSubset(100, in: directory)
        let spec = """
            name: misspelt
            objective: {metric: validation_accuracy, goal: maximize}
            parameters:
              - {name: lr, type: double, min: 1e-3, max: 3e-2, scale: log}
            algorithm: random
            budget: {maxTrials: 3, parallelTrials: 1, maxFailedTrials: 1}
            trial:
              training:
                dataset: data/digits-subset.csv
                epochs: 1
                parameters: {learningRate: lr, colour: lr}
                fixed: {widht: "32"}
            """
        try spec.write(toFile: directory + "/misspelt.yaml", atomically: true, encoding: .utf8)
        let message = "misspelt.yaml:12:13: error: trial.training.fixed.widht: 'widht' is not a hyperparameter of the training core; "
            + "known names: "
        let validate = try await AugurProcess.run(["validate", "misspelt.yaml"], in: directory)
        #expect(validate.status == 1)
        #expect(validate.standardError.contains(message), "\(validate.standardError)")
        #expect(validate.standardError.contains("misspelt.yaml:11:36: error: trial.training.parameters.colour: 'colour' is not"),
                "\(validate.standardError)")
        let run = try await AugurProcess.run(["run", "misspelt.yaml", "--database", "db.sqlite"], in: directory)
        #expect(run.status == 1)
        #expect(run.standardError.contains(message), "\(run.standardError)")
        #expect(!run.standardOutput.contains("misspelt"))
        // A worker checks the file before it creates the study on a server (none listens on port 9).
        let worker = try await AugurProcess.run(["worker", "--server", "127.0.0.1:9", "--spec", "misspelt.yaml"], in: directory)
        #expect(worker.status == 1)
        #expect(worker.standardError.contains(message), "\(worker.standardError)")
    }
}
