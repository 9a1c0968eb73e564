import AugurAlgorithms
import AugurCore

/// Replays synthetic curves as a study with a stopping policy, the way the service would: every trial reports one
/// measurement per step, and after each measurement the policy decides with everything reported so far.
///
/// `workers` trials run at once in lock step (one step each per tick, lowest trial id first); a trial that ends
/// frees its worker for the next trial. With one worker the trials run one after another.
struct StudySimulation {
    struct Outcome {
        var totalSteps: Int
        var stoppedTrials: Int
        /// The smallest true final value among trials that ran to the last step.
        var bestTrueFinal: Double
        /// The true final value of the completed trial with the smallest observed final value (what a user would pick).
        var pickedTrueFinal: Double
    }

    let curves: SyntheticCurves
    let workers: Int
    let objective = Objective(metric: "loss", goal: .minimize)

    func run(policy: (any StoppingPolicy)?) -> Outcome {
        var trials: [Trial] = []
        var running: [Int] = []  // indices into `trials`
        var next = 0
        var totalSteps = 0
        var stopped = 0
        while next < curves.curves.count || !running.isEmpty {
            while running.count < workers, next < curves.curves.count {
                trials.append(Trial(id: next + 1, study: "synthetic", parameters: [:], state: .active))
                running.append(trials.count - 1)
                next += 1
            }
            var stillRunning: [Int] = []
            for index in running {
                let step = trials[index].measurements.count + 1
                let value = curves.curves[index].observed[step - 1]
                trials[index].measurements.append(TrialMeasurement(step: step, metrics: ["loss": value]))
                totalSteps += 1
                if step == curves.steps {
                    trials[index].state = .completed
                    trials[index].finalMeasurement = trials[index].measurements.last
                    continue
                }
                if let policy {
                    let decision = policy.decide(for: trials[index], among: trials, objective: objective)
                    if decision.shouldStop {
                        trials[index].state = .stopped
                        trials[index].statusReason = decision.reason
                        stopped += 1
                        continue
                    }
                }
                stillRunning.append(index)
            }
            running = stillRunning
        }

        var bestTrue = Double.infinity
        var pickedObserved = Double.infinity
        var pickedTrue = Double.nan
        for (index, trial) in trials.enumerated() where trial.state == .completed {
            let curve = curves.curves[index]
            bestTrue = min(bestTrue, curve.trueFinal)
            if let observed = curve.observed.last, observed < pickedObserved {
                pickedObserved = observed
                pickedTrue = curve.trueFinal
            }
        }
        return Outcome(totalSteps: totalSteps, stoppedTrials: stopped, bestTrueFinal: bestTrue, pickedTrueFinal: pickedTrue)
    }
}
