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

/// A new trial a designer proposes: its parameters, and what the designer wants kept with it as trial metadata (the
/// GP's acquisition value and prediction, say). The service writes the metadata on the trial it creates.
public struct ProposedTrial: Sendable, Hashable {
    public var parameters: ParameterAssignment
    /// Entries written on the new trial; empty for most designers.
    public var metadata: [MetadataEntry]

    public init(parameters: ParameterAssignment, metadata: [MetadataEntry] = []) {
        self.parameters = parameters
        self.metadata = metadata
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

    /// `suggest` with the metadata to keep with each new trial. The default has none.
    func propose(_ request: DesignRequest) throws -> [ProposedTrial]
}

extension Designer {
    public func propose(_ request: DesignRequest) throws -> [ProposedTrial] {
        try suggest(request).map { ProposedTrial(parameters: $0) }
    }
}
