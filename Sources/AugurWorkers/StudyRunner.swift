import AugurAlgorithms
import AugurCore
import AugurService
import AugurStorage
import Foundation
import Logging

/// The run loop behind `augur run`: keeps up to `parallelism` trials running, each asked from the service by its own
/// slot (worker id `host:pid:namespace:instance.slot`), reports what they measure and how they end, and returns when the study is
/// no longer ACTIVE.
///
/// Cancelling the task that calls `run` is the graceful stop (Ctrl-C): running trials are terminated and given back
/// as REQUESTED (the store counts a retry), so `augur run` on the same study runs them again.
public struct StudyRunner: Sendable {
    /// How a run ended.
    public enum Ending: Sendable {
        /// The study is COMPLETED, FAILED or STOPPED.
        case finished(Study)
        /// The run was cancelled; the study is still ACTIVE and can be resumed.
        case interrupted(Study)
    }

    public var service: any StudyServing
    public var runner: any TrialRunner
    public var parallelism: Int
    public var identity: WorkerIdentity
    /// Where the run reports what happens (``RunEvent``); the stream is not finished by the run.
    public var events: AsyncStream<RunEvent>.Continuation?
    /// How long to wait before asking again when every trial is out with other workers.
    public var pollInterval: Duration
    public var logger: Logger

    public init(service: any StudyServing, runner: any TrialRunner, parallelism: Int, identity: WorkerIdentity = .currentProcess(),
                events: AsyncStream<RunEvent>.Continuation? = nil, pollInterval: Duration = .milliseconds(500),
                logger: Logger = Logger(label: "augur.run")) {
        self.service = service
        self.runner = runner
        self.parallelism = max(1, parallelism)
        self.identity = identity
        self.events = events
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Runs the study until it is no longer ACTIVE, or until the calling task is cancelled.
    public func run(study name: String) async throws(ServiceError) -> Ending {
        let failure: ServiceError? = await withTaskGroup(of: Int.self) { group in
            var freeSlots = Array(0..<parallelism)
            var running = 0
            while true {
                if !Task.isCancelled {
                    do throws(ServiceError) {
                        while let slot = freeSlots.first {
                            let client = identity.slot(slot).description
                            let suggestion = try await service.suggest(study: name, client: client, count: 1, expectedUID: nil)
                            guard let trial = suggestion.trials.first else { break }
                            freeSlots.removeFirst()
                            running += 1
                            let member = suggestion.metadata[trial.id].flatMap(PopulationMember.init(metadata:))
                            group.addTask { await runTrial(trial, of: suggestion.study, member: member, client: client, slot: slot) }
                        }
                    } catch {
                        group.cancelAll()
                        while let slot = await group.next() { freeSlots.append(slot) }
                        return error
                    }
                }
                if running == 0 {
                    if Task.isCancelled { return nil }
                    do throws(ServiceError) {
                        if try await service.getStudy(name).state != .active { return nil }
                    } catch {
                        return error
                    }
                    // Every trial is out with other workers (or the parallel limit is theirs): ask again shortly.
                    try? await Task.sleep(for: pollInterval)
                    continue
                }
                if let slot = await group.next() {
                    freeSlots.append(slot)
                    freeSlots.sort()
                    running -= 1
                }
            }
        }
        if let failure { throw failure }
        let study = try await service.getStudy(name)
        if Task.isCancelled, study.state == .active { return .interrupted(study) }
        return .finished(study)
    }

    /// Runs one trial and records how it ended; returns the slot it used.
    private func runTrial(_ trial: Trial, of study: Study, member: PopulationMember?, client: String, slot: Int) async -> Int {
        events?.yield(.trialStarted(trial))
        let name = study.name
        // Measurements the store cannot take while it is away are held and written when it is back (HeldMeasurements).
        let held = HeldMeasurements(service: service, study: name, trial: trial.id, folder: runner.trialFolder(of: trial.id),
                                    retryDelay: pollInterval, logger: logger)
        let sink = MeasurementSink { measurement in await held.report(measurement) }
        let running = await withTaskGroup(of: RunningTrial?.self) { group in
            group.addTask {
                .ended(await runner.run(trial, of: study, slot: slot, member: member, measurements: sink))
            }
            group.addTask {
                // Keeps the lease alive for trials that run long without reporting. When the service says the trial
                // is no longer this client's (its lease lapsed and it went to another worker, or it ended), the run
                // here stops: the trial must not go on twice, nor its reports mix with another attempt's.
                let interval = max(1, service.leaseDuration / 3)
                while true {
                    do {
                        try await Task.sleep(for: .seconds(interval))
                    } catch {
                        return nil
                    }
                    do throws(ServiceError) {
                        try await service.heartbeat(study: name, trial: trial.id, client: client)
                    } catch where error.kind == .failedPrecondition || error.kind == .notFound {
                        return .leaseLost(error.message)
                    } catch {
                        continue  // Unreachable for now: the next heartbeat tries again.
                    }
                }
            }
            var result: RunningTrial?
            while let piece = await group.next() {
                guard let piece else { continue }
                if result == nil { result = piece }
                group.cancelAll()
            }
            return result ?? .ended(.interrupted)
        }
        let outcome: TrialOutcome
        switch running {
        case .ended(let ended):
            outcome = ended
        case .leaseLost(let why):
            logger.warning("trial is no longer this worker's; stopped it here without reporting its end",
                           metadata: ["trial": "\(trial.id)", "reason": "\(why)"])
            events?.yield(.trialReturned(trial))
            return slot
        }
        do throws(ServiceError) {
            let finished: Trial
            switch outcome {
            case .completed(let observations, let elapsedSeconds):
                finished = try await held.afterHeldMeasurements {
                    try await service.completeTrial(study: name, trial: trial.id, .observed(observations, elapsedSeconds: elapsedSeconds))
                }
            case .failed(let reason):
                finished = try await held.afterHeldMeasurements { try await service.failTrial(study: name, trial: trial.id, reason: reason) }
            case .stopped(let reason):
                finished = try await held.afterHeldMeasurements { try await service.stopTrial(study: name, trial: trial.id, reason: reason) }
            case .infeasible(let reason):
                finished = try await held.afterHeldMeasurements {
                    try await service.completeTrial(study: name, trial: trial.id, .infeasible(reason: reason))
                }
            case .interrupted:
                try await service.releaseTrials(study: name, client: client, trials: [trial.id])
                logger.info("trial interrupted; it will run again when the study is resumed", metadata: ["trial": "\(trial.id)"])
                events?.yield(.trialReturned(trial))
                return slot
            }
            events?.yield(.trialEnded(finished))
        } catch {
            logger.error("cannot record how trial \(trial.id) ended", metadata: ["error": "\(error)"])
            events?.yield(.trialReturned(trial))
        }
        return slot
    }
}

/// How one trial's run ended on this worker: its runner's outcome, or the service's word that the trial is no longer
/// this worker's.
private enum RunningTrial: Sendable {
    case ended(TrialOutcome)
    case leaseLost(String)
}
