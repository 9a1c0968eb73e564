import AugurCore

/// What a designer is asked for: `count` new points given the study's history so far.
public struct DesignRequest: Sendable {
    /// How many new parameter assignments to propose.
    public var count: Int
    /// Trials created so far in every state (including ACTIVE and REQUESTED), as much as the designer's
    /// `historyScope` asked for; empty for `.countsOnly`.
    public var history: [Trial]
    /// How many trials the study has created so far; designers that need no history use it as their position in
    /// their sequence, so that the n-th trial is the same whatever happened to the others.
    public var trialCount: Int
    /// Parameters of trials that are ACTIVE or REQUESTED (pending results), which a batch-aware designer avoids.
    public var pending: [ParameterAssignment]

    public init(count: Int, history: [Trial] = [], trialCount: Int, pending: [ParameterAssignment] = []) {
        self.count = count
        self.history = history
        self.trialCount = trialCount
        self.pending = pending
    }
}

/// Proposes trials for one study. A designer is a value built from the study's spec; it keeps no state between
/// calls, so several service replicas give the same suggestion for the same seed and history.
public protocol Designer: Sendable {
    /// How much history the designer needs to see.
    var historyScope: HistoryScope { get }

    /// Proposes up to `request.count` new, valid, distinct assignments. Fewer (or none) means the search space is
    /// exhausted (a finished grid); the study completes once the trials already out have ended.
    func suggest(_ request: DesignRequest) throws -> [ParameterAssignment]

    /// `suggest` with what the designer records with each trial its points become (the service stores it as the
    /// trial's metadata). The default records nothing.
    func propose(_ request: DesignRequest) throws -> [DesignProposal]

    /// Whether the designer records metadata that a runner needs (population-based training's parent), so that the
    /// service hands the stored metadata out with every trial, also those assigned again. The default is `false`.
    var recordsTrialMetadata: Bool { get }
}

/// A point a designer proposes and what it records with the trial the point becomes.
public struct DesignProposal: Sendable, Hashable {
    public var parameters: ParameterAssignment
    public var metadata: [MetadataEntry]

    public init(parameters: ParameterAssignment, metadata: [MetadataEntry] = []) {
        self.parameters = parameters
        self.metadata = metadata
    }
}

extension Designer {
    public func propose(_ request: DesignRequest) throws -> [DesignProposal] {
        try suggest(request).map { DesignProposal(parameters: $0) }
    }

    public var recordsTrialMetadata: Bool { false }
}
