/// What a stopping policy says about one ACTIVE trial after looking at its intermediate measurements.
public struct StoppingDecision: Sendable, Hashable {
    /// Whether the trial should end now, in state STOPPED.
    public var shouldStop: Bool
    /// Which rule stopped the trial and with which numbers, as a sentence for people (stored as the trial's status
    /// reason). Set exactly when `shouldStop` is true.
    public var reason: String?

    public init(shouldStop: Bool, reason: String? = nil) {
        self.shouldStop = shouldStop
        self.reason = reason
    }

    /// Let the trial run on.
    public static let keepRunning = StoppingDecision(shouldStop: false)

    /// Stop the trial, saying why.
    public static func stop(because reason: String) -> StoppingDecision {
        StoppingDecision(shouldStop: true, reason: reason)
    }
}
