import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTraining
import AugurWorkers
import Foundation
import Testing

/// A population-based-training study of the training core, run in-process: each trial of a later generation trains
/// on from its parent's checkpoint (weights, optimizer state, epoch count) and leaves its own.
@Suite struct PopulationBasedTrainingTests {
    @Test func laterGenerationsTrainOnFromTheirParentsCheckpoints() async throws {
        let dataset = try writeBlobs()
        var spec = trainingStudy(dataset: dataset, epochs: 2)
        spec.name = "pbt-mlp"
        spec.searchSpace = SearchSpace([.double("lr", min: 1e-3, max: 1e-1, scale: .log)])
        spec.trial = .training(TrainingTrial(dataset: dataset, epochs: 2, device: "cpu", parameterMapping: ["learningRate": "lr"],
                                             fixed: ["depth": "1", "width": "8", "threads": "1"]))
        spec.algorithm = .populationBased(PopulationBasedTrainingSettings(population: 3, truncationThreshold: 0.34))
        spec.budget = Budget(maxTrials: 9, parallelTrials: 2)
        let service = StudyService(store: try SQLiteStudyStore(path: ":memory:"), leaseDuration: 60)
        _ = try await service.createStudy(spec)
        let directory = try makeTemporaryDirectory()
        let runner = StudyRunner(service: service, runner: TrainingTrialRunner(parallelism: 2, runDirectory: directory),
                                 parallelism: 2, pollInterval: .milliseconds(20))
        guard case .finished(let study) = try await runner.run(study: "pbt-mlp") else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(study.state == .completed)
        let trials = try await service.trials(study: "pbt-mlp")
        let metadata = try await service.metadata(study: "pbt-mlp")
        #expect(trials.count == 9)
        for trial in trials {
            #expect(trial.state == .completed, "trial \(trial.id): \(trial.statusReason ?? "")")
            let member = try #require(PopulationMember(metadata: metadata.entries(ofTrial: trial.id)))
            // Generation g trains epochs 2g + 1 and 2g + 2, on from its parent's two.
            #expect(trial.measurements.map(\.step) == [2 * member.generation + 1, 2 * member.generation + 2])
            let checkpoint = try TrainingCheckpoint.read(
                from: CheckpointHandOver.directory(ofTrial: trial.id, in: directory) + "/" + TrainingCheckpoint.fileName)
            #expect(checkpoint.epochs == 2 * (member.generation + 1))
            #expect(checkpoint.layerSizes == [2, 8, 2])
            if member.generation > 0 {
                let parent = try #require(member.parent)
                #expect((member.generation - 1) * 3 < parent && parent <= member.generation * 3)
            }
        }
    }

    @Test func aRunnerWithoutARunDirectoryFailsAPopulationBasedTrialWithTheReason() async throws {
        let dataset = try writeBlobs()
        var spec = trainingStudy(dataset: dataset, epochs: 1)
        spec.algorithm = .populationBased(PopulationBasedTrainingSettings(population: 2))
        let trial = Trial(id: 1, study: "mlp", parameters: ["lr": .double(0.01), "width": .integer(8)], state: .active)
        let outcome = await TrainingTrialRunner().run(trial, of: Study(spec: spec), slot: 0,
                                                      member: PopulationMember(generation: 0, member: 0), measurements: .discarding)
        guard case .failed(let reason) = outcome else {
            Issue.record("expected a failed trial, got \(outcome)")
            return
        }
        #expect(reason.contains("run directory"))
    }
}
