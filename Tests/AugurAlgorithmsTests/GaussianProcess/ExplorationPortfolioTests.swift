import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

/// The portfolio of exploring steps: which arm it plays, and that the record it plays from is recomputed from history.
@Suite struct ExplorationPortfolioTests {
    typealias Step = ExplorationPortfolio.Step
    typealias Fixture = GaussianProcessDesignerTests

    @Test func triesEachArmOnceFirstUCBThenAThompsonSample() {
        #expect(ExplorationPortfolio.nextArm(after: []) == .upperConfidenceBound)
        #expect(ExplorationPortfolio.nextArm(after: [Step(arm: .upperConfidenceBound, reward: 0.4)]) == .thompsonSample)
    }

    @Test func playsTheArmWhoseRecentStepsPaidMore() {
        let thompsonPaid = [Step(arm: .upperConfidenceBound, reward: 0.01), Step(arm: .thompsonSample, reward: 0.5)]
        #expect(ExplorationPortfolio.nextArm(after: thompsonPaid) == .thompsonSample)
        let ucbPaid = [Step(arm: .upperConfidenceBound, reward: 0.3), Step(arm: .thompsonSample, reward: 0),
                       Step(arm: .upperConfidenceBound, reward: 0.1)]
        #expect(ExplorationPortfolio.nextArm(after: ucbPaid) == .upperConfidenceBound)
        // The mean, not the sum: one step that paid 0.5 beats three that paid 0.2 each.
        let fewerButBetter = [Step(arm: .thompsonSample, reward: 0.5), Step(arm: .upperConfidenceBound, reward: 0.2),
                              Step(arm: .upperConfidenceBound, reward: 0.2), Step(arm: .upperConfidenceBound, reward: 0.2)]
        #expect(ExplorationPortfolio.nextArm(after: fewerButBetter) == .thompsonSample)
    }

    @Test func aTieGoesToUCB() {
        let nothingPaid = [Step(arm: .upperConfidenceBound, reward: 0), Step(arm: .thompsonSample, reward: 0)]
        #expect(ExplorationPortfolio.nextArm(after: nothingPaid) == .upperConfidenceBound)
    }

    @Test func onlyTheLastWindowCountsAndAnArmMissingFromItIsPlayed() {
        // Thompson paid hugely long ago; UCB has paid a little since. Beyond the window, the old gain is forgotten …
        let old = [Step(arm: .upperConfidenceBound, reward: 0), Step(arm: .thompsonSample, reward: 5)]
        let recent = (0..<ExplorationPortfolio.window).map { $0 % 2 == 0 ? Step(arm: .upperConfidenceBound, reward: 0.05)
                                                                             : Step(arm: .thompsonSample, reward: 0) }
        #expect(ExplorationPortfolio.nextArm(after: old + recent) == .upperConfidenceBound)
        // … and an arm not played in the whole window is played whatever the other one paid.
        let ucbOnly = [Step](repeating: Step(arm: .upperConfidenceBound, reward: 1), count: ExplorationPortfolio.window)
        #expect(ExplorationPortfolio.nextArm(after: [Step(arm: .thompsonSample, reward: 0)] + ucbOnly) == .thompsonSample)
    }

    @Test func aPendingStepHasAnArmButNoReward() {
        let steps = [Step(arm: .upperConfidenceBound, reward: nil), Step(arm: .thompsonSample, reward: 0)]
        #expect(ExplorationPortfolio.nextArm(after: steps) == .thompsonSample)
    }

    @Test func exploringPositionsAreEveryPeriodthModelSuggestion() {
        #expect(ExplorationPortfolio.exploringPositions(before: 30, initialTrials: 8, period: 5) == [12, 17, 22, 27])
        #expect(ExplorationPortfolio.exploringPositions(before: 12, initialTrials: 8, period: 5) == [])
        #expect(ExplorationPortfolio.exploringPositions(before: 30, initialTrials: 8, period: 0) == [])
    }

    @Test func aStepsRewardIsItsImprovementOnTheBestBeforeIt() {
        // Positions 0–3 observed, 4 infeasible, 5 observed, 6 pending (absent).
        let steps = ExplorationPortfolio.steps(exploringPositions: [1, 2, 3, 4, 5, 6], observedPositions: [0, 1, 2, 3, 5],
                                               warpedValues: [0.0, 0.5, 1.0, 1.25, 2.0], infeasiblePositions: [4])
        #expect(steps.map(\.reward) == [0.5, 0.5, 0.25, 0, 0.75, nil])
        // Warm-up, then a tie (UCB), then Thompson's 0.5 against UCB's mean 0.375, then UCB's 0.375 against 0.25 …
        #expect(steps.map(\.arm) == [.upperConfidenceBound, .thompsonSample, .upperConfidenceBound, .thompsonSample,
                                     .upperConfidenceBound, .upperConfidenceBound])
    }

    @Test func withTheNewBestRewardAStepPaysOneForANewBestAndZeroOtherwise() {
        let steps = ExplorationPortfolio.steps(reward: .newBest, exploringPositions: [1, 2, 3, 4, 5, 6], observedPositions: [0, 1, 2, 3, 5],
                                               warpedValues: [0.0, 0.5, 1.0, 1.25, 2.0], infeasiblePositions: [4])
        #expect(steps.map(\.reward) == [1, 1, 1, 0, 1, nil])
        #expect(steps.map(\.arm) == [.upperConfidenceBound, .thompsonSample, .upperConfidenceBound, .upperConfidenceBound,
                                     .thompsonSample, .thompsonSample])
    }

    @Test func withTheBlockRewardAStepPaysWhatTheBestGainedUntilTheNextExploringStep() {
        // Steps at 2 and 5: the best went from 0.5 (before 2) to 1.0 (at 3), then to 1.5 (at 6); step 7 is pending.
        let steps = ExplorationPortfolio.steps(reward: .blockImprovement, exploringPositions: [2, 5, 7],
                                               observedPositions: [0, 1, 2, 3, 4, 5, 6],
                                               warpedValues: [0, 0.5, 0.25, 1.0, 0.75, 0.875, 1.5], infeasiblePositions: [])
        #expect(steps.map(\.reward) == [0.5, 0.5, nil])
        #expect(steps.map(\.arm) == [.upperConfidenceBound, .thompsonSample, .upperConfidenceBound])
    }

    /// The laws that make the record recomputable by any replica: a later trial never changes an earlier step's arm
    /// (the arms of a history's steps are a prefix of those of any longer history), and each arm is played at least
    /// once in every `window + 1` consecutive steps.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5], [GaussianProcessDesigner.SearchOptions.PortfolioReward.improvement, .newBest, .blockImprovement])
    func armsAreAPrefixOfLongerHistoriesAndNoArmIsStarved(seed: UInt64, reward: GaussianProcessDesigner.SearchOptions.PortfolioReward) {
        var generator = SeededGenerator(seed: seed)
        let count = 60
        let values = (0..<count).map { generator.nextGaussian() + 0.05 * Double($0) }
        let infeasible = (0..<count).filter { _ in generator.nextUnit() < 0.1 }
        let observed = (0..<count).filter { !infeasible.contains($0) }
        let exploring = ExplorationPortfolio.exploringPositions(before: count, initialTrials: 5, period: 2)
        let full = ExplorationPortfolio.steps(reward: reward, exploringPositions: exploring, observedPositions: observed,
                                              warpedValues: observed.map { values[$0] }, infeasiblePositions: infeasible)
        for cut in stride(from: 10, to: count, by: 7) {
            let shorter = ExplorationPortfolio.steps(
                reward: reward, exploringPositions: exploring.filter { $0 < cut }, observedPositions: observed.filter { $0 < cut },
                warpedValues: observed.filter { $0 < cut }.map { values[$0] }, infeasiblePositions: infeasible.filter { $0 < cut })
            #expect(shorter.map(\.arm) == Array(full.prefix(shorter.count)).map(\.arm))
        }
        let window = ExplorationPortfolio.window + 1
        for start in 0...(full.count - window) {
            let arms = Set(full[start..<(start + window)].map(\.arm))
            #expect(arms == Set(ExplorationPortfolio.Arm.allCases))
        }
    }

    /// In the designer: with period 5 after 8 initial trials the exploring steps are trials 12 (UCB) and 17 (a Thompson
    /// sample), and trial 22 plays the one whose trial found the better value, saying so in its metadata.
    @Test(arguments: [(12, "ucb(beta=3)"), (17, "thompson")])
    func theDesignerPlaysTheArmThatPaid(winner: Int, acquisition: String) throws {
        var history = try GaussianProcessSearchOptionsTests.history(count: 22, seed: 11)
        history[winner] = Fixture.trial(id: winner + 1, history[winner].parameters, value: -10)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 11)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationPortfolio: .improvement)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let request = DesignRequest(count: 1, history: history, trialCount: 22)
        let proposal = try #require(try designer.propose(request).first)
        #expect(GaussianProcessSearchOptionsTests.acquisition(proposal) == acquisition)
        #expect(try designer.propose(request).first == proposal)
        // A step that is not exploring uses the study's acquisition function.
        let regular = try #require(try designer.propose(DesignRequest(count: 1, history: history, trialCount: 21)).first)
        #expect(GaussianProcessSearchOptionsTests.acquisition(regular) == "logei")
    }
}
