import AugurCore

/// Random search: each trial is a uniform point of the unit cube, mapped to parameter values through
/// `SearchSpace.assignment(drawnAtUnit:)` (so distributions, log scale, integer steps and lists are honoured).
///
/// Trial `n` (counting from 0) draws from `SeededGenerator(seed: seed, stream: n)`, so it is the same whatever
/// happened to the other trials, and the designer needs only the trial count.
///
/// When every parameter is finite and the space has at most `distinctPointLimit` points, the designer avoids
/// points any trial already uses: it redraws from the same stream, and after `redrawLimit` clashes picks uniformly among
/// the unused points. It then reads the trials' parameters and proposes fewer points (or none) once the space is
/// exhausted.
public struct RandomDesigner: Designer {
    /// The largest finite search space in which random search avoids repeating points.
    public static let distinctPointLimit = 100_000
    /// How many draws trial `n` makes from its stream before falling back to a uniform pick among unused points.
    public static let redrawLimit = 32

    public let searchSpace: SearchSpace
    public let seed: UInt64
    /// The grid of a small finite space, whose used cells the designer avoids; `nil` otherwise.
    private let finiteGrid: SearchGrid?

    /// - Throws: `DesignerError` when the search space is malformed.
    public init(searchSpace: SearchSpace, seed: UInt64) throws(DesignerError) {
        try searchSpace.checkSearchable()
        self.searchSpace = searchSpace
        self.seed = seed
        // A continuous parameter (or a grid too large to count) makes SearchGrid throw: then repeats are harmless.
        if let grid = try? SearchGrid(searchSpace), grid.cellCount <= Self.distinctPointLimit {
            finiteGrid = grid
        } else {
            finiteGrid = nil
        }
    }

    /// The random designer of `spec`'s search space and seed.
    public init(spec: StudySpec) throws(DesignerError) {
        try self.init(searchSpace: spec.searchSpace, seed: spec.seed)
    }

    /// `.countsOnly`, or `.parameters` when the space is small and finite and the designer avoids repeats.
    public var historyScope: HistoryScope { finiteGrid == nil ? .countsOnly : .parameters }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        let count = max(request.count, 0)
        guard let grid = finiteGrid else {
            return (0..<count).map { index in
                var generator = generator(forTrial: request.trialCount + index)
                return searchSpace.assignment(drawnAtUnit: unitPoint(using: &generator))
            }
        }
        var used = UsedCells(grid.cells(of: request.history.lazy.map(\.parameters)))
        used.insert(contentsOf: grid.cells(of: request.pending))
        var suggestions: [ParameterAssignment] = []
        for index in 0..<count {
            guard used.count < grid.cellCount else { break }
            var generator = generator(forTrial: request.trialCount + index)
            let cell = freshCell(in: grid, avoiding: &used, using: &generator)
            used.insert(cell)
            suggestions.append(grid.assignment(ofCell: cell))
        }
        return suggestions
    }

    private func generator(forTrial trial: Int) -> SeededGenerator {
        SeededGenerator(seed: seed, stream: UInt64(truncatingIfNeeded: trial))
    }

    private func unitPoint(using generator: inout SeededGenerator) -> [Double] {
        (0..<searchSpace.parameters.count).map { _ in generator.nextUnit() }
    }

    /// An unused cell: the first of `redrawLimit` draws that is unused, else the k-th unused cell for a uniform k.
    /// `used` must leave at least one cell free.
    private func freshCell(in grid: SearchGrid, avoiding used: inout UsedCells,
                           using generator: inout SeededGenerator) -> Int {
        for _ in 0..<Self.redrawLimit {
            let point = searchSpace.assignment(drawnAtUnit: unitPoint(using: &generator))
            if let cell = grid.cell(of: point), !used.contains(cell) { return cell }
        }
        var rank = generator.nextIndex(below: grid.cellCount - used.count)
        var cell = 0
        for usedCell in used.sorted() {
            if usedCell - cell > rank { break }
            rank -= usedCell - cell
            cell = usedCell + 1
        }
        return cell + rank
    }
}

/// The cells already taken, with a sorted copy kept up to date once a fallback pick has needed one.
private struct UsedCells {
    private var cells: Set<Int>
    private var sortedCells: [Int]?

    init(_ cells: Set<Int>) {
        self.cells = cells
    }

    var count: Int { cells.count }

    func contains(_ cell: Int) -> Bool { cells.contains(cell) }

    mutating func insert(contentsOf newCells: Set<Int>) {
        for cell in newCells { insert(cell) }
    }

    mutating func insert(_ cell: Int) {
        guard cells.insert(cell).inserted, sortedCells != nil else { return }
        let position = sortedCells?.partitioningIndex { $0 >= cell } ?? 0
        sortedCells?.insert(cell, at: position)
    }

    mutating func sorted() -> [Int] {
        if let sortedCells { return sortedCells }
        let sorted = cells.sorted()
        sortedCells = sorted
        return sorted
    }
}

extension Array where Element == Int {
    /// The first index whose element satisfies `predicate`, for a predicate false then true along the array.
    fileprivate func partitioningIndex(where predicate: (Int) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if predicate(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
