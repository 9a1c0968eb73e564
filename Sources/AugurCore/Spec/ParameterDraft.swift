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

    /// The most lattice points a stepped double may have (its cardinality must fit an `Int` with room to spare).
    static let maximumStepCount = 1e12
    /// 2^53 - 1: the largest integer every double represents exactly.
    static let largestExactInteger = 9_007_199_254_740_991

    /// Checks the parameters' names, then builds each one; `nil` unless every parameter was read (`allRead`) and
    /// built without a problem.
    static func buildAll(_ drafts: [ParameterDraft], allRead: Bool, _ reader: inout SpecReader) -> [ParameterSpec]? {
        SpecRules.checkParameterNames(drafts, &reader)
        var parameters: [ParameterSpec] = []
        var complete = allRead
        for draft in drafts {
            if let parameter = draft.build(&reader) { parameters.append(parameter) } else { complete = false }
        }
        return complete ? parameters : nil
    }

    /// The parameter with its domain checked; every problem is reported, `nil` if there was any.
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
        return ParameterSpec(name: name, domain: domain)
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
        let minNode = requireBound("min", min, &reader)
        let maxNode = requireBound("max", max, &reader)
        let low = minNode.flatMap { reader.number($0, what: "`min`") }
        let high = maxNode.flatMap { reader.number($0, what: "`max`") }
        var stepValue: Double?
        if let step, let value = reader.number(step, what: "`step`") {
            if value > 0 {
                stepValue = value
            } else {
                reader.error("`step` must be greater than 0, not \(formatNumber(value)).", at: step)
            }
        }
        guard let low, let high, let minNode, let maxNode else { return nil }
        guard checkOrder(low, high, maxNode, &reader), checkLogBounds(low, minNode, &reader) else { return nil }
        guard (high - low).isFinite else {
            reader.error("the range from `min` to `max` is too wide to search; keep both within ±1e307.", at: maxNode)
            return nil
        }
        if let stepValue, let step, (high - low) / stepValue > Self.maximumStepCount {
            reader.error("`step` \(formatNumber(stepValue)) cuts the range into more than "
                + "\(formatNumber(Self.maximumStepCount)) values; use a larger step, or leave `step` out to search the "
                + "range continuously.", at: step)
            return nil
        }
        return .double(min: low, max: high, scale: scale, step: stepValue)
    }

    private func integerDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectList(&reader)
        let minNode = requireBound("min", min, &reader)
        let maxNode = requireBound("max", max, &reader)
        let low = minNode.flatMap { reader.integer($0, what: "`min`") }
        let high = maxNode.flatMap { reader.integer($0, what: "`max`") }
        var stepValue = 1
        if let step, let value = reader.integer(step, what: "`step`") {
            if value >= 1 {
                stepValue = value
            } else {
                reader.error("`step` of an int parameter must be at least 1, not \(value).", at: step)
            }
        }
        guard let low, let high, let minNode, let maxNode else { return nil }
        // Integers travel through doubles (the unit cube, JSON); beyond 2^53 they would lose their last digits.
        for (value, node) in [(low, minNode), (high, maxNode)] where abs(value) > Self.largestExactInteger {
            reader.error("\(value) is too large for an int parameter; keep `min` and `max` within "
                + "±\(Self.largestExactInteger).", at: node)
            return nil
        }
        guard checkOrder(Double(low), Double(high), maxNode, &reader), checkLogBounds(Double(low), minNode, &reader)
        else { return nil }
        return .integer(min: low, max: high, step: stepValue, scale: scale)
    }

    private func checkOrder(_ low: Double, _ high: Double, _ maxNode: SpecNode, _ reader: inout SpecReader) -> Bool {
        guard low < high else {
            reader.error("`max` (\(formatNumber(high))) must be greater than `min` (\(formatNumber(low))); "
                + "for a single fixed value write it into the command instead of searching it.", at: maxNode)
            return false
        }
        return true
    }

    private func checkLogBounds(_ low: Double, _ minNode: SpecNode, _ reader: inout SpecReader) -> Bool {
        guard scale == .log, low <= 0 else { return true }
        reader.error("a log-scaled parameter needs `min` greater than 0 (log of \(formatNumber(low)) is undefined); "
            + "raise `min` or use linear scale.", at: minNode)
        return false
    }

    private func requireValues(_ reader: inout SpecReader) -> [(String, SpecNode)]? {
        guard let values else {
            reader.error("missing required field `\(valuesKey)`; a \(kind.rawValue) parameter lists its values, "
                + "e.g. `\(valuesKey): [\(kind == .discrete ? "32, 64, 128" : "sgd, adam")]`.",
                field: boundsOwner.path(of: valuesKey), mark: boundsOwner.mark)
            return nil
        }
        guard let elements = reader.stringList(values, what: "`\(valuesKey)`") else { return nil }
        if elements.isEmpty {
            reader.error("`\(valuesKey)` is empty; list at least one value.", at: values)
            return nil
        }
        return elements
    }

    private func discreteDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectBounds(&reader)
        guard let elements = requireValues(&reader) else { return nil }
        var numbers: [Double] = []
        var seen: [Double: SpecNode] = [:]
        for (_, element) in elements {
            guard let value = reader.number(element, what: "a value of a discrete parameter") else { continue }
            if seen[value] != nil {
                reader.error("the value \(formatNumber(value)) is listed twice; list each value once.", at: element)
                continue
            }
            seen[value] = element
            numbers.append(value)
        }
        // Sorted, as Vizier does: the unit-cube cells (and a model over them) then follow the values' order.
        return .discrete(numbers.sorted())
    }

    private func categoricalDomain(_ reader: inout SpecReader) -> ParameterSpec.Domain? {
        rejectBounds(&reader)
        guard let elements = requireValues(&reader) else { return nil }
        var strings: [String] = []
        for (text, element) in elements {
            if strings.contains(text) {
                reader.error("the value `\(text)` is listed twice; list each value once.", at: element)
                continue
            }
            strings.append(text)
        }
        return .categorical(strings)
    }
}
