import AugurCore

/// The cells of a finite search space, numbered in mixed radix: the first parameter is the most significant digit
/// and the last varies fastest, as in nested loops over the parameters in spec order.
///
/// Cells are computed on demand from their index, so a grid of millions of cells costs nothing to hold. With
/// conditional parameters there is one cell per assignment of the parameters that exist (`ConditionalGrid`), so a
/// child's values are enumerated only under the parent values it exists for.
public struct SearchGrid: Sendable, Hashable {
    public let searchSpace: SearchSpace
    /// The number of values of each parameter, in spec order.
    public let radices: [Int]
    /// The number of cells: the product of `radices`.
    public let cellCount: Int
    /// How far apart in cell index two neighbouring values of each parameter are.
    private let strides: [Int]
    /// The numbering of a space with conditional parameters (one cell per assignment of the parameters that exist),
    /// `nil` without conditions.
    private let tree: ConditionalGrid?

    /// Builds the grid of `searchSpace`.
    ///
    /// - Throws: `DesignerError.gridNeedsStep` for a double without step, `.gridTooLarge` when the cells cannot be
    ///   counted in an `Int`, and the search-space errors every designer reports.
    public init(_ searchSpace: SearchSpace) throws(DesignerError) {
        try searchSpace.checkSearchable()
        var radices: [Int] = []
        for parameter in searchSpace.parameters {
            guard let count = parameter.cardinality else { throw .gridNeedsStep(parameter: parameter.name) }
            radices.append(count)
        }
        var strides = Array(repeating: 1, count: radices.count)
        var cellCount = 1
        for position in radices.indices.reversed() {
            strides[position] = cellCount
            let (product, overflow) = cellCount.multipliedReportingOverflow(by: radices[position])
            // With conditions the product only bounds the count, which `ConditionalGrid` computes exactly.
            guard !overflow || searchSpace.isConditional else { throw .gridTooLarge(parameters: searchSpace.names) }
            cellCount = overflow ? Int.max : product
        }
        self.searchSpace = searchSpace
        self.radices = radices
        self.strides = strides
        if searchSpace.isConditional {
            let tree = try ConditionalGrid(searchSpace, radices: radices)
            self.tree = tree
            self.cellCount = tree.cellCount
        } else {
            self.tree = nil
            self.cellCount = cellCount
        }
    }

    /// The assignment of cell `index` (`0 ..< cellCount`); with conditional parameters, only those that exist in it.
    public func assignment(ofCell index: Int) -> ParameterAssignment {
        if let tree { return tree.assignment(ofCell: index, in: searchSpace) }
        var assignment = ParameterAssignment(minimumCapacity: radices.count)
        for (position, parameter) in searchSpace.parameters.enumerated() {
            let digit = (index / strides[position]) % radices[position]
            assignment[parameter.name] = parameter.gridValue(at: digit)
        }
        return assignment
    }

    /// The cell an assignment sits in, or `nil` when a value is missing or off the grid (a trial added by hand, or
    /// one from before the search space changed).
    public func cell(of assignment: ParameterAssignment) -> Int? {
        if let tree { return tree.cell(of: assignment, in: searchSpace) }
        let parameters = searchSpace.parameters
        guard parameters.count <= 16 else {
            var index = 0
            for (position, parameter) in parameters.enumerated() {
                guard let value = assignment[parameter.name], let digit = parameter.gridIndex(of: value) else { return nil }
                index += digit * strides[position]
            }
            return index
        }
        // Walking the assignment and matching names by comparison avoids hashing every name: for the few parameters
        // of a typical study this halves the cost of indexing a long history.
        var index = 0
        var matched = 0
        for (name, value) in assignment {
            guard let position = parameters.firstIndex(where: { $0.name == name }) else { continue }
            guard let digit = parameters[position].gridIndex(of: value) else { return nil }
            index += digit * strides[position]
            matched += 1
        }
        return matched == parameters.count ? index : nil
    }

    /// The cells of every assignment in `assignments` that lies on the grid.
    public func cells(of assignments: some Sequence<ParameterAssignment>) -> Set<Int> {
        var cells: Set<Int> = []
        cells.reserveCapacity(assignments.underestimatedCount)
        for assignment in assignments {
            if let cell = cell(of: assignment) { cells.insert(cell) }
        }
        return cells
    }
}
