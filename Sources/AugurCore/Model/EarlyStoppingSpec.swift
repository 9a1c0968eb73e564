/// Vizier-style median stopping: a trial stops when its best value so far is worse than the median of the other
/// trials' running averages at the same step.
public struct MedianStoppingSettings: Sendable, Codable, Hashable {
    /// Trials that must have reported at the step before the rule decides anything (Katib `min_trials_required`).
    public var minTrialsRequired: Int
    /// The first step at which the rule may stop a trial (Katib `start_step`).
    public var startStep: Int

    public init(minTrialsRequired: Int = 3, startStep: Int = 1) {
        self.minTrialsRequired = minTrialsRequired
        self.startStep = startStep
    }
}

/// Asynchronous successive halving (ASHA).
public struct SuccessiveHalvingSettings: Sendable, Codable, Hashable {
    /// The step of the first rung.
    public var minResource: Int
    /// Each rung keeps the top `1 / reductionFactor` of the trials that reached it.
    public var reductionFactor: Int
    /// How many rungs there are (rung k sits at `minResource * reductionFactor^k`).
    public var rungs: Int

    public init(minResource: Int = 1, reductionFactor: Int = 3, rungs: Int = 4) {
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.rungs = rungs
    }
}

/// Hyperband: several successive-halving brackets with different aggressiveness.
public struct HyperbandSettings: Sendable, Codable, Hashable {
    /// The metric step name that counts resource (Katib `resource_name`); informational, steps are the resource.
    public var resourceName: String?
    /// The smallest resource a trial gets (Katib `r_l`).
    public var minResource: Int
    /// The largest resource any trial gets.
    public var maxResource: Int
    /// The reduction factor (Katib `eta`).
    public var eta: Int

    public init(resourceName: String? = nil, minResource: Int = 1, maxResource: Int = 81, eta: Int = 3) {
        self.resourceName = resourceName
        self.minResource = minResource
        self.maxResource = maxResource
        self.eta = eta
    }
}

/// Which early-stopping policy judges a study's intermediate measurements.
public enum EarlyStoppingSpec: Sendable, Codable, Hashable {
    case median(MedianStoppingSettings)
    case successiveHalving(SuccessiveHalvingSettings)
    case hyperband(HyperbandSettings)

    public var name: String {
        switch self {
        case .median: "median"
        case .successiveHalving: "asha"
        case .hyperband: "hyperband"
        }
    }
}
