import AugurCore

/// Quasi-random search: trial `n` (counting from 0) is point `n` of a scrambled Halton or Sobol sequence, mapped to
/// parameter values through `SearchSpace.assignment(drawnAtUnit:)` (a `normal` distribution reshapes each
/// coordinate). Low-discrepancy points cover the space more evenly than random ones, so few trials leave no large
/// region unexplored; the Gaussian-process designer seeds its model with them (uniformly: it ignores distributions).
///
/// The position in the sequence is the trial count, so the designer needs no history and trial `n` is the same
/// whatever happened to the others. Unscrambled sequences skip their first point, the origin (the corner of the
/// space), so trial 0 is point 1.
public struct QuasiRandomDesigner: Designer {
    public let searchSpace: SearchSpace
    public let sequence: QuasiRandomSequence
    public let isScrambled: Bool
    private let generator: Generator

    private enum Generator: Sendable, Hashable {
        case halton(HaltonSequence)
        case sobol(SobolSequence)
    }

    /// - Parameters:
    ///   - scrambled: randomize the sequence from `seed` (the default); unscrambled points ignore the seed.
    /// - Throws: `DesignerError.tooManyDimensions` when Sobol has no direction numbers for so many parameters, and
    ///   the search-space errors every designer reports.
    public init(searchSpace: SearchSpace, sequence: QuasiRandomSequence, seed: UInt64,
                scrambled: Bool = true) throws(DesignerError) {
        try searchSpace.checkSearchable()
        let dimensions = searchSpace.parameters.count
        switch sequence {
        case .halton:
            generator = .halton(HaltonSequence(dimensions: dimensions, seed: seed, scrambled: scrambled))
        case .sobol:
            generator = .sobol(try SobolSequence(dimensions: dimensions, seed: seed, scrambled: scrambled))
        }
        self.searchSpace = searchSpace
        self.sequence = sequence
        self.isScrambled = scrambled
    }

    /// The quasi-random designer of `spec`: the sequence `spec.algorithm` names, or `fallback` when the algorithm is
    /// not quasi-random (the Gaussian-process designer's initial trials).
    public init(spec: StudySpec, fallback: QuasiRandomSequence = .halton) throws(DesignerError) {
        let sequence: QuasiRandomSequence
        if case .quasiRandom(let named) = spec.algorithm {
            sequence = named
        } else {
            sequence = fallback
        }
        try self.init(searchSpace: spec.searchSpace, sequence: sequence, seed: spec.seed)
    }

    public var historyScope: HistoryScope { .countsOnly }

    /// The point of [0, 1]^d behind trial `position` (0, 1, 2, …).
    ///
    /// - Throws: `DesignerError.sequenceExhausted` for a negative position or one past the sequence's end.
    public func unitPoint(at position: Int) throws(DesignerError) -> [Double] {
        let skip = isScrambled ? 0 : 1
        guard position >= 0, position < Int.max else {
            throw .sequenceExhausted(sequence: sequence, position: position)
        }
        let index = UInt64(position + skip)
        switch generator {
        case .halton(let halton):
            return halton.point(at: index)
        case .sobol(let sobol):
            guard index < SobolSequence.pointCount else {
                throw .sequenceExhausted(sequence: sequence, position: position)
            }
            return sobol.point(at: index)
        }
    }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        try (0..<max(request.count, 0)).map { offset in
            searchSpace.assignment(drawnAtUnit: try unitPoint(at: request.trialCount + offset))
        }
    }
}
