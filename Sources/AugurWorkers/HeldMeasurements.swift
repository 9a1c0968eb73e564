import AugurAlgorithms
import AugurCore
import AugurService
import Foundation
import Logging

/// The intermediate measurements of one running trial that the store could not take yet, kept in order until it
/// is back, so that none is lost and none is recorded twice.
///
/// Every measurement of the trial goes through ``report(_:)``. While nothing is held it is written at once. When the
/// store answers `unavailable` (PostgreSQL restarting, `augur serve` unreachable, a disk full for a moment), it is
/// held behind any held before it; held measurements are written oldest first at the next report, and
/// ``afterHeldMeasurements(_:)`` writes them all, retrying with back-off, before the trial's ending is recorded.
/// Any other refusal (the trial is no longer ACTIVE, the study was deleted) is not retried: the measurement is
/// dropped with a warning. A store whose database is gone (`dataLoss`) stops the trial: nothing it measures could be
/// kept.
///
/// Exactly once: only the oldest held measurement is ever retried, so when a write reached the store but its reply
/// was lost, the retry repeats the trial's last stored measurement, which every store leaves unrecorded
/// (`StudyStore.addMeasurement`).
///
/// With a trial folder, held measurements are also kept in ``fileName`` there, one JSON measurement a line, oldest
/// first, so that a crash does not lose them; the file is removed once they are written. A file left by an
/// earlier attempt of the trial (a crash) is kept as `held-measurements.earlier.jsonl`: the store discarded that
/// attempt's measurements when it handed the trial out again.
public actor HeldMeasurements {
    /// The file in the trial's folder that keeps what is held.
    public static let fileName = "held-measurements.jsonl"

    private let service: any StudyServing
    private let study: String
    private let trial: Int
    private let file: String?
    private let firstRetryDelay: Duration
    private let logger: Logger
    /// Waiting to be written, oldest first; the first ones may be in flight.
    private var queue: [TrialMeasurement] = []
    /// How many of the queue the store has refused (held) so far; reported when it grows to a power of two.
    private var heldSinceReported = 0
    private var writing = false
    /// How many measurements the trial's file holds: the first `filed` of the queue, so that a measurement held
    /// behind them is appended rather than the file rewritten; `nil` when the file still holds some the store has
    /// taken since (it is rewritten at the next save).
    private var filed: Int? = 0

    /// - Parameters:
    ///   - folder: the trial's folder, where held measurements are kept on disk too; `nil` keeps them in memory only.
    ///   - retryDelay: the first wait before writing held measurements again when the trial is ending (doubling up
    ///     to 8 s).
    init(service: any StudyServing, study: String, trial: Int, folder: String?, retryDelay: Duration,
         logger: Logger = Logger(label: "augur.run")) {
        self.service = service
        self.study = study
        self.trial = trial
        self.file = folder.map { URL(fileURLWithPath: $0).appendingPathComponent(Self.fileName).path }
        self.firstRetryDelay = max(retryDelay, .milliseconds(1))
        self.logger = logger
        if let file, FileManager.default.fileExists(atPath: file) {
            let earlier = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("held-measurements.earlier.jsonl").path
            try? FileManager.default.removeItem(atPath: earlier)
            try? FileManager.default.moveItem(atPath: file, toPath: earlier)
            logger.warning("an earlier attempt of trial \(trial) left measurements the store never took; they are kept in \(earlier)")
        }
    }

    /// How many measurements are waiting to be written.
    var count: Int { queue.count }

    /// Writes `measurement` after any held ones, or holds it when the store is away. Returns the early-stopping
    /// decision when everything was written (`keepRunning` while anything is held).
    func report(_ measurement: TrialMeasurement) async -> StoppingDecision {
        queue.append(measurement)
        // Another report is writing (a runner that reports from several tasks): it takes this one in turn.
        guard !writing else { return .keepRunning }
        switch await writeQueue() {
        case .written(let decision): return decision
        case .held: return .keepRunning
        case .lost(let error): return .stop(because: "the store lost its database, so nothing this trial measures can be kept: \(error)")
        }
    }

    /// Writes every held measurement, waiting and retrying while the store is away, then runs `ending` (the
    /// trial's completion, failure or stop), retrying it the same way. Gives up when the task is cancelled (the
    /// held measurements stay in the trial's folder) or on an error other than `unavailable`.
    /// `ending` throws the service's `ServiceError`s (anything else is reported as an internal error).
    func afterHeldMeasurements(_ ending: @Sendable () async throws -> Trial) async throws(ServiceError) -> Trial {
        var delay = firstRetryDelay
        while true {
            if case .lost(let error) = await writeQueue() { throw error }
            if queue.isEmpty {
                do {
                    return try await ending()
                } catch let error as ServiceError where error.kind == .unavailable {
                    logger.warning("holding the ending of trial \(trial) until the store is back", metadata: ["error": "\(error)"])
                } catch let error as ServiceError {
                    throw error
                } catch {
                    throw .internalError("cannot record how trial \(trial) ended: \(error)")
                }
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .unavailable("stopped waiting for the store with \(queue.count) measurements of trial \(trial) held"
                    + (file.map { "; they are kept in \($0)" } ?? ""))
            }
            delay = min(delay * 2, .seconds(8))
        }
    }

    private enum Outcome {
        /// Everything was written; the store's decision on the last one.
        case written(StoppingDecision)
        /// The store is away; the queue is held.
        case held
        /// The store's database is gone for good.
        case lost(ServiceError)
    }

    /// Writes the queue oldest first until it is empty or the store is away.
    private func writeQueue() async -> Outcome {
        writing = true
        defer { writing = false }
        var decision = StoppingDecision.keepRunning
        let wasHeld = heldSinceReported
        while let next = queue.first {
            do throws(ServiceError) {
                decision = try await service.addMeasurement(study: study, trial: trial, measurement: next)
                queue.removeFirst()
                forgetFiled()
            } catch where error.kind == .unavailable {
                hold(because: error)
                return .held
            } catch where error.kind == .dataLoss {
                saveHeld()
                return .lost(error)
            } catch where error.kind == .notFound || error.kind == .failedPrecondition {
                // The trial was taken back (its lease ran out while the store was away) or the study is gone: none
                // of these can be recorded any more.
                logger.warning("dropping \(queue.count) measurements of trial \(trial) that the store no longer takes",
                               metadata: ["error": "\(error)"])
                queue.removeAll()
                forgetFiled()
            } catch {
                logger.warning("cannot record a measurement", metadata: ["trial": "\(trial)", "error": "\(error)"])
                queue.removeFirst()
                forgetFiled()
            }
        }
        if wasHeld > 0 {
            logger.notice("the store is back: wrote the measurements held for trial \(trial)")
            heldSinceReported = 0
        }
        saveHeld()
        return .written(decision)
    }

    private func hold(because error: ServiceError) {
        saveHeld()
        let held = queue.count
        if held > heldSinceReported, held & (held - 1) == 0 {
            logger.warning("holding \(held) measurement\(held == 1 ? "" : "s") for trial \(trial) until the store is back",
                           metadata: ["error": "\(error)"])
        }
        heldSinceReported = max(heldSinceReported, held)
    }

    /// The front of the queue left it: the file, if it holds any, holds one too many.
    private func forgetFiled() {
        if filed != 0 { filed = nil }
    }

    /// Makes the trial's file hold exactly the queue (removing it when the queue is empty): the measurements held
    /// since the last save are appended, and the file is rewritten only after the store took some of it, so holding
    /// n measurements writes each once rather than the whole queue n times. A crash in the middle of an append can
    /// leave the last line cut short; every line before it is whole.
    private func saveHeld() {
        guard let file else { return }
        if queue.isEmpty {
            if filed != 0 { try? FileManager.default.removeItem(atPath: file) }
            filed = 0
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        func lines(_ measurements: ArraySlice<TrialMeasurement>) -> Data {
            var text = Data()
            for measurement in measurements {
                guard let line = try? encoder.encode(measurement) else { continue }
                text.append(line)
                text.append(0x0A)
            }
            return text
        }
        do {
            if let filed, filed > 0, filed <= queue.count {
                guard filed < queue.count else { return }
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: lines(queue[filed...]))
            } else {
                try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try lines(queue[...]).write(to: URL(fileURLWithPath: file), options: .atomic)
            }
            filed = queue.count
        } catch {
            filed = nil
            logger.warning("cannot keep the held measurements of trial \(trial) in \(file); they are held in memory only",
                           metadata: ["error": "\(error)"])
        }
    }
}
