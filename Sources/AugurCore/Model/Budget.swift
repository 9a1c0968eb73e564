/// How many trials a study may run.
public struct Budget: Sendable, Codable, Hashable {
    /// Trials that may end (completed, stopped, failed or infeasible) before the study is done.
    public var maxTrials: Int
    /// Trials that may be ACTIVE at once.
    public var parallelTrials: Int
    /// Failed trials after which the study itself fails; `nil` means no limit beyond `maxTrials`.
    public var maxFailedTrials: Int?

    public init(maxTrials: Int = 20, parallelTrials: Int = 1, maxFailedTrials: Int? = nil) {
        self.maxTrials = maxTrials
        self.parallelTrials = parallelTrials
        self.maxFailedTrials = maxFailedTrials
    }
}
