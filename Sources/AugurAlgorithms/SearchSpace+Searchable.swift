import AugurCore

extension SearchSpace {
    /// Checks what every designer relies on: at least one parameter, unique names, finite bounds with
    /// `min <= max`, positive steps, positive bounds on log scale and non-empty lists. The spec parser reports the same
    /// problems with file positions; designers check again so that a hand-built `StudySpec` cannot crash them.
    func checkSearchable() throws(DesignerError) {
        guard !parameters.isEmpty else { throw .emptySearchSpace }
        var names: Set<String> = []
        for parameter in parameters {
            guard names.insert(parameter.name).inserted else { throw .duplicateParameter(name: parameter.name) }
            if let reason = parameter.searchProblem {
                throw .invalidParameter(name: parameter.name, reason: reason)
            }
        }
    }
}

extension ParameterSpec {
    /// What makes this parameter impossible to search, as the end of a sentence; `nil` when it is fine.
    fileprivate var searchProblem: String? {
        switch domain {
        case let .double(min, max, scale, step):
            guard min.isFinite, max.isFinite else { return "min and max must be finite numbers" }
            guard min <= max else { return "min (\(formatNumber(min))) is greater than max (\(formatNumber(max)))" }
            if scale == .log, min <= 0 { return "log scale needs min > 0, but min is \(formatNumber(min))" }
            if let step {
                guard step > 0, step.isFinite else { return "step must be a positive number" }
                guard cardinality != nil else { return "step \(formatNumber(step)) makes too many values to count" }
            }
            return nil
        case let .integer(min, max, step, scale):
            guard min <= max else { return "min (\(min)) is greater than max (\(max))" }
            guard step > 0 else { return "step must be a positive integer, but it is \(step)" }
            if scale == .log, min <= 0 { return "log scale needs min > 0, but min is \(min)" }
            guard cardinality != nil else { return "the range from \(min) to \(max) is too wide to count" }
            return nil
        case let .discrete(values):
            guard !values.isEmpty else { return "its list of values is empty" }
            guard values.allSatisfy(\.isFinite) else { return "its list of values must hold finite numbers" }
            return nil
        case let .categorical(values):
            guard !values.isEmpty else { return "its list of values is empty" }
            return nil
        }
    }
}
