import AugurAlgorithms
import AugurCore
import Testing

@Suite("Successive halving (ASHA)")
struct SuccessiveHalvingPolicyTests {
    /// Rungs at steps 1, 3 and 9, keeping the top third.
    let policy = SuccessiveHalvingPolicy(settings: SuccessiveHalvingSettings(minResource: 1, reductionFactor: 3, rungs: 3))

    @Test("rungs sit at minResource * reductionFactor^k", arguments: [
        (SuccessiveHalvingSettings(minResource: 1, reductionFactor: 3, rungs: 4), [1, 3, 9, 27]),
        (SuccessiveHalvingSettings(minResource: 5, reductionFactor: 2, rungs: 3), [5, 10, 20]),
        (SuccessiveHalvingSettings(minResource: 0, reductionFactor: 1, rungs: 2), [1, 2]),
        (SuccessiveHalvingSettings(minResource: 2, reductionFactor: 4, rungs: 0), []),
        (SuccessiveHalvingSettings(minResource: Int.max / 2, reductionFactor: 4, rungs: 3), [Int.max / 2]),
    ])
    func rungSteps(settings: SuccessiveHalvingSettings, expected: [Int]) {
        #expect(SuccessiveHalvingPolicy(settings: settings).rungSteps == expected)
    }

    @Test("a trial outside the top third at a rung stops", arguments: ObjectiveGoal.allCases)
    func stopsOutsideTopThird(goal: ObjectiveGoal) throws {
        let curves = LearningCurves(goal: goal)
        let others = [curves.trial(1, [0.1]), curves.trial(2, [0.2]), curves.trial(3, [0.3])]
        // Four trials at rung 1: only the best one continues.
        let decision = policy.decide(for: curves.trial(4, [0.15], state: .active), among: others, objective: curves.objective)
        #expect(decision.shouldStop)
        let value = goal == .minimize ? "0.15" : "-0.15"
        #expect(try #require(decision.reason) == "successive halving: loss \(value) at rung step 1 (rung 1 of 3) ranks 2 of 4 trials that reached it; only the top 1 (1/3) continue (\(goal.rawValue))")
        #expect(!policy.decide(for: curves.trial(4, [0.05], state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("with six trials at a rung the best two continue", arguments: [(0.05, false), (0.15, false), (0.25, true), (0.9, true)])
    func topTwoOfSix(loss: Double, stops: Bool) {
        let curves = LearningCurves(goal: .maximize)
        let others = (1...5).map { curves.trial($0, [Double($0) / 10]) }
        #expect(policy.decide(for: curves.trial(6, [loss], state: .active), among: others, objective: curves.objective).shouldStop == stops)
    }

    @Test("ties with the last place that continues continue", arguments: ObjectiveGoal.allCases)
    func ties(goal: ObjectiveGoal) {
        let curves = LearningCurves(goal: goal)
        let others = [curves.trial(1, [0.2]), curves.trial(2, [0.2])]
        #expect(!policy.decide(for: curves.trial(3, [0.2], state: .active), among: others, objective: curves.objective).shouldStop)
        #expect(policy.decide(for: curves.trial(3, [0.21], state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("the first reductionFactor - 1 trials at a rung continue whatever their values", arguments: [0, 1])
    func tooFewToDecide(otherCount: Int) {
        let curves = LearningCurves(goal: .minimize)
        let others = (0..<otherCount).map { curves.trial($0 + 1, [0.1]) }
        #expect(!policy.decide(for: curves.trial(9, [5.0], state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("a trial is judged only by the measurement that reaches a rung")
    func judgedWhenReachingRung() {
        let curves = LearningCurves(goal: .minimize)
        let others = [curves.trial(1, [0.1, 0.1, 0.1]), curves.trial(2, [0.2, 0.2, 0.2]), curves.trial(3, [0.3, 0.3, 0.3])]
        // Step 2 is no rung: the bad trial runs on; at step 3 it is judged again.
        #expect(!policy.decide(for: curves.trial(4, [0.05, 0.9], state: .active), among: others, objective: curves.objective).shouldStop)
        #expect(policy.decide(for: curves.trial(4, [0.05, 0.9, 0.9], state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("a missing rung step is judged with the latest value before it, once the trial has passed it")
    func missingRungStep() throws {
        let curves = LearningCurves(goal: .minimize)
        let others = [curves.trial(1, [0.1, 0.1, 0.1]), curves.trial(2, [0.2, 0.2, 0.2]), curves.trial(3, [0.3, 0.3, 0.3])]
        // Reports at steps 2 and 4 skip rung 3: judged at step 4 with its step-2 value 0.5 (its 0.01 at step 4 is past the rung).
        let trial = curves.trial(4, steps: [(2, 0.5), (4, 0.01)], state: .active)
        let decision = policy.decide(for: trial, among: others, objective: curves.objective)
        #expect(try #require(decision.reason).contains("loss 0.5 at rung step 3"))
        // Others that skipped the rung count with their latest value before it.
        let skippers = [curves.trial(1, steps: [(2, 0.1), (5, 0.1)]), curves.trial(2, steps: [(1, 0.2), (4, 0.2)]), curves.trial(3, [0.3, 0.3, 0.3])]
        #expect(policy.decide(for: curves.trial(4, [0.5, 0.5, 0.5], state: .active), among: skippers, objective: curves.objective).shouldStop)
    }

    @Test("trials that have not passed the rung do not count")
    func othersMustHavePassedTheRung() {
        let curves = LearningCurves(goal: .minimize)
        // Trials 1 and 2 are still before rung 3: at rung 3 only trial 3 and the judged trial are there.
        let others = [curves.trial(1, [0.1, 0.1], state: .active), curves.trial(2, [0.2, 0.2], state: .active), curves.trial(3, [0.3, 0.3, 0.3])]
        #expect(!policy.decide(for: curves.trial(4, [0.05, 0.9, 0.9], state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("a measurement jumping past several rungs is judged at each", arguments: ObjectiveGoal.allCases)
    func jumpPastRungs(goal: ObjectiveGoal) throws {
        let curves = LearningCurves(goal: goal)
        // At rung 1 the trial (0.05) is best; at rung 3 its value is still 0.05, but three others were better by then.
        let others = [curves.trial(1, [0.3, 0.3, 0.01]), curves.trial(2, [0.3, 0.3, 0.02]), curves.trial(3, [0.3, 0.3, 0.03])]
        let trial = curves.trial(4, steps: [(1, 0.05), (10, 0.0)], state: .active)
        let decision = policy.decide(for: trial, among: others, objective: curves.objective)
        #expect(try #require(decision.reason).contains("at rung step 3 (rung 2 of 3) ranks 4 of 4"))
    }

    @Test("past the top rung nothing stops a trial")
    func pastTopRung() {
        let curves = LearningCurves(goal: .minimize)
        let others = (1...5).map { curves.trial($0, Array(repeating: 0.1, count: 20)) }
        #expect(!policy.decide(for: curves.trial(6, Array(repeating: 0.9, count: 10), state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("failed trials are not in a rung's population", arguments: [TrialState.failed, .infeasible])
    func failedTrialsIgnored(state: TrialState) {
        let curves = LearningCurves(goal: .minimize)
        let others = [curves.trial(1, [0.1], state: state), curves.trial(2, [0.2])]
        #expect(!policy.decide(for: curves.trial(3, [0.9], state: .active), among: others, objective: curves.objective).shouldStop)
    }
}
