import AugurAlgorithms
import AugurCore

/// Replays synthetic curves as a study with a stopping policy, the way the service would: every trial reports one
/// measurement per step, and after each measurement the policy decides with everything reported so far.
///
/// `workers` trials run at once, in simulated time: trial `i` takes its curve's `stepSeconds` per step, measurements
/// are processed in time order (lower trial id first on ties), and a worker whose trial ends starts the next trial at
/// that moment. With one worker the trials run one after another.
struct StudySimulation {
    struct Outcome {
        var totalSteps: Int
        var stoppedTrials: Int
        /// Simulated seconds until the last trial ended.
        var makespan: Double
        /// The smallest true final value among trials that ran to the last step.
        var bestTrueFinal: Double
    }

    let curves: SyntheticCurves
    let workers: Int
    let objective = Objective(metric: "loss", goal: .minimize)

    func run(policy: (any StoppingPolicy)?) -> Outcome {
        var trials: [Trial] = []
        var running: [(index: Int, nextReport: Double)] = []
        var next = 0
        var totalSteps = 0
        var stopped = 0
        var now = 0.0

        func start(at time: Double) {
            guard next < curves.curves.count else { return }
            trials.append(Trial(id: next + 1, study: "synthetic", parameters: [:], state: .active))
            running.append((next, time + curves.curves[next].stepSeconds))
            next += 1
        }
        for _ in 0..<workers { start(at: 0) }

        while !running.isEmpty {
            var earliest = 0
            for position in running.indices.dropFirst() {
                let candidate = running[position], best = running[earliest]
                if candidate.nextReport < best.nextReport || (candidate.nextReport == best.nextReport && candidate.index < best.index) {
                    earliest = position
                }
            }
            let (index, time) = running[earliest]
            now = time
            let step = trials[index].measurements.count + 1
            trials[index].measurements.append(TrialMeasurement(step: step, metrics: ["loss": curves.curves[index].observed[step - 1]]))
            totalSteps += 1

            var ended = false
            if step == curves.steps {
                trials[index].state = .completed
                trials[index].finalMeasurement = trials[index].measurements.last
                ended = true
            } else if let policy {
                let decision = policy.decide(for: trials[index], among: trials, objective: objective)
                if decision.shouldStop {
                    trials[index].state = .stopped
                    trials[index].statusReason = decision.reason
                    stopped += 1
                    ended = true
                }
            }
            if ended {
                running.remove(at: earliest)
                start(at: now)
            } else {
                running[earliest].nextReport = time + curves.curves[index].stepSeconds
            }
        }

        let bestTrue = zip(trials, curves.curves).filter { $0.0.state == .completed }.map(\.1.trueFinal).min() ?? .nan
        return Outcome(totalSteps: totalSteps, stoppedTrials: stopped, makespan: now, bestTrueFinal: bestTrue)
    }
}
