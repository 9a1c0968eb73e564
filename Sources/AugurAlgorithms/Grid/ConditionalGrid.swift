import AugurCore

/// The cells of a finite search space with conditional parameters: exactly one cell per distinct assignment of the
/// parameters that exist (no two cells differ only in a parameter that does not exist under them).
///
/// The numbering extends `SearchGrid`'s mixed radix to the tree. The unconditional parameters are the digits of a
/// mixed-radix number, the first the most significant; a parameter's digit counts its *subtree*: the cells under
/// its first value (the cells of the children that exist under that value, numbered the same way), then those under
/// its second value, and so on. A parameter without children has one cell per value, so a space without conditions
/// is numbered exactly as `SearchGrid` numbers it.
struct ConditionalGrid: Sendable, Hashable {
    /// Indices of the unconditional parameters, in spec order.
    let roots: [Int]
    /// Per parameter, per value index: the indices of the children that exist under that value, in spec order.
    let children: [[[Int]]]
    /// Per parameter: the number of cells of its subtree.
    let counts: [Int]
    /// Per parameter, per value index: the first cell (within the subtree) of that value's block; one more entry at
    /// the end holds the subtree's count.
    let offsets: [[Int]]
    /// The number of cells.
    let cellCount: Int

    /// - Parameter radices: the number of values of each parameter (all finite).
    /// - Throws: `DesignerError.gridTooLarge` when the cells cannot be counted in an `Int`, `.invalidParameter`
    ///   for a tree the validator would refuse (a condition on a missing or continuous parent, a cycle).
    init(_ space: SearchSpace, radices: [Int]) throws(DesignerError) {
        let parameters = space.parameters
        var position: [String: Int] = [:]
        for (index, parameter) in parameters.enumerated() where position[parameter.name] == nil { position[parameter.name] = index }
        var children = radices.map { [[Int]](repeating: [], count: $0) }
        var roots: [Int] = []
        for (index, parameter) in parameters.enumerated() {
            guard let condition = parameter.condition else {
                roots.append(index)
                continue
            }
            guard let parent = position[condition.parent], parent != index else {
                throw .invalidParameter(name: parameter.name, reason: "its parent `\(condition.parent)` is not another parameter of the study")
            }
            for value in 0..<radices[parent] {
                guard let parentValue = parameters[parent].gridValue(at: value),
                      condition.admits(parentValue, of: parameters[parent]) else { continue }
                children[parent][value].append(index)
            }
        }
        // Children before parents: a parameter's count needs its children's. A cycle leaves parameters uncounted.
        var counts = [Int?](repeating: nil, count: parameters.count)
        var offsets = [[Int]](repeating: [], count: parameters.count)
        var remaining = Array(parameters.indices)
        while !remaining.isEmpty {
            var waiting: [Int] = []
            for index in remaining {
                let blocks = children[index]
                guard blocks.allSatisfy({ $0.allSatisfy { counts[$0] != nil } }) else {
                    waiting.append(index)
                    continue
                }
                var starts = [0]
                for block in blocks {
                    let size = try Self.product(block.map { counts[$0] ?? 1 }, names: space.names)
                    let (end, overflow) = starts[starts.count - 1].addingReportingOverflow(size)
                    guard !overflow else { throw .gridTooLarge(parameters: space.names) }
                    starts.append(end)
                }
                counts[index] = starts[starts.count - 1]
                offsets[index] = starts
            }
            guard waiting.count < remaining.count else {
                throw .invalidParameter(name: parameters[waiting[0]].name, reason: "its conditions form a cycle")
            }
            remaining = waiting
        }
        self.roots = roots
        self.children = children
        self.counts = counts.map { $0 ?? 0 }
        self.offsets = offsets
        cellCount = try Self.product(roots.map { counts[$0] ?? 0 }, names: space.names)
    }

    private static func product(_ factors: [Int], names: [String]) throws(DesignerError) -> Int {
        var result = 1
        for factor in factors {
            let (product, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw .gridTooLarge(parameters: names) }
            result = product
        }
        return result
    }

    /// The assignment of cell `index` (`0 ..< cellCount`): only the parameters that exist in it.
    func assignment(ofCell index: Int, in space: SearchSpace) -> ParameterAssignment {
        var assignment = ParameterAssignment()
        assign(roots, index: index, space: space, into: &assignment)
        return assignment
    }

    private func assign(_ siblings: [Int], index: Int, space: SearchSpace, into assignment: inout ParameterAssignment) {
        var rest = index
        // The last sibling is the least significant digit.
        for parameter in siblings.reversed() {
            let count = Swift.max(counts[parameter], 1)
            let digit = rest % count
            rest /= count
            // The value whose block holds `digit`: the last start not above it.
            let starts = offsets[parameter]
            var low = 0
            var high = starts.count - 2
            while low < high {
                let middle = (low + high + 1) / 2
                if starts[middle] <= digit { low = middle } else { high = middle - 1 }
            }
            assignment[space.parameters[parameter].name] = space.parameters[parameter].gridValue(at: low)
            assign(children[parameter][low], index: digit - starts[low], space: space, into: &assignment)
        }
    }

    /// The cell of `assignment`, or `nil` when a parameter that exists under it is missing or off the grid.
    /// Values of parameters that do not exist under it are ignored.
    func cell(of assignment: ParameterAssignment, in space: SearchSpace) -> Int? {
        index(of: roots, in: assignment, space: space)
    }

    private func index(of siblings: [Int], in assignment: ParameterAssignment, space: SearchSpace) -> Int? {
        var index = 0
        for parameter in siblings {
            let spec = space.parameters[parameter]
            guard let value = assignment[spec.name], let digit = spec.gridIndex(of: value),
                  let inner = self.index(of: children[parameter][digit], in: assignment, space: space) else { return nil }
            index = index * counts[parameter] + offsets[parameter][digit] + inner
        }
        return index
    }
}
