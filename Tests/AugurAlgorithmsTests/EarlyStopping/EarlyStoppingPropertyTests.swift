import AugurAlgorithms
import AugurCore
import Testing

@Suite("Early-stopping properties")
struct EarlyStoppingPropertyTests {
    static let policies: [any StoppingPolicy] = [
        MedianStoppingPolicy(settings: MedianStoppingSettings(minTrialsRequired: 1, startStep: 1)),
        SuccessiveHalvingPolicy(settings: SuccessiveHalvingSettings(minResource: 1, reductionFactor: 2, rungs: 5)),
        SuccessiveHalvingPolicy(settings: SuccessiveHalvingSettings(minResource: 1, reductionFactor: 3, rungs: 4)),
        HyperbandPolicy(settings: HyperbandSettings(minResource: 1, maxResource: 30, eta: 2)),
        HyperbandPolicy(settings: HyperbandSettings(minResource: 1, maxResource: 30, eta: 3)),
    ]

    @Test("no policy stops a trial that is the best at every step so far", arguments: 0..<12, ObjectiveGoal.allCases)
    func bestTrialNeverStops(seed: Int, goal: ObjectiveGoal) {
        var random = SeededGenerator(seed: UInt64(seed))
        let curves = LearningCurves(goal: goal)
        let states: [TrialState] = [.active, .completed, .stopped]
        let horizon = 30

        // Other trials: decaying losses with noise, gaps, and different lengths.
        var others: [Trial] = []
        var otherLosses: [[(step: Int, loss: Double)]] = []
        for id in 1...12 {
            let asymptote = random.nextUnit()
            let scale = 0.5 + random.nextUnit()
            let lastStep = 3 + random.nextIndex(below: horizon - 2)
            var steps: [(step: Int, loss: Double)] = []
            for step in 1...lastStep where random.nextUnit() < 0.7 || step == lastStep {
                steps.append((step, asymptote + scale / Double(step) + 0.05 * random.nextGaussian()))
            }
            otherLosses.append(steps)
            others.append(curves.trial(id, steps: steps, state: states[random.nextIndex(below: states.count)]))
        }

        // The trial under test: at every step, better than every other trial's latest loss at or before that step.
        var best: [(step: Int, loss: Double)] = []
        for step in 1...horizon {
            let rivals = otherLosses.compactMap { steps in steps.last { $0.step <= step }?.loss }
            best.append((step, (rivals.min() ?? 1) - 0.01))
        }

        for policy in Self.policies {
            for length in 1...horizon {
                let trial = curves.trial(100 + seed, steps: Array(best.prefix(length)), state: .active)
                let decision = policy.decide(for: trial, among: others, objective: curves.objective)
                #expect(!decision.shouldStop, "\(type(of: policy)) stopped the best trial at step \(length): \(decision.reason ?? "")")
            }
        }
    }
}
