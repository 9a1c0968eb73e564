import AugurCore

/// Asynchronous successive halving (ASHA, Li et al. 2020) as a stopping rule.
///
/// Rungs sit at steps `minResource * reductionFactor^k` for `k < rungs`. A trial is judged at a rung when it reaches
/// it, that is when its latest measurement is the first at or past the rung step (a measurement that jumps past
/// several rungs is judged at each, lowest first). Its value at the rung is its latest value at or before the rung
/// step. It is compared with the values at that rung of the other trials that have already passed the rung step
/// (reported at or after it), nobody is waited for:
/// - with `n` trials at the rung (itself included) and `n >= reductionFactor`, the trial continues when fewer than
///   `n / reductionFactor` (rounded down) of the others are strictly better, that is when it is in the top
///   `1 / reductionFactor`; ties with the last place that continues continue;
/// - with `n < reductionFactor` the rung has no top `1 / reductionFactor` yet; ASHA would promote nobody and start
///   new trials instead, which a stopping rule cannot do, so these first trials at the rung continue.
///
/// A trial that passes the top rung runs to the end of its own budget. A rung before a trial's first measurement is
/// not judged for that trial, and the trial does not count in that rung's population.
public struct SuccessiveHalvingPolicy: StoppingPolicy {
    public var historyScope: StoppingHistoryScope { .progressingTrials }

    public let settings: SuccessiveHalvingSettings
    /// The steps at which trials are judged, increasing.
    public let rungSteps: [Int]
    /// The reduction factor in use (at least 2).
    public let reductionFactor: Int
    /// How a stopping reason names the rule ("successive halving", or a Hyperband bracket).
    let ruleName: String

    /// `minResource` below 1 is taken as 1, `reductionFactor` below 2 as 2, negative `rungs` as 0; rungs whose step
    /// would overflow `Int` are left out.
    public init(settings: SuccessiveHalvingSettings) {
        self.settings = settings
        self.reductionFactor = max(2, settings.reductionFactor)
        self.rungSteps = Self.rungSteps(minResource: max(1, settings.minResource), reductionFactor: reductionFactor, rungs: settings.rungs)
        self.ruleName = "successive halving"
    }

    /// A bracket of Hyperband: the same rule with its own rungs and name.
    init(minResource: Int, reductionFactor: Int, rungs: Int, ruleName: String) {
        self.settings = SuccessiveHalvingSettings(minResource: minResource, reductionFactor: reductionFactor, rungs: rungs)
        self.reductionFactor = max(2, reductionFactor)
        self.rungSteps = Self.rungSteps(minResource: max(1, minResource), reductionFactor: self.reductionFactor, rungs: rungs)
        self.ruleName = ruleName
    }

    static func rungSteps(minResource: Int, reductionFactor: Int, rungs: Int) -> [Int] {
        var steps: [Int] = []
        var step = minResource
        for _ in 0..<max(0, rungs) {
            steps.append(step)
            let (next, overflow) = step.multipliedReportingOverflow(by: reductionFactor)
            if overflow { break }
            step = next
        }
        return steps
    }

    public func decide(for trial: Trial, among trials: [Trial], objective: Objective) -> StoppingDecision {
        decide(curve: LearningCurve(trial: trial, metric: objective.metric),
               competitors: trials.competitorCurves(excluding: trial, metric: objective.metric),
               objective: objective)
    }

    func decide(curve: LearningCurve, competitors: [LearningCurve], objective: Objective) -> StoppingDecision {
        guard let lastStep = curve.lastStep else { return .keepRunning }
        let previousStep = curve.previousStep ?? Int.min
        for (rungIndex, rung) in rungSteps.enumerated() where rung > previousStep && rung <= lastStep {
            guard let value = curve.value(atOrBefore: rung) else { continue }
            var population = 1
            var better = 0
            for other in competitors {
                guard let otherLast = other.lastStep, otherLast >= rung, let otherValue = other.value(atOrBefore: rung) else { continue }
                population += 1
                if objective.goal.isBetter(otherValue, than: value) { better += 1 }
            }
            guard population >= reductionFactor else { continue }
            let continuing = population / reductionFactor
            if better >= continuing {
                return .stop(because: "\(ruleName): \(objective.metric) \(stoppingFormat(value)) at rung step \(rung) "
                    + "(rung \(rungIndex + 1) of \(rungSteps.count)) ranks \(better + 1) of \(population) trials that reached it; "
                    + "only the top \(continuing) (1/\(reductionFactor)) continue (\(objective.goal.rawValue))")
            }
        }
        return .keepRunning
    }
}
