import Foundation

/// How a numeric parameter's range is explored: uniformly in its own units, or uniformly in its logarithm.
public enum ScaleType: String, Sendable, Codable, Hashable, CaseIterable {
    case linear
    case log
    /// Vizier's UNIT_REVERSE_LOG_SCALE: the log scale mirrored, so that values near `max` are spread out (a momentum
    /// or decay rate close to 1): `u = 1 − (log(max + min − x) − log(min)) / (log(max) − log(min))`. Needs `min > 0`.
    case reverseLog = "reverse_log"

    /// Whether the scale takes logarithms (and so needs a positive range).
    public var isLogarithmic: Bool { self != .linear }
}

/// How random and quasi-random search draw a numeric parameter's values, on top of its scale (Katib's
/// `distribution`: `uniform` and `normal` on linear scale, `logUniform` and `logNormal` on log scale).
public enum ParameterDistribution: String, Sendable, Codable, Hashable, CaseIterable {
    /// Uniform in the parameter's scale: every value (or, on log scale, every order of magnitude) equally likely.
    case uniform
    /// Normal in the parameter's scale, truncated to `[min, max]`: mean at the middle of the range and standard
    /// deviation a sixth of it (Katib's convention for hyperopt, ±3σ spanning the range), both measured in the
    /// logarithm on log scale.
    case normal
}

/// When a conditional parameter exists: while its parent parameter exists and has one of `values` (Vizier's
/// `conditional_parameter_specs`, Augur's `when: {optimizer: [sgd]}`). The parent is a categorical, discrete or int
/// parameter, itself possibly conditional, so conditions nest to any depth (`SpecValidator` checks the tree).
public struct ParameterCondition: Sendable, Codable, Hashable {
    /// The name of the parent parameter.
    public var parent: String
    /// The parent's values under which the parameter exists, in the parent's type.
    public var values: [ParameterValue]

    public init(parent: String, values: [ParameterValue]) {
        self.parent = parent
        self.values = values
    }

    /// Whether the parent's value `value` makes the parameter exist, tolerating the types storage reads values back
    /// as (an integer for a discrete `1.0`, a number for a category `"1"`), as `ParameterSpec.gridIndex(of:)` does.
    public func admits(_ value: ParameterValue, of parent: ParameterSpec) -> Bool {
        guard let index = parent.gridIndex(of: value) else { return values.contains(value) }
        return values.contains { parent.gridIndex(of: $0) == index }
    }
}

/// One dimension of a search space.
public struct ParameterSpec: Sendable, Codable, Hashable {
    /// What values a parameter takes.
    public enum Domain: Sendable, Codable, Hashable {
        /// A real number in `[min, max]`. `step`, when set, makes the parameter griddable (Katib semantics:
        /// `min, min + step, …` up to and including `max` when it falls on the grid).
        case double(min: Double, max: Double, scale: ScaleType, step: Double?)
        /// An integer in `[min, max]` (both inclusive) on the lattice `min + k·step`.
        case integer(min: Int, max: Int, step: Int, scale: ScaleType)
        /// One of a finite, ordered list of numbers.
        case discrete([Double])
        /// One of a finite list of strings, with no order.
        case categorical([String])
    }

    public var name: String
    public var domain: Domain
    /// How random and quasi-random search draw the values; only double and int parameters may be `.normal`
    /// (`SpecValidator`). The grid and the Gaussian process do not use it (docs/algorithms.md).
    public var distribution: ParameterDistribution
    /// When the parameter exists; `nil` for a parameter that always does. A trial carries only the parameters that
    /// exist under its own values (`SearchSpace.activeParameters(in:)`).
    public var condition: ParameterCondition?

    public init(name: String, domain: Domain, distribution: ParameterDistribution = .uniform,
                condition: ParameterCondition? = nil) {
        self.name = name
        self.domain = domain
        self.distribution = distribution
        self.condition = condition
    }

    private enum CodingKeys: String, CodingKey {
        case name, domain, distribution, condition
    }

    // `distribution` and `condition` are written only when they are not the default, so that specs stored before
    // they existed, and their JSON, stay as they were.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        domain = try container.decode(Domain.self, forKey: .domain)
        distribution = try container.decodeIfPresent(ParameterDistribution.self, forKey: .distribution) ?? .uniform
        condition = try container.decodeIfPresent(ParameterCondition.self, forKey: .condition)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(domain, forKey: .domain)
        if distribution != .uniform { try container.encode(distribution, forKey: .distribution) }
        try container.encodeIfPresent(condition, forKey: .condition)
    }

    /// This parameter, existing only while `parent` has one of `values`.
    public func when(_ parent: String, in values: [ParameterValue]) -> ParameterSpec {
        var copy = self
        copy.condition = ParameterCondition(parent: parent, values: values)
        return copy
    }

    public static func double(_ name: String, min: Double, max: Double, scale: ScaleType = .linear, step: Double? = nil,
                              distribution: ParameterDistribution = .uniform) -> ParameterSpec {
        ParameterSpec(name: name, domain: .double(min: min, max: max, scale: scale, step: step), distribution: distribution)
    }

    public static func integer(_ name: String, min: Int, max: Int, step: Int = 1, scale: ScaleType = .linear,
                               distribution: ParameterDistribution = .uniform) -> ParameterSpec {
        ParameterSpec(name: name, domain: .integer(min: min, max: max, step: step, scale: scale), distribution: distribution)
    }

    public static func discrete(_ name: String, _ values: [Double]) -> ParameterSpec {
        ParameterSpec(name: name, domain: .discrete(values))
    }

    public static func categorical(_ name: String, _ values: [String]) -> ParameterSpec {
        ParameterSpec(name: name, domain: .categorical(values))
    }

    /// The type name used in spec files and output: `double`, `int`, `discrete` or `categorical`.
    public var typeName: String {
        switch domain {
        case .double: "double"
        case .integer: "int"
        case .discrete: "discrete"
        case .categorical: "categorical"
        }
    }

    /// The scale of a numeric parameter; lists are always `.linear`.
    public var scale: ScaleType {
        switch domain {
        case .double(_, _, let scale, _), .integer(_, _, _, let scale): scale
        case .discrete, .categorical: .linear
        }
    }

    /// Whether `value` is a legal value of this parameter (type, bounds, step lattice and lists).
    public func contains(_ value: ParameterValue) -> Bool {
        switch (domain, value) {
        case let (.double(min, max, _, _), .double(x)):
            return x >= min && x <= max
        case let (.integer(min, max, step, _), .integer(x)):
            return x >= min && x <= max && (x - min) % step == 0
        case let (.discrete(values), .double(x)):
            return values.contains(x)
        case let (.discrete(values), .integer(x)):
            return values.contains(Double(x))
        case let (.categorical(values), .string(s)):
            return values.contains(s)
        default:
            return false
        }
    }

    /// The number of distinct values, or `nil` for a continuous double without step (and for a grid too fine to
    /// count in an `Int`). A stepped double counts `max` as on the grid when it is within float rounding of it, so
    /// `[0, 1]` with step `0.1` has 11 values.
    public var cardinality: Int? {
        switch domain {
        case let .double(min, max, _, step):
            guard let step, step > 0, step.isFinite, min.isFinite, max.isFinite else { return nil }
            guard max >= min else { return 0 }
            let intervals = (max - min) / step
            // Tolerate the rounding of `(max - min) / step` (0.3 / 0.1 is 2.9999999999999996), relative for long grids.
            let whole = (intervals + Swift.max(1e-9, intervals * 1e-12)).rounded(.down)
            guard whole < 0x1p52 else { return nil }
            return Int(whole) + 1
        case let .integer(min, max, step, _):
            guard step > 0 else { return 0 }
            guard max >= min else { return 0 }
            let (span, overflow) = max.subtractingReportingOverflow(min)
            guard !overflow, span / step < Int.max else { return nil }
            return span / step + 1
        case let .discrete(values):
            return values.count
        case let .categorical(values):
            return values.count
        }
    }
}

/// The value a trial assigns to one parameter.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case double(Double)
    case integer(Int)
    case string(String)

    public var description: String {
        switch self {
        case .double(let x): formatNumber(x)
        case .integer(let x): String(x)
        case .string(let s): s
        }
    }

    /// The numeric value, or `nil` for a string.
    public var doubleValue: Double? {
        switch self {
        case .double(let x): x
        case .integer(let x): Double(x)
        case .string: nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    // Encoded as the bare JSON value (number or string) so that stored rows and `--format json` stay readable.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            self = .integer(integer)
        } else if let number = try? container.decode(Double.self) {
            self = .double(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .double(let x): try container.encode(x)
        case .integer(let x): try container.encode(x)
        case .string(let s): try container.encode(s)
        }
    }
}

/// Formats a number the way people write it: `0.1`, `3`, `1e-05`, never `3.0000000000000004`.
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    var text = String(x)
    // Swift prints the shortest round-tripping form; trim "e-05" style exponents consistently.
    if text.contains("e") == false, text.count > 17 {
        text = String(format: "%.12g", x)
    }
    return text
}
