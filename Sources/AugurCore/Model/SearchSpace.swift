/// The values a trial assigns, keyed by parameter name.
public typealias ParameterAssignment = [String: ParameterValue]

/// The parameters of a study, in the order the spec lists them.
public struct SearchSpace: Sendable, Codable, Hashable {
    public var parameters: [ParameterSpec]

    public init(_ parameters: [ParameterSpec]) {
        self.parameters = parameters
    }

    public subscript(name: String) -> ParameterSpec? {
        parameters.first { $0.name == name }
    }

    public var names: [String] { parameters.map(\.name) }

    /// Whether `assignment` gives every parameter that exists under it (`activeParameters(in:)`) exactly one legal
    /// value and nothing else: no value for a conditional parameter whose condition does not hold.
    public func isValid(_ assignment: ParameterAssignment) -> Bool {
        let active = activeParameters(in: assignment)
        guard assignment.count == active.count else { return false }
        return active.allSatisfy { parameter in
            assignment[parameter.name].map(parameter.contains) ?? false
        }
    }

    /// Whether any parameter is conditional.
    public var isConditional: Bool {
        parameters.contains { $0.condition != nil }
    }

    /// The parameters that exist under `assignment`, in spec order: every unconditional parameter, and every
    /// conditional one whose parent exists under `assignment` and has one of the condition's values there. A parent
    /// missing from `assignment`, unknown, or on a cycle makes its children absent (the validator refuses such trees).
    public func activeParameters(in assignment: ParameterAssignment) -> [ParameterSpec] {
        guard isConditional else { return parameters }
        let active = activeNames(in: assignment)
        return parameters.filter { active.contains($0.name) }
    }

    /// The names of `activeParameters(in:)`.
    public func activeNames(in assignment: ParameterAssignment) -> Set<String> {
        var byName: [String: ParameterSpec] = [:]
        for parameter in parameters where byName[parameter.name] == nil { byName[parameter.name] = parameter }
        var active: Set<String> = []
        // Parents usually come before their children, so one pass mostly suffices; each further pass adds at least
        // one parameter or ends the loop, so it ends after at most `parameters.count` passes whatever the order.
        var changed = true
        while changed {
            changed = false
            for parameter in parameters where !active.contains(parameter.name) {
                guard let condition = parameter.condition else {
                    active.insert(parameter.name)
                    changed = true
                    continue
                }
                guard active.contains(condition.parent), let parent = byName[condition.parent],
                      let value = assignment[condition.parent], condition.admits(value, of: parent) else { continue }
                active.insert(parameter.name)
                changed = true
            }
        }
        return active
    }

    /// `assignment` without the values of parameters that do not exist under it (and of names the space does not
    /// have): what a trial carries.
    public func pruned(_ assignment: ParameterAssignment) -> ParameterAssignment {
        guard isConditional else { return assignment }
        let active = activeNames(in: assignment)
        return assignment.filter { active.contains($0.key) }
    }

    /// The parameters whose condition names `parent`, in spec order.
    public func children(of parent: String) -> [ParameterSpec] {
        parameters.filter { $0.condition?.parent == parent }
    }

    /// Brings values decoded from storage or JSON back to the parameter's own type (a JSON `1.0` that
    /// was read as an integer becomes `.double(1)` for a double parameter, and so on).
    public func coerce(_ assignment: ParameterAssignment) -> ParameterAssignment {
        var result = assignment
        for parameter in parameters {
            guard let value = assignment[parameter.name] else { continue }
            switch (parameter.domain, value) {
            case (.double, .integer(let x)), (.discrete, .integer(let x)):
                result[parameter.name] = .double(Double(x))
            case (.integer, .double(let x)) where x == x.rounded() && abs(x) < 9.0e15:
                result[parameter.name] = .integer(Int(x))
            case (.categorical, .integer(let x)):
                result[parameter.name] = .string(String(x))
            case (.categorical, .double(let x)):
                result[parameter.name] = .string(formatNumber(x))
            default:
                break
            }
        }
        return result
    }
}

extension SearchSpace {
    /// The number of grid points: one per distinct assignment of the parameters that exist, so a child counts only
    /// under the parent values that admit it (the cells `ConditionalGrid` enumerates; without conditions, the
    /// product of the cardinalities).
    ///
    /// Returns `nil` when a parameter that can exist has no finite number of values, or when the conditions do not
    /// form a tree (a missing parent, a cycle: `SpecValidator` reports those), and `Int.max` when the count does not
    /// fit in an `Int`.
    public var gridCellCount: Int? {
        var position: [String: Int] = [:]
        for (index, parameter) in parameters.enumerated() where position[parameter.name] == nil {
            position[parameter.name] = index
        }
        var children = [[Int]](repeating: [], count: parameters.count)
        var roots: [Int] = []
        for (index, parameter) in parameters.enumerated() {
            guard let condition = parameter.condition else {
                roots.append(index)
                continue
            }
            guard let parent = position[condition.parent], parent != index else { return nil }
            children[parent].append(index)
        }
        var counts = [Int?](repeating: nil, count: parameters.count)
        var visiting = Set<Int>()
        // Depth-first, children before parents; a parameter met again while its subtree is counted closes a cycle.
        func count(_ index: Int) -> Int? {
            if let known = counts[index] { return known }
            guard visiting.insert(index).inserted, let radix = parameters[index].cardinality else { return nil }
            defer { visiting.remove(index) }
            var total = 0
            for value in 0..<radix {
                var block = 1
                if let parentValue = parameters[index].gridValue(at: value) {
                    for child in children[index] where parameters[child].condition?.admits(parentValue, of: parameters[index]) == true {
                        guard let size = count(child) else { return nil }
                        block = Self.saturatingProduct(block, size)
                    }
                }
                total = Self.saturatingSum(total, block)
            }
            counts[index] = total
            return total
        }
        var cells = 1
        for root in roots {
            guard let size = count(root) else { return nil }
            cells = Self.saturatingProduct(cells, size)
        }
        // A parameter no root reaches, whatever the values, hangs on a cycle.
        var reached = Set(roots)
        var frontier = roots
        while let next = frontier.popLast() {
            for child in children[next] where reached.insert(child).inserted { frontier.append(child) }
        }
        guard reached.count == parameters.count else { return nil }
        return cells
    }

    private static func saturatingProduct(_ a: Int, _ b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .max : product
    }

    private static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
