/// A portfolio for the GP's exploring steps, in the spirit of GP-Hedge (Hoffman, Brochu & de Freitas 2011): each
/// exploring step is taken by one of two arms, UCB (the default exploring step, which keeps refining the basins the
/// model knows) or a Thompson sample (which goes far in proportion to the chance that the optimum lies there), and a
/// study plays the arm whose past steps paid.
///
/// **Stateless.** The designer keeps nothing between suggestions, so the record of each arm is recomputed from the
/// history on every suggestion: the exploring steps sit at fixed positions (every `period`-th model-based trial, in
/// trial-id order), the arm of each one is the rule below applied to the steps before it, and its reward is what its
/// trial found (``GaussianProcessDesigner/SearchOptions/PortfolioReward``): the improvement of its value over the best
/// value observed before it, in the model's warped and standardized units, or 1 for a new best and 0 otherwise (0 when
/// it failed or was infeasible). A step whose trial is still pending
/// has an arm but no reward yet. In a study with parallel workers a past step's arm is recomputed from what is known
/// now, which may differ from the arm it was proposed with while earlier trials were still pending; the choice stays a
/// pure function of the history, which is what replicas need.
///
/// **The rule.** Among the last ``window`` steps, an arm that was not played is played (so each arm is tried at least
/// once every `window + 1` steps: one lucky or unlucky step does not settle a study for good); otherwise the arm with
/// the higher mean reward over its rewarded steps in that window, UCB on a tie. Rewards shrink as a search converges,
/// so only recent steps are compared: an arm's early, easy gains do not outweigh the other arm's recent ones.
enum ExplorationPortfolio {
    enum Arm: String, CaseIterable, Sendable {
        case upperConfidenceBound
        case thompsonSample
    }

    /// One past exploring step: the arm it was taken with and its reward (`nil` while its trial is pending).
    struct Step: Sendable, Equatable {
        var arm: Arm
        var reward: Double?
    }

    /// How many previous exploring steps the choice looks back on.
    static let window = 6

    /// The arm for the exploring step after `steps` (the earlier ones, oldest first).
    static func nextArm(after steps: [Step]) -> Arm {
        let recent = steps.suffix(window)
        if let unplayed = Arm.allCases.first(where: { arm in !recent.contains { $0.arm == arm } }) { return unplayed }
        var best = Arm.upperConfidenceBound
        var bestMean = -Double.infinity
        for arm in Arm.allCases {
            let rewards = recent.filter { $0.arm == arm }.compactMap(\.reward)
            guard !rewards.isEmpty else { continue }
            let mean = rewards.reduce(0, +) / Double(rewards.count)
            if mean > bestMean {
                best = arm
                bestMean = mean
            }
        }
        return best
    }

    /// The exploring steps before history position `trialCount`, with the arm each was taken with and its reward.
    ///
    /// - Parameters:
    ///   - reward: what a step's trial pays.
    ///   - exploringPositions: the history positions of the exploring steps, ascending.
    ///   - observedPositions: the positions of the feasible observations, ascending, with `warpedValues` their values
    ///     in the model's units (larger is better).
    ///   - infeasiblePositions: the positions of failed and infeasible trials (reward 0).
    static func steps(reward: GaussianProcessDesigner.SearchOptions.PortfolioReward = .improvement, exploringPositions: [Int],
                      observedPositions: [Int], warpedValues: [Double], infeasiblePositions: [Int]) -> [Step] {
        var rewards: [Int: Double] = [:]
        var bestBefore = -Double.infinity
        // The best value observed before each exploring position, for block rewards.
        var bestBeforeStep = [Double](repeating: -Double.infinity, count: exploringPositions.count)
        var nextStep = 0
        for (position, value) in zip(observedPositions, warpedValues) {
            while nextStep < exploringPositions.count, exploringPositions[nextStep] <= position {
                bestBeforeStep[nextStep] = bestBefore
                nextStep += 1
            }
            let improvement = bestBefore.isFinite ? Swift.max(value - bestBefore, 0) : 0
            rewards[position] = reward == .newBest ? (improvement > 0 ? 1 : 0) : improvement
            bestBefore = Swift.max(bestBefore, value)
        }
        for position in infeasiblePositions { rewards[position] = 0 }
        if reward == .blockImprovement {
            // A step pays what the best value gained from its own trial up to the next exploring step.
            let observed = Dictionary(zip(observedPositions, warpedValues), uniquingKeysWith: Swift.max)
            let infeasible = Set(infeasiblePositions)
            var blockRewards: [Int: Double] = [:]
            let last = Swift.max(observedPositions.last ?? 0, infeasiblePositions.max() ?? 0) + 1
            for (index, position) in exploringPositions.enumerated() {
                let end = index + 1 < exploringPositions.count ? exploringPositions[index + 1] : Swift.max(last, position + 1)
                let before = index < nextStep ? bestBeforeStep[index] : bestBefore
                let blockBest = (position..<end).compactMap { observed[$0] }.max()
                if let blockBest {
                    blockRewards[position] = before.isFinite ? Swift.max(blockBest - before, 0) : 0
                } else if (position..<end).contains(where: { infeasible.contains($0) }) {
                    blockRewards[position] = 0
                }
            }
            rewards = blockRewards
        }
        var steps: [Step] = []
        steps.reserveCapacity(exploringPositions.count)
        for position in exploringPositions {
            steps.append(Step(arm: nextArm(after: steps), reward: rewards[position]))
        }
        return steps
    }

    /// The history positions below `trialCount` that were exploring steps: model-based suggestion `m = position −
    /// initialTrials` explores when `m mod period = period − 1`.
    static func exploringPositions(before trialCount: Int, initialTrials: Int, period: Int) -> [Int] {
        guard period > 0 else { return [] }
        return Array(stride(from: Swift.max(initialTrials, 0) + period - 1, to: trialCount, by: period))
    }
}
