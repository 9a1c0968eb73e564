import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import AugurWorkers
import Foundation
import Synchronization
import Testing

@Suite struct TrainingTrialRunnerTests {
    /// A study of `trainingStudy` with trial 1 at `parameters`.
    private func study(epochs: Int = 3, fixed: [String: String] = [:], dataset: String) -> Study {
        Study(spec: trainingStudy(dataset: dataset, epochs: epochs, fixed: fixed))
    }

    private func point(lr: Double = 0.05, width: Int = 8) -> Trial {
        Trial(id: 1, study: "mlp", parameters: ["lr": .double(lr), "width": .integer(width)], state: .active)
    }

    @Test func reportsOneMeasurementPerEpochAndCompletesWithTheLast() async throws {
        let dataset = try writeBlobs()
        let recorder = MeasurementRecorder()
        let outcome = await TrainingTrialRunner().run(point(), of: study(epochs: 4, dataset: dataset), measurements: recorder.sink())
        let measurements = recorder.measurements
        #expect(measurements.map(\.step) == [1, 2, 3, 4])
        for measurement in measurements {
            #expect(Set(measurement.metrics.keys).isSuperset(of: ["validation_accuracy", "validation_loss", "training_loss"]))
        }
        #expect(zip(measurements, measurements.dropFirst()).allSatisfy { ($0.elapsedSeconds ?? 0) <= ($1.elapsedSeconds ?? 0) })
        guard case .completed(let observations, let elapsedSeconds) = outcome,
              let final = Objective(metric: "validation_accuracy", goal: .maximize).finalMeasurement(from: measurements + observations)
        else {
            Issue.record("expected a completed trial, got \(outcome)")
            return
        }
        #expect(observations.isEmpty, "every epoch was reported")
        #expect(elapsedSeconds == measurements.last?.elapsedSeconds)
        #expect(final.step == 4)
        #expect(final.metrics["validation_accuracy"] == measurements.last?.metrics["validation_accuracy"])
        // Two well separated blobs: the network must learn them.
        #expect((final.metrics["validation_accuracy"] ?? 0) >= 0.9)
    }

    @Test func stopsAtTheNextEpochWhenTheSinkSaysStop() async throws {
        let dataset = try writeBlobs()
        let recorder = MeasurementRecorder(stopAtStep: 2)
        let outcome = await TrainingTrialRunner().run(point(), of: study(epochs: 10, dataset: dataset), measurements: recorder.sink())
        #expect(recorder.measurements.map(\.step) == [1, 2])
        #expect(outcome == .stopped(reason: "below the median"))
    }

    @Test func badSearchSpaceValueIsInfeasibleAndBadFixedValueFails() async throws {
        let dataset = try writeBlobs()
        let recorder = MeasurementRecorder()
        let infeasible = await TrainingTrialRunner().run(point(lr: 0), of: study(dataset: dataset), measurements: recorder.sink())
        guard case .infeasible(let reason) = infeasible else {
            Issue.record("expected an infeasible trial, got \(infeasible)")
            return
        }
        #expect(reason.contains("hyperparameter 'learningRate' = '0.0': must be in (0, 10]."))

        let failed = await TrainingTrialRunner().run(point(), of: study(fixed: ["optimizer": "lion"], dataset: dataset),
                                                     measurements: recorder.sink())
        guard case .failed(let failure) = failed else {
            Issue.record("expected a failed trial, got \(failed)")
            return
        }
        #expect(failure.contains("hyperparameter 'optimizer' = 'lion': must be one of sgd, adam, adamw."))
        #expect(recorder.measurements.isEmpty)
    }

    @Test func missingDatasetFailsWithItsPath() async throws {
        let outcome = await TrainingTrialRunner().run(point(), of: study(dataset: "/nonexistent/augur/data.csv"), measurements: .discarding)
        guard case .failed(let reason) = outcome else {
            Issue.record("expected a failed trial, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("cannot load dataset '/nonexistent/augur/data.csv'"))
    }

    @Test func sameSeedGivesTheSameMeasurements() async throws {
        let dataset = try writeBlobs()
        let runner = TrainingTrialRunner()
        var runs: [[[String: Double]]] = []
        for _ in 0..<2 {
            let recorder = MeasurementRecorder()
            _ = await runner.run(point(), of: study(fixed: ["seed": "5", "dropout": "0.2"], dataset: dataset), measurements: recorder.sink())
            runs.append(recorder.measurements.map { $0.metrics.filter { $0.key != "epoch_seconds" } })
        }
        #expect(runs[0].count == 3)
        #expect(runs[0] == runs[1])
    }

    @Test func cancellationEndsTheTrialAtTheNextEpochAsInterrupted() async throws {
        let dataset = try writeBlobs()
        let (reports, reported) = AsyncStream<Int>.makeStream()
        let (gate, open) = AsyncStream<Void>.makeStream()
        let sink = MeasurementSink { measurement in
            reported.yield(measurement.step)
            for await _ in gate { break }
            return .keepRunning
        }
        let running = Task { await TrainingTrialRunner().run(point(), of: study(epochs: 50, dataset: dataset), measurements: sink) }
        var steps: [Int] = []
        for await step in reports {
            steps.append(step)
            running.cancel()
            open.yield()
            break
        }
        let outcome = await running.value
        #expect(steps == [1])
        #expect(outcome == .interrupted)
    }

    @Test func runsAStudyToCompletionThroughTheRunLoop() async throws {
        let dataset = try writeBlobs()
        let store = InMemoryStudyStore()
        let service = StudyService(store: store)
        var spec = trainingStudy(dataset: dataset, epochs: 2)
        spec.algorithm = .random
        spec.seed = 4
        spec.budget = Budget(maxTrials: 4, parallelTrials: 2)
        _ = try await service.createStudy(spec)
        let runner = StudyRunner(
            service: service, runner: TrialRunnerFactory.make(for: spec, runDirectory: try makeTemporaryDirectory(), parallelism: 2),
            parallelism: 2)
        guard case .finished(let finished) = try await runner.run(study: "mlp") else {
            Issue.record("the run was interrupted")
            return
        }
        #expect(finished.state == .completed)
        let trials = try await service.trials(study: "mlp")
        #expect(trials.count == 4)
        for trial in trials {
            #expect(trial.state == .completed, "\(trial.statusReason ?? "")")
            #expect(trial.measurements.map(\.step) == [1, 2])
        }
    }
}

/// A training study over `lr` and `width` on `dataset`, maximizing validation accuracy.
func trainingStudy(dataset: String, epochs: Int, fixed: [String: String] = [:]) -> StudySpec {
    StudySpec(
        name: "mlp",
        searchSpace: SearchSpace([
            .double("lr", min: 1e-3, max: 1e-1, scale: .log),
            .integer("width", min: 4, max: 16),
        ]),
        objective: Objective(metric: "validation_accuracy", goal: .maximize),
        budget: Budget(maxTrials: 3, parallelTrials: 1),
        trial: .training(TrainingTrial(
            dataset: dataset, epochs: epochs, device: "cpu",
            parameterMapping: ["learningRate": "lr", "width": "width"], fixed: fixed.merging(["depth": "1"]) { first, _ in first })))
}

/// Writes 120 samples of two well separated 2-D blobs (label in the last column) and returns the file's path.
func writeBlobs() throws -> String {
    var generator = SeededGenerator(seed: 3)
    var lines: [String] = []
    for index in 0..<120 {
        let label = index % 2
        let centre = label == 0 ? -2.0 : 2.0
        let x = centre + Double.random(in: -1...1, using: &generator)
        let y = -centre + Double.random(in: -1...1, using: &generator)
        lines.append("\(x),\(y),\(label)")
    }
    let path = try makeTemporaryDirectory() + "/blobs.csv"
    try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Records every measurement a runner reports and answers "stop" from `stopAtStep` on.
final class MeasurementRecorder: Sendable {
    private let recorded = Mutex<[TrialMeasurement]>([])
    private let stopAtStep: Int?

    init(stopAtStep: Int? = nil) {
        self.stopAtStep = stopAtStep
    }

    var measurements: [TrialMeasurement] { recorded.withLock { $0 } }

    func sink() -> MeasurementSink {
        MeasurementSink { [self] measurement in
            recorded.withLock { $0.append(measurement) }
            if let stopAtStep, measurement.step >= stopAtStep {
                return StoppingDecision(shouldStop: true, reason: "below the median")
            }
            return .keepRunning
        }
    }
}
