/// One parameter as read from a spec, before its domain is checked: the raw nodes of its fields, so that both
/// formats (Augur's flat `min`/`max`/`values`, Katib's `feasibleSpace` of strings) share one set of rules.
struct ParameterDraft {
    enum Kind: String, CaseIterable {
        case double
        case integer = "int"
        case discrete
        case categorical
    }

    /// The parameter's own mapping.
    var node: SpecNode
    var name: String
    var nameNode: SpecNode
    var kind: Kind
    /// The mapping holding the bounds (Katib's `feasibleSpace`), where a missing bound is reported.
    var boundsOwner: SpecNode
    var min: SpecNode?
    var max: SpecNode?
    var step: SpecNode?
    var values: SpecNode?
    /// What the list of values is called in this format (`values` in Augur, `list` in Katib).
    var valuesKey: String
    var scale: ScaleType
    /// Where the scale was written (Augur `scale`, Katib `distribution`), if it was.
    var scaleNode: SpecNode?
    /// How random and quasi-random search draw it (Augur `distribution`, Katib `normal`/`logNormal`).
    var distribution: ParameterDistribution = .uniform
    /// The parent and its values as written (Augur `when`), typed once every parameter is read.
    var condition: (parent: String, values: [String])?

    /// Builds each parameter; an element is `nil` when that parameter could not be read (its problem is reported).
    /// Whether the values make a valid domain, and a condition a valid tree, is `SpecValidator`'s to say.
    static func buildAll(_ drafts: [ParameterDraft?], _ reader: inout SpecReader) -> [ParameterSpec?] {
        let built = drafts.map { draft in draft.flatMap { $0.build(&reader) } }
        var byName: [String: ParameterSpec] = [:]
        for case let parameter? in built where byName[parameter.name] == nil { byName[parameter.name] = parameter }
        return zip(drafts, built).map { draft, parameter in
            guard var parameter, let condition = draft?.condition else { return parameter }
            let parent = byName[condition.parent]
            parameter.condition = ParameterCondition(parent: condition.parent,
                                                     values: condition.values.map { typed($0, for: parent) })
            return parameter
        }
    }

    /// A condition's value written as text, in the type of its parent (text when the parent is unknown or the text
    /// is not a number a numeric parent could take; the validator then reports it).
    private static func typed(_ text: String, for parent: ParameterSpec?) -> ParameterValue {
        switch parent?.domain {
        case .integer?:
            if let value = Int(text.trimmingCharacters(in: .whitespaces)) { return .integer(value) }
            return SpecReader.parseNumber(text).map { .double($0) } ?? .string(text)
        case .discrete?, .double?:
            return SpecReader.parseNumber(text).map { .double($0) } ?? .string(text)
        case .categorical?, nil:
            return .string(text)
        }
    }

    /// The parameter as written, or `nil` if a field could not be read (every such problem is reported).
    func build(_ reader: inout SpecReader) -> ParameterSpec? {
        let errorsBefore = reader.errors.count
        let domain: ParameterSpec.Domain?
        switch kind {
        case .double: domain = doubleDomain(&reader)
        case .integer: domain = integerDomain(&reader)
        case .discrete: domain = discreteDomain(&reader)
        case .categorical: domain = categoricalDomain(&reader)
        }
        guard let domain, reader.errors.count == errorsBefore else { return nil }
        return ParameterSpec(name: name, domain: domain, distribution: distribution)
    }

    private func rejectList(_ reader: inout SpecReader) {
        if let values {
            reader.error("`\(valuesKey)` is for discrete and categorical parameters; a \(kind.rawValue) parameter "
                + "takes `min` and `max`.", at: values)
        }
    }

    private func rejectBounds(_ reader: inout SpecReader) {
        for (key, node) in [("min", min), ("max", max), ("step", step)] {
            guard let node else { continue }
            reader.error("`\(key)` is for double and int parameters; a \(kind.rawValue) parameter lists its values in "
                + "`\(valuesKey)`.", at: node)
        }
        if let scaleNode, scale != .linear {
            reader.error("a \(kind.rawValue) parameter has no scale; only double and int parameters can be log-scaled.",
                         at: scaleNode)
        }
    }

    private func requireBound(_ key: String, _ node: SpecNode?, _ reader: inout SpecReader) -> SpecNode? {
        if let node { return node }
        reader.error("missing required field `\(key)`; a \(kind.rawValue) parameter needs `min` and `max`.",
                     field: boundsOwner.path(of: key), mark: boundsOwner.mark)
        return nil
    }

    private func doubleDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectList(&reader)
        let low = requireBound("min", min, &reader).flatMap { reader.number($0, what: "`min`") }
        let high = requireBound("max", max, &reader).flatMap { reader.number($0, what: "`max`") }
        var stepValue: Double?
        if let step {
            stepValue = reader.number(step, what: "`step`")
            if stepValue == nil { return nil }
        }
        guard let low, let high else { return nil }
        return .double(min: low, max: high, scale: scale, step: stepValue)
    }

    private func integerDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectList(&reader)
        let low = requireBound("min", min, &reader).flatMap { reader.integer($0, what: "`min`") }
        let high = requireBound("max", max, &reader).flatMap { reader.integer($0, what: "`max`") }
        var stepValue = 1
        if let step {
            guard let value = reader.integer(step, what: "`step`") else { return nil }
            stepValue = value
        }
        guard let low, let high else { return nil }
        return .integer(min: low, max: high, step: stepValue, scale: scale)
    }

    private func requireValues(_ reader: inout SpecReader) -> [(String, SpecNode)]? {
        guard let values else {
            reader.error("missing required field `\(valuesKey)`; a \(kind.rawValue) parameter lists its values, "
                + "e.g. `\(valuesKey): [\(kind == .discrete ? "32, 64, 128" : "sgd, adam")]`.",
                field: boundsOwner.path(of: valuesKey), mark: boundsOwner.mark)
            return nil
        }
        return reader.stringList(values, what: "`\(valuesKey)`")
    }

    private func discreteDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectBounds(&reader)
        guard let elements = requireValues(&reader) else { return nil }
        let numbers = elements.compactMap { reader.number($0.1, what: "a value of a discrete parameter") }
        return numbers.count == elements.count ? .discrete(numbers) : nil
    }

    private func categoricalDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectBounds(&reader)
        return requireValues(&reader).map { .categorical($0.map(\.0)) }
    }
}
