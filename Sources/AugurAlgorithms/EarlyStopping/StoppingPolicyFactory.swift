import AugurCore

/// Builds the stopping policy a study's spec asks for.
public enum StoppingPolicyFactory {
    /// The policy for `spec`. Settings out of range (which `augur validate` reports) are clamped to the nearest
    /// meaningful value rather than rejected here, so a policy can always be built.
    public static func make(for spec: EarlyStoppingSpec) -> any StoppingPolicy {
        switch spec {
        case .median(let settings): MedianStoppingPolicy(settings: settings)
        case .successiveHalving(let settings): SuccessiveHalvingPolicy(settings: settings)
        case .hyperband(let settings): HyperbandPolicy(settings: settings)
        }
    }
}
