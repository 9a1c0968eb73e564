import AugurCore

/// Grid search with Katib's semantics: every combination of the parameters' values, each proposed once.
///
/// A double needs a step and takes `min, min + step, …` up to `max` inclusive when `max` is on the grid (within float
/// rounding, so `[0, 1]` with step `0.1` has 11 values); an integer takes `min, min + step, …` (step 1 by default) up
/// to `max` inclusive; discrete and categorical parameters take their lists in order. Log scale does not change the
/// grid: like Katib, the values are the linear lattice `min + k·step`, because the step is written in the
/// parameter's own units.
///
/// Cells are proposed in `SearchGrid` order, skipping every cell used by any trial in any state (including ACTIVE and
/// REQUESTED ones, so parallel trials never share a cell). When every cell is used the designer proposes nothing and
/// the study completes once its running trials end.
public struct GridDesigner: Designer {
    public let grid: SearchGrid

    /// - Throws: `DesignerError` when a double has no step or the search space is malformed.
    public init(searchSpace: SearchSpace) throws(DesignerError) {
        grid = try SearchGrid(searchSpace)
    }

    /// The grid designer of `spec`'s search space (whatever `spec.algorithm` says).
    public init(spec: StudySpec) throws(DesignerError) {
        try self.init(searchSpace: spec.searchSpace)
    }

    public var historyScope: HistoryScope { .parameters }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        var used = grid.cells(of: request.history.lazy.map(\.parameters))
        used.formUnion(grid.cells(of: request.pending))
        var suggestions: [ParameterAssignment] = []
        // Each skipped cell is a used one, so the walk costs O(history + count), not O(cells).
        var cell = 0
        while suggestions.count < request.count, cell < grid.cellCount {
            if !used.contains(cell) {
                suggestions.append(grid.assignment(ofCell: cell))
            }
            cell += 1
        }
        return suggestions
    }
}
