/// What an early-stopping rule says about a trial after its latest measurement.
public struct TrialStopAdvice: Sendable, Hashable {
    public var shouldStop: Bool
    /// Why the trial should stop (the rule and the numbers), shown as the trial's status reason.
    public var reason: String?

    public init(shouldStop: Bool, reason: String? = nil) {
        self.shouldStop = shouldStop
        self.reason = reason
    }

    public static let keepGoing = TrialStopAdvice(shouldStop: false)
}
