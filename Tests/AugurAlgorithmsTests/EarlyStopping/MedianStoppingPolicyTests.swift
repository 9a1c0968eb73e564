import AugurAlgorithms
import AugurCore
import Testing

@Suite("Median stopping")
struct MedianStoppingPolicyTests {
    /// Three finished trials whose running averages at step 3 are 0.4, 0.5 and 0.6 (median 0.5).
    func others(_ curves: LearningCurves) -> [Trial] {
        [
            curves.trial(1, [0.5, 0.4, 0.3, 0.2]),
            curves.trial(2, [0.6, 0.5, 0.4, 0.3]),
            curves.trial(3, [0.7, 0.6, 0.5, 0.4]),
        ]
    }

    func policy(minTrials: Int = 3, startStep: Int = 1) -> MedianStoppingPolicy {
        MedianStoppingPolicy(settings: MedianStoppingSettings(minTrialsRequired: minTrials, startStep: startStep))
    }

    @Test("stops a trial whose best value is worse than the median running average", arguments: ObjectiveGoal.allCases)
    func stopsWorseThanMedian(goal: ObjectiveGoal) throws {
        let curves = LearningCurves(goal: goal)
        let trial = curves.trial(4, [0.9, 0.8, 0.85], state: .active)
        let decision = policy().decide(for: trial, among: others(curves), objective: curves.objective)
        #expect(decision.shouldStop)
        let reason = try #require(decision.reason)
        let best = goal == .minimize ? "0.8" : "-0.8"
        let median = goal == .minimize ? "0.5" : "-0.5"
        #expect(reason.hasPrefix("median stopping: best \(best) at step 2 is worse than the median \(median) of 3 other trials' running averages at step 3"))
    }

    @Test("keeps a trial whose best value beats the median", arguments: ObjectiveGoal.allCases)
    func keepsBetterThanMedian(goal: ObjectiveGoal) {
        let curves = LearningCurves(goal: goal)
        // Latest value 0.9 is bad, but the best so far (0.45) beats the median 0.5.
        let trial = curves.trial(4, [0.45, 0.7, 0.9], state: .active)
        #expect(policy().decide(for: trial, among: others(curves), objective: curves.objective) == .keepRunning)
    }

    @Test("a best value equal to the median keeps the trial", arguments: ObjectiveGoal.allCases)
    func tieKeeps(goal: ObjectiveGoal) {
        let curves = LearningCurves(goal: goal)
        let trial = curves.trial(4, [0.5, 0.6, 0.7], state: .active)
        #expect(!policy().decide(for: trial, among: others(curves), objective: curves.objective).shouldStop)
    }

    @Test("too few other trials at the step decides nothing", arguments: [(3, true), (4, false)])
    func minTrialsRequired(minTrials: Int, stops: Bool) {
        let curves = LearningCurves(goal: .minimize)
        let trial = curves.trial(4, [0.9, 0.9, 0.9], state: .active)
        #expect(policy(minTrials: minTrials).decide(for: trial, among: others(curves), objective: curves.objective).shouldStop == stops)
    }

    @Test("nothing is decided before startStep", arguments: [(1, true), (3, true), (4, false)])
    func startStep(startStep: Int, stops: Bool) {
        let curves = LearningCurves(goal: .maximize)
        let trial = curves.trial(4, [0.9, 0.9, 0.9], state: .active)
        #expect(policy(startStep: startStep).decide(for: trial, among: others(curves), objective: curves.objective).shouldStop == stops)
    }

    @Test("trials that have not reached the step yet do not count")
    func othersMustHaveReachedTheStep() {
        let curves = LearningCurves(goal: .minimize)
        let others = others(curves) + [curves.trial(5, [0.1, 0.1], state: .active)]
        let trial = curves.trial(4, [0.9, 0.9, 0.9], state: .active)
        // Trial 5 only reached step 2: with it required, 4 trials would be needed at step 3 and only 3 are there.
        #expect(!policy(minTrials: 4).decide(for: trial, among: others, objective: curves.objective).shouldStop)
        // At step 2, trial 5 counts.
        let early = curves.trial(4, [0.9, 0.9], state: .active)
        #expect(policy(minTrials: 4).decide(for: early, among: others, objective: curves.objective).shouldStop)
    }

    @Test("missing steps: running averages use the steps reported up to the step", arguments: ObjectiveGoal.allCases)
    func missingSteps(goal: ObjectiveGoal) {
        let curves = LearningCurves(goal: goal)
        // Running averages at step 4: (0.2 + 0.4) / 2 = 0.3, (0.4 + 0.6) / 2 = 0.5, 0.4 (steps 2 and 3 missing or later).
        let others = [
            curves.trial(1, steps: [(1, 0.2), (3, 0.4), (6, 0.1)]),
            curves.trial(2, steps: [(2, 0.4), (4, 0.6)]),
            curves.trial(3, steps: [(1, 0.4), (5, 0.0)]),
        ]
        // The trial reported at steps 1 and 4 only; median 0.4.
        let worse = curves.trial(4, steps: [(1, 0.7), (4, 0.41)], state: .active)
        let better = curves.trial(4, steps: [(1, 0.7), (4, 0.39)], state: .active)
        #expect(policy().decide(for: worse, among: others, objective: curves.objective).shouldStop)
        #expect(!policy().decide(for: better, among: others, objective: curves.objective).shouldStop)
    }

    @Test("the median of an even number of averages is the mean of the middle two")
    func evenMedian() throws {
        let curves = LearningCurves(goal: .minimize)
        let others = [curves.trial(1, [0.1]), curves.trial(2, [0.2]), curves.trial(3, [0.4]), curves.trial(5, [0.9])]
        #expect(!policy().decide(for: curves.trial(4, [0.3], state: .active), among: others, objective: curves.objective).shouldStop)
        let decision = policy().decide(for: curves.trial(4, [0.31], state: .active), among: others, objective: curves.objective)
        #expect(try #require(decision.reason).contains("median 0.3 of 4 other trials"))
    }

    @Test("the median, unlike Katib's mean, is not dragged by one diverging trial")
    func medianNotMean() {
        let curves = LearningCurves(goal: .minimize)
        // Averages 0.1, 0.2 and 10: the mean (3.43) would keep a trial at 0.5; the median (0.2) stops it.
        let others = [curves.trial(1, [0.1]), curves.trial(2, [0.2]), curves.trial(3, [10])]
        #expect(policy().decide(for: curves.trial(4, [0.5], state: .active), among: others, objective: curves.objective).shouldStop)
    }

    @Test("failed, infeasible and requested trials are not others", arguments: [TrialState.failed, .infeasible, .requested])
    func ignoredStates(state: TrialState) {
        let curves = LearningCurves(goal: .minimize)
        let trials = [curves.trial(1, [0.1]), curves.trial(2, [0.1]), curves.trial(3, [0.1], state: state)]
        #expect(!policy().decide(for: curves.trial(4, [0.5], state: .active), among: trials, objective: curves.objective).shouldStop)
    }

    @Test("active, completed and stopped trials are others", arguments: [TrialState.active, .completed, .stopped])
    func countedStates(state: TrialState) {
        let curves = LearningCurves(goal: .minimize)
        let trials = [curves.trial(1, [0.1]), curves.trial(2, [0.1]), curves.trial(3, [0.1], state: state)]
        #expect(policy().decide(for: curves.trial(4, [0.5], state: .active), among: trials, objective: curves.objective).shouldStop)
    }

    @Test("measurements without the metric or with NaN are skipped")
    func skippedMeasurements() {
        let objective = Objective(metric: "loss", goal: .minimize)
        func trial(_ id: Int, _ measurements: [TrialMeasurement]) -> Trial {
            Trial(id: id, study: "curves", parameters: [:], state: .completed, measurements: measurements)
        }
        let others = [
            trial(1, [TrialMeasurement(step: 1, metrics: ["loss": 0.1]), TrialMeasurement(step: 2, metrics: ["accuracy": 0.9])]),
            trial(2, [TrialMeasurement(step: 1, metrics: ["loss": 0.2]), TrialMeasurement(step: 2, metrics: ["loss": .nan])]),
            trial(3, [TrialMeasurement(step: 1, metrics: ["loss": 0.3]), TrialMeasurement(step: 2, metrics: ["loss": 0.3])]),
        ]
        // Only trial 3 has a loss at step 2: too few for a decision at step 2.
        let atStepTwo = trial(4, [TrialMeasurement(step: 2, metrics: ["loss": 0.9])])
        #expect(!policy().decide(for: atStepTwo, among: others, objective: objective).shouldStop)
        // A NaN of the judged trial is skipped too: its latest loss is at step 1, where all three others count.
        let withNaN = trial(4, [TrialMeasurement(step: 1, metrics: ["loss": 0.9]), TrialMeasurement(step: 2, metrics: ["loss": .nan])])
        #expect(policy().decide(for: withNaN, among: others, objective: objective).shouldStop)
    }

    @Test("infinite values are ordinary values: an infinite loss is the worst there is")
    func infiniteValues() {
        let curves = LearningCurves(goal: .minimize)
        #expect(policy().decide(for: curves.trial(4, [.infinity], state: .active), among: others(curves), objective: curves.objective).shouldStop)
        let divergedOthers = [curves.trial(1, [.infinity]), curves.trial(2, [.infinity]), curves.trial(3, [0.2])]
        #expect(!policy().decide(for: curves.trial(4, [0.9], state: .active), among: divergedOthers, objective: curves.objective).shouldStop)
    }

    @Test("a trial with no value of the metric is never stopped")
    func noValues() {
        let curves = LearningCurves(goal: .minimize)
        let empty = Trial(id: 4, study: "curves", parameters: [:], state: .active)
        #expect(policy().decide(for: empty, among: others(curves), objective: curves.objective) == .keepRunning)
    }

    @Test("the judged trial is never among its own others")
    func notComparedWithItself() {
        let curves = LearningCurves(goal: .minimize)
        let trial = curves.trial(4, [0.9, 0.9, 0.9], state: .active)
        let trials = Array(others(curves).prefix(2)) + [trial]
        #expect(!policy().decide(for: trial, among: trials, objective: curves.objective).shouldStop)
    }

    @Test("the last report of a step wins, whatever the order steps arrive in")
    func lastReportWins() {
        let curves = LearningCurves(goal: .minimize)
        // Step 3 reported as 0.1 then corrected to 0.9; steps out of order.
        let trial = curves.trial(4, steps: [(3, 0.1), (1, 0.9), (2, 0.95), (3, 0.9)], state: .active)
        #expect(policy().decide(for: trial, among: others(curves), objective: curves.objective).shouldStop)
    }

    @Test("a minTrialsRequired below 1 is taken as 1")
    func clampedMinTrials() {
        let curves = LearningCurves(goal: .minimize)
        #expect(!policy(minTrials: 0).decide(for: curves.trial(4, [0.9], state: .active), among: [], objective: curves.objective).shouldStop)
        #expect(policy(minTrials: 0).decide(for: curves.trial(4, [0.9], state: .active), among: [curves.trial(1, [0.1])], objective: curves.objective).shouldStop)
    }
}
