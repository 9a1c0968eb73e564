import AugurAlgorithms
import AugurCore
import AugurWorkers
import Synchronization
import Testing

/// A small, fast training study on the shipped digits dataset.
private func trainingStudy(epochs: Int = 2, fixed: [String: String] = [:]) -> Study {
    Study(spec: StudySpec(
        name: "digits",
        searchSpace: SearchSpace([.double("lr", min: 0.001, max: 0.01, scale: .log), .integer("width", min: 8, max: 32)]),
        objective: Objective(metric: "validation_accuracy", goal: .maximize),
        trial: .training(TrainingTrial(dataset: "digits", epochs: epochs, device: "cpu",
                                       parameterMapping: ["learningRate": "lr", "width": "width"], fixed: fixed))))
}

private let point: ParameterAssignment = ["lr": .double(0.005), "width": .integer(16)]

@Suite struct TrainingTrialRunnerTests {
    @Test func trainsAndReportsEveryEpoch() async throws {
        let steps = Mutex<[Int]>([])
        let sink = MeasurementSink { measurement in
            steps.withLock { $0.append(measurement.step) }
            return .keepRunning
        }
        let outcome = await TrainingTrialRunner().run(Trial(id: 1, study: "digits", parameters: point, state: .active),
                                                      of: trainingStudy(), measurements: sink)
        guard case .completed(let final) = outcome else {
            Issue.record("expected a completed trial, got \(outcome)")
            return
        }
        #expect(steps.withLock { $0 } == [1, 2])
        #expect(final.step == 2)
        #expect((final.metrics["validation_accuracy"] ?? 0) > 0)
        #expect(final.metrics["training_loss"] != nil)
    }

    @Test func earlyStoppingDecisionEndsTrainingAfterThatEpoch() async throws {
        let sink = MeasurementSink { _ in .stop(because: "median rule") }
        let outcome = await TrainingTrialRunner().run(Trial(id: 1, study: "digits", parameters: point, state: .active),
                                                      of: trainingStudy(epochs: 5), measurements: sink)
        #expect(outcome == .stopped(reason: "median rule"))
    }

    @Test func unknownHyperparameterFailsTheTrial() async throws {
        let outcome = await TrainingTrialRunner().run(Trial(id: 1, study: "digits", parameters: point, state: .active),
                                                      of: trainingStudy(fixed: ["wingspan": "3"]), measurements: .discarding)
        guard case .failed(let reason) = outcome else {
            Issue.record("expected a failed trial, got \(outcome)")
            return
        }
        #expect(reason.contains("wingspan"))
    }

    @Test func cancellationInterruptsAtTheNextEpoch() async throws {
        let task = Mutex<Task<TrialOutcome, Never>?>(nil)
        // The first measurement waits until the test has stored the task, then cancels it.
        let (taskStored, storedSignal) = AsyncStream<Void>.makeStream()
        let sink = MeasurementSink { _ in
            for await _ in taskStored { break }
            task.withLock { $0?.cancel() }
            return .keepRunning
        }
        let running = Task {
            await TrainingTrialRunner().run(Trial(id: 1, study: "digits", parameters: point, state: .active),
                                            of: trainingStudy(epochs: 50), measurements: sink)
        }
        task.withLock { $0 = running }
        storedSignal.yield()
        #expect(await running.value == .interrupted)
    }
}
