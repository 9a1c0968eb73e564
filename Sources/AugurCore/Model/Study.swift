import Foundation

/// Whether a study still hands out trials.
public enum StudyState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Trials are being suggested and run.
    case active = "ACTIVE"
    /// The budget is spent, the grid is exhausted, or the target was reached.
    case completed = "COMPLETED"
    /// Too many trials failed.
    case failed = "FAILED"
    /// A user stopped the study; it can be resumed.
    case stopped = "STOPPED"
}

/// A stored study: its spec plus its state.
public struct Study: Sendable, Codable, Hashable {
    public var spec: StudySpec
    public var state: StudyState
    /// Why the study is in its state ("grid exhausted", "target 0.01 reached by trial 17", …).
    public var stateReason: String?
    public var createdAt: Date

    public var name: String { spec.name }

    public init(spec: StudySpec, state: StudyState = .active, stateReason: String? = nil, createdAt: Date = Date()) {
        self.spec = spec
        self.state = state
        self.stateReason = stateReason
        self.createdAt = createdAt
    }
}
