import AugurCore

/// Vizier's median stopping rule.
///
/// A trial at step `s` (the step of its latest measurement) stops when its best objective value at or before `s` is
/// strictly worse than the median of the other trials' running averages at `s`:
/// - an other trial counts only if it has reported at or after `s` (otherwise its curve up to `s` is not known yet)
///   and has at least one value at or before `s`;
/// - its running average at `s` is the mean of its values at steps at or before `s`, one term per reported step;
///   steps it skipped add no term;
/// - nothing is decided before `startStep`, or while fewer than `minTrialsRequired` other trials count at `s`;
/// - the median of an even number of averages is the mean of the two middle ones; a best value equal to the median
///   keeps the trial running.
public struct MedianStoppingPolicy: StoppingPolicy {
    public var historyScope: StoppingHistoryScope { .progressingTrials }

    public let settings: MedianStoppingSettings

    /// `minTrialsRequired` below 1 is taken as 1 (the median of nothing is undefined).
    public init(settings: MedianStoppingSettings) {
        self.settings = settings
    }

    private var minTrialsRequired: Int { max(1, settings.minTrialsRequired) }

    public func decide(for trial: Trial, among trials: [Trial], objective: Objective) -> StoppingDecision {
        let curve = LearningCurve(trial: trial, metric: objective.metric)
        guard let step = curve.lastStep, step >= settings.startStep,
              let best = curve.best(through: step, goal: objective.goal)
        else { return .keepRunning }

        var averages: [Double] = []
        for other in trials.competitorCurves(excluding: trial, metric: objective.metric) {
            guard let lastStep = other.lastStep, lastStep >= step,
                  let average = other.runningAverage(through: step)
            else { continue }
            averages.append(average)
        }
        guard averages.count >= minTrialsRequired else { return .keepRunning }

        let median = Self.median(of: averages)
        guard objective.goal.isBetter(median, than: best.value) else { return .keepRunning }
        let others = averages.count == 1 ? "1 other trial's running average" : "\(averages.count) other trials' running averages"
        return .stop(because: "median stopping: best \(stoppingFormat(best.value)) at step \(best.step) is worse than the median "
            + "\(stoppingFormat(median)) of \(others) at step \(step) (\(objective.goal.rawValue) \(objective.metric))")
    }

    /// The median of a non-empty list: the middle value, or the mean of the two middle values.
    static func median(of values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count.isMultiple(of: 2) {
            return (sorted[middle - 1] + sorted[middle]) / 2
        }
        return sorted[middle]
    }
}
