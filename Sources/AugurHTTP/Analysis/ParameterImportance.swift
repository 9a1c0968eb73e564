import AugurCore

/// How much each parameter matters to a study's objective: a PED-ANOVA estimate (Watanabe et al., "PED-ANOVA:
/// Efficiently Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023) on histograms.
///
/// For each parameter, the trials' values are binned on the parameter's unit scale (log scale for log parameters, one
/// bin per value for a list or a small lattice, ⌈√topCount⌉ + 1 bins, at most `continuousBins`, otherwise). The importance is the Pearson
/// divergence of the histogram of the top-`quantile` trials (by objective) from the histogram of all trials:
///
///     D = Σ_b (p_top(b) − p_all(b))² / p_all(b)
///
/// A parameter the objective does not depend on has a top set that is a random draw of all trials, so its divergence
/// is only sampling noise (about (bins − 1) / topCount); a parameter that decides the objective puts the top trials in
/// few bins and scores high. The raw divergences are also returned normalised to sum to 1. docs/algorithms.md has the
/// details.
public struct ParameterImportance: Sendable, Hashable, Codable {
    /// The importance of one parameter.
    public struct Entry: Sendable, Hashable, Codable {
        public var parameter: String
        /// The share of the total divergence, in [0, 1]; the shares of a study sum to 1 (all 0 when every divergence is 0).
        public var importance: Double
        /// The Pearson divergence of the top trials' histogram from all trials' histogram.
        public var divergence: Double
        /// How many bins the parameter's histogram has.
        public var bins: Int

        public init(parameter: String, importance: Double, divergence: Double, bins: Int) {
            self.parameter = parameter
            self.importance = importance
            self.divergence = divergence
            self.bins = bins
        }
    }

    /// Most important first (ties by the search space's order).
    public var entries: [Entry]
    /// The trials the estimate used (those with a finite objective value).
    public var trialCount: Int
    /// How many of them formed the top set.
    public var topCount: Int
    /// The top set's share of the trials.
    public var quantile: Double

    /// The fewest trials with an objective value an estimate needs: fewer give a top set of one trial.
    public static let minimumTrials = 10
    /// The most bins a continuous parameter's histogram has.
    public static let continuousBins = 10

    /// Estimates every parameter's importance from trials given as their parameters and objective value.
    ///
    /// - Parameters:
    ///   - searchSpace: the study's parameters; values outside a parameter's domain are ignored for that parameter.
    ///   - goal: whether larger or smaller objective values are better.
    ///   - trials: each trial's parameters and objective value; non-finite values are skipped.
    ///   - quantile: the share of trials, best first, that forms the top set (default 0.1; at least two trials).
    /// - Returns: `nil` when fewer than `minimumTrials` trials have a finite objective value.
    public static func estimate(searchSpace: SearchSpace, goal: ObjectiveGoal,
                                trials: [(parameters: ParameterAssignment, value: Double)],
                                quantile: Double = 0.1) -> ParameterImportance? {
        let usable = trials.filter { $0.value.isFinite }
        guard usable.count >= minimumTrials, quantile > 0, quantile <= 1 else { return nil }
        // Best first; ties keep the trials' order so the top set is deterministic.
        let ranked = usable.enumerated().sorted { lhs, rhs in
            let (a, b) = (goal.maximizationValue(lhs.element.value), goal.maximizationValue(rhs.element.value))
            return a != b ? a > b : lhs.offset < rhs.offset
        }.map(\.element)
        let topCount = min(usable.count, max(2, Int((Double(usable.count) * quantile).rounded(.up))))
        let top = ranked.prefix(topCount)

        var entries: [Entry] = []
        for parameter in searchSpace.parameters {
            let bins = binCount(of: parameter, topCount: topCount)
            let all = histogram(ranked.map { $0.parameters[parameter.name] }, parameter: parameter, bins: bins)
            let best = histogram(top.map { $0.parameters[parameter.name] }, parameter: parameter, bins: bins)
            // A conditional parameter is compared on the trials where it exists; when no top trial has it, the
            // choice of its parent explains that, not its own values.
            let inTop = top.contains { $0.parameters[parameter.name] != nil }
            let divergence = inTop ? pearsonDivergence(best, from: all) : 0
            entries.append(Entry(parameter: parameter.name, importance: 0, divergence: divergence, bins: bins))
        }
        let total = entries.reduce(0) { $0 + $1.divergence }
        if total > 0 {
            for index in entries.indices { entries[index].importance = entries[index].divergence / total }
        }
        let order = entries.enumerated().sorted { lhs, rhs in
            lhs.element.divergence != rhs.element.divergence ? lhs.element.divergence > rhs.element.divergence : lhs.offset < rhs.offset
        }.map(\.element)
        return ParameterImportance(entries: order, trialCount: usable.count, topCount: topCount, quantile: quantile)
    }

    /// One bin per value for a list or a lattice of at most 20 values; otherwise ⌈√topCount⌉ + 1, at most
    /// `continuousBins`, so that the noise floor of an irrelevant parameter, about (bins − 1) / topCount, shrinks as
    /// the study grows rather than swamping the signal of a small one.
    static func binCount(of parameter: ParameterSpec, topCount: Int) -> Int {
        if let cardinality = parameter.cardinality, cardinality <= 20 { return max(1, cardinality) }
        return min(continuousBins, Int(Double(topCount).squareRoot().rounded(.up)) + 1)
    }

    /// The share of values in each bin of the parameter's unit scale; values outside the domain are left out.
    static func histogram(_ values: [ParameterValue?], parameter: ParameterSpec, bins: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: bins)
        var total = 0.0
        for value in values {
            guard let value, let u = parameter.unitPosition(of: value), u.isFinite else { continue }
            let bin = min(bins - 1, max(0, Int(u * Double(bins))))
            counts[bin] += 1
            total += 1
        }
        return total > 0 ? counts.map { $0 / total } : counts
    }

    /// Σ (p − q)² / q over the bins where q > 0 (the top set is part of all trials, so p > 0 implies q > 0).
    static func pearsonDivergence(_ p: [Double], from q: [Double]) -> Double {
        zip(p, q).reduce(0) { sum, pair in
            pair.1 > 0 ? sum + (pair.0 - pair.1) * (pair.0 - pair.1) / pair.1 : sum
        }
    }
}
