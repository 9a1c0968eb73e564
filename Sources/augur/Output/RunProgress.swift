import AugurCore
import AugurStorage
import AugurWorkers
import Foundation
import Synchronization

/// What `augur run` shows while trials execute: done / running / failed of the budget, the best value so far, the
/// elapsed time and an estimate of the time left. On a terminal it is one line redrawn in place; otherwise every
/// finished trial prints a plain line.
final class RunProgress: Sendable {
    private struct State {
        var counts: TrialCounts
        var endedThisRun = 0
        var best: (trial: Int, value: Double)?
    }

    private let console: Console
    private let objective: Objective
    private let total: Int
    private let started = Date()
    private let state: Mutex<State>

    /// - Parameters:
    ///   - counts: the study's trial counts when the run starts (a resumed study has some done already).
    ///   - best: the best completed trial so far.
    init(console: Console, objective: Objective, total: Int, counts: TrialCounts, best: Trial?) {
        self.console = console
        self.objective = objective
        self.total = total
        var initial = State(counts: counts)
        // Trials left ACTIVE by an earlier run are re-run by this one; only this run's trials count as running.
        initial.counts.requested += initial.counts.active
        initial.counts.active = 0
        if let best, let value = best.finalValue(of: objective.metric) { initial.best = (best.id, value) }
        state = Mutex(initial)
    }

    /// Draws `events` until the stream finishes, redrawing the status line once a second meanwhile (for the elapsed
    /// time), then removes the status line.
    func render(_ events: AsyncStream<RunEvent>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    redraw()
                }
            }
            for await event in events {
                switch event {
                case .trialStarted(let trial): trialStarted(trial)
                case .trialEnded(let trial): trialEnded(trial)
                case .trialReturned(let trial): trialEnded(trial, interrupted: true)
                }
            }
            group.cancelAll()
        }
        finish()
    }

    func trialStarted(_ trial: Trial) {
        state.withLock { $0.counts.active += 1 }
        if !console.isTerminal {
            console.printLine("trial \(trial.id) started: \(Self.describe(trial.parameters))")
        }
        redraw()
    }

    /// Records a trial that ended (or, with `interrupted`, that went back to REQUESTED).
    func trialEnded(_ trial: Trial, interrupted: Bool = false) {
        let line: String? = state.withLock { state in
            state.counts.active -= 1
            guard !interrupted else { return nil }
            state.counts[trial.state] += 1
            state.endedThisRun += 1
            var text = "trial \(trial.id) \(trial.state.rawValue.lowercased())"
            if let value = trial.finalValue(of: objective.metric) {
                text += ": \(objective.metric)=\(formatNumber(value))"
                if trial.state == .completed, state.best.map({ objective.goal.isBetter(value, than: $0.value) }) ?? true {
                    state.best = (trial.id, value)
                    text += " (new best)"
                }
            }
            if let reason = trial.statusReason, trial.state != .completed {
                text += " — " + (reason.split(separator: "\n").first.map(String.init) ?? reason)
            }
            return text + " [\(summary(state))]"
        }
        if let line, !console.isTerminal || trial.state == .failed {
            console.printLine(line)
        }
        redraw()
    }

    /// Redraws the status line (called on every event and once a second).
    func redraw() {
        guard console.isTerminal else { return }
        console.setStatus(state.withLock { summary($0) })
    }

    /// Removes the status line before the final summary.
    func finish() {
        console.clearStatus()
    }

    private func summary(_ state: State) -> String {
        let done = state.counts.ended
        var parts = ["\(done)/\(total) done", "\(state.counts.active) running", "\(state.counts.failed) failed"]
        if let best = state.best {
            parts.append("best \(objective.metric)=\(formatNumber(best.value)) (trial \(best.trial))")
        }
        let elapsed = Date().timeIntervalSince(started)
        parts.append("elapsed \(Self.duration(elapsed))")
        if state.endedThisRun > 0, done < total {
            parts.append("ETA \(Self.duration(elapsed / Double(state.endedThisRun) * Double(total - done)))")
        }
        return parts.joined(separator: " · ")
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(String(format: "%02d", whole % 60))s" }
        return "\(whole / 3600)h\(String(format: "%02d", whole / 60 % 60))m"
    }

    static func describe(_ parameters: ParameterAssignment) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}
