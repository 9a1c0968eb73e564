import AugurCore

extension QuasiRandomDesigner {
    /// The Gaussian-process designers' quasi-random start: of `count` suggestions, those for trial numbers below
    /// `initialTrials` (all of them while the model has fewer than two observations, `modelReady` false), at the
    /// design's positions that follow the trials already created.
    func initialAssignments(for request: DesignRequest, count: Int, initialTrials: Int, modelReady: Bool) throws -> [ParameterAssignment] {
        let initialCount = modelReady ? Swift.min(count, Swift.max(0, initialTrials - request.trialCount)) : count
        return try assignments(from: request.trialCount, count: initialCount)
    }

    /// The design's assignments at positions `position ..< position + count` (what a Gaussian-process designer
    /// suggests when no model can be fitted).
    func assignments(from position: Int, count: Int) throws -> [ParameterAssignment] {
        try (position..<(position + Swift.max(count, 0))).map { searchSpace.assignment(atUnit: try unitPoint(at: $0)) }
    }
}
