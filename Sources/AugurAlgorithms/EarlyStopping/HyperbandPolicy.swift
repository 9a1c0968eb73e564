import Foundation
import AugurCore

/// Hyperband (Li et al. 2018) as a stopping rule: several asynchronous successive-halving brackets that trade how
/// many trials are started against how early they are judged.
///
/// With `r = minResource`, `R = maxResource` and `s_max = floor(log_eta(R / r))`, bracket `s` (for `s` from `s_max`
/// down to 0) is a ``SuccessiveHalvingPolicy`` with minimum resource `r * eta^(s_max - s)` and `s` rungs, so the most
/// aggressive bracket judges trials from step `r` on and bracket 0 never stops anything. Bracket `s` receives trials
/// in proportion to Hyperband's bracket size `ceil((s_max + 1) / (s + 1) * eta^s)`. A trial's bracket depends only on
/// its id: trial `i` takes the point `frac((i - 1) * 0.618…)` of a golden-ratio (Weyl) sequence on the brackets'
/// cumulative shares, most aggressive bracket first, which interleaves the brackets evenly in creation order.
/// A trial is compared only with the trials of its own bracket.
public struct HyperbandPolicy: StoppingPolicy {
    public var historyScope: StoppingHistoryScope { .progressingTrials }

    /// One successive-halving bracket.
    public struct Bracket: Sendable, Hashable {
        /// Hyperband's `s`: how many rungs the bracket has (0 never stops anything).
        public var index: Int
        /// The step of the bracket's first rung.
        public var minResource: Int
        /// The steps at which the bracket judges its trials.
        public var rungSteps: [Int]
        /// Hyperband's number of configurations for the bracket, the bracket's weight when assigning trials.
        public var size: Double
    }

    public let settings: HyperbandSettings
    /// The brackets from the most aggressive (`s_max`) to 0.
    public let brackets: [Bracket]
    private let policies: [SuccessiveHalvingPolicy]
    /// Cumulative shares of the brackets, in `brackets` order, ending at 1.
    private let cumulativeShares: [Double]

    /// `minResource` below 1 is taken as 1 and `eta` below 2 as 2; a `maxResource` below `minResource` leaves a
    /// single bracket that never stops anything.
    public init(settings: HyperbandSettings) {
        self.settings = settings
        let eta = max(2, settings.eta)
        let minResource = max(1, settings.minResource)
        var maxBracket = 0
        var resource = minResource
        while true {
            let (next, overflow) = resource.multipliedReportingOverflow(by: eta)
            if overflow || next > settings.maxResource { break }
            resource = next
            maxBracket += 1
        }

        var brackets: [Bracket] = []
        var policies: [SuccessiveHalvingPolicy] = []
        for s in stride(from: maxBracket, through: 0, by: -1) {
            let bracketMin = SuccessiveHalvingPolicy.rungSteps(minResource: minResource, reductionFactor: eta, rungs: maxBracket - s + 1).last ?? minResource
            let policy = SuccessiveHalvingPolicy(minResource: bracketMin, reductionFactor: eta, rungs: s,
                                                 ruleName: "hyperband bracket s=\(s) (of 0...\(maxBracket)), successive halving")
            let size = (Double(maxBracket + 1) * pow(Double(eta), Double(s)) / Double(s + 1)).rounded(.up)
            brackets.append(Bracket(index: s, minResource: bracketMin, rungSteps: policy.rungSteps, size: size))
            policies.append(policy)
        }
        let total = brackets.reduce(0) { $0 + $1.size }
        var running = 0.0
        var shares: [Double] = []
        for bracket in brackets {
            running += bracket.size
            shares.append(running / total)
        }
        shares[shares.count - 1] = 1
        self.brackets = brackets
        self.policies = policies
        self.cumulativeShares = shares
    }

    /// The bracket trial `trialID` belongs to.
    public func bracket(forTrialID trialID: Int) -> Bracket {
        brackets[bracketPosition(forTrialID: trialID)]
    }

    private func bracketPosition(forTrialID trialID: Int) -> Int {
        let goldenFraction = 0.618_033_988_749_894_9
        var point = (Double(trialID &- 1) * goldenFraction).truncatingRemainder(dividingBy: 1)
        if point < 0 { point += 1 }
        return cumulativeShares.firstIndex { point < $0 } ?? cumulativeShares.count - 1
    }

    public func decide(for trial: Trial, among trials: [Trial], objective: Objective) -> StoppingDecision {
        let position = bracketPosition(forTrialID: trial.id)
        let policy = policies[position]
        guard !policy.rungSteps.isEmpty else { return .keepRunning }
        let bracketMates = trials.filter { bracketPosition(forTrialID: $0.id) == position }
        return policy.decide(curve: LearningCurve(trial: trial, metric: objective.metric),
                             competitors: bracketMates.competitorCurves(excluding: trial, metric: objective.metric),
                             objective: objective)
    }
}
