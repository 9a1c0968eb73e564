import Foundation

// Mapping between a parameter's values and the unit interval, shared by every designer that draws points in
// [0, 1]^d (random, quasi-random) or models them there (the Gaussian process), and the grid of a finite parameter.
//
// A continuous double is interpolated between its bounds (through the logarithm on log scale). A finite numeric
// parameter (an integer, or a double with a step) is the lattice `first + k·step`, k = 0..<cardinality: on linear
// scale [0, 1] splits into `cardinality` equal cells, one per lattice point, so every value is drawn equally often; on
// log scale each point owns the values within half a step of it, measured in the logarithm, so small values are
// drawn more often. A discrete or categorical list of n values splits [0, 1] into n equal cells.
extension ParameterSpec {
    /// The value at position `u` in [0, 1] (clamped; NaN counts as 0), honouring scale, integer steps and lists.
    ///
    /// The parameter must be well formed (lists not empty, `min <= max`, positive step, positive bounds on log
    /// scale), as the spec parser and the designers check.
    public func value(atUnit u: Double) -> ParameterValue {
        let u = Swift.min(Swift.max(u.isNaN ? 0 : u, 0), 1)
        switch domain {
        case let .double(min, max, scale, step):
            guard let step, let lattice = numericLattice else {
                return .double(Swift.min(Swift.max(Self.interpolate(u, min, max, scale), min), max))
            }
            return .double(Self.gridDouble(index: lattice.index(atUnit: u), min: min, max: max, step: step))
        case let .integer(min, _, step, _):
            guard let lattice = numericLattice else { return .integer(min) }
            return .integer(min + lattice.index(atUnit: u) * step)
        case let .discrete(values):
            return .double(values[Self.cell(u, count: values.count)])
        case let .categorical(values):
            return .string(values[Self.cell(u, count: values.count)])
        }
    }

    /// The position of `value` in [0, 1]: the inverse of `value(atUnit:)` up to snapping (the centre of the value's
    /// cell for a lattice or a list, on linear scale). Returns `nil` if the value does not belong to this parameter's
    /// type.
    public func unitPosition(of value: ParameterValue) -> Double? {
        switch (domain, value) {
        case let (.double(min, max, scale, _), _):
            guard let x = value.doubleValue else { return nil }
            if let lattice = numericLattice { return lattice.position(of: x) }
            return Self.position(x, min, max, scale)
        case (.integer, _):
            guard let x = value.doubleValue, let lattice = numericLattice else { return nil }
            return lattice.position(of: x)
        case let (.discrete(values), _):
            guard let x = value.doubleValue, let index = values.firstIndex(of: x) else { return nil }
            return (Double(index) + 0.5) / Double(values.count)
        case let (.categorical(values), .string(s)):
            guard let index = values.firstIndex(of: s) else { return nil }
            return (Double(index) + 0.5) / Double(values.count)
        default:
            return nil
        }
    }

    /// The `index`-th value of a finite parameter (`0 ..< cardinality`), in grid order: `min, min + step, …` for
    /// numbers (a stepped double is rounded to 15 significant digits, so 0.1 · 3 gives `0.3`, not
    /// `0.30000000000000004`), the list order for discrete and categorical parameters.
    ///
    /// On log scale the grid is still the linear lattice `min + k·step`, as in Katib: scale changes how often
    /// random and model-based designers draw each value, not which values exist.
    ///
    /// Returns `nil` for a continuous double or an index outside the grid.
    public func gridValue(at index: Int) -> ParameterValue? {
        guard let count = cardinality, index >= 0, index < count else { return nil }
        switch domain {
        case let .double(min, max, _, step):
            guard let step else { return nil }
            return .double(Self.gridDouble(index: index, min: min, max: max, step: step))
        case let .integer(min, _, step, _):
            return .integer(min + index * step)
        case let .discrete(values):
            return .double(values[index])
        case let .categorical(values):
            return .string(values[index])
        }
    }

    /// The grid index of `value` (the inverse of `gridValue(at:)`), tolerating float rounding for stepped doubles
    /// and values stored as another type, as `SearchSpace.coerce` does (an integer for a double, a number for a
    /// category such as `"1"`). Returns `nil` when the value is not on the grid.
    public func gridIndex(of value: ParameterValue) -> Int? {
        guard let count = cardinality else { return nil }
        switch (domain, value) {
        case let (.double(min, _, _, step), _):
            guard let step, let x = value.doubleValue else { return nil }
            let offset = (x - min) / step
            let k = offset.rounded()
            guard k.isFinite, k >= 0, k < Double(count), abs(offset - k) <= 1e-6 else { return nil }
            return Int(k)
        case let (.integer(min, _, step, _), _):
            guard let x = value.doubleValue else { return nil }
            let offset = (x - Double(min)) / Double(step)
            let k = offset.rounded()
            guard k.isFinite, k >= 0, k < Double(count), offset == k else { return nil }
            return Int(k)
        case let (.discrete(values), _):
            guard let x = value.doubleValue else { return nil }
            return values.firstIndex(of: x)
        case let (.categorical(values), .string(s)):
            return values.firstIndex(of: s)
        case let (.categorical(values), .integer(x)):
            // A category such as "1" that JSON storage read back as a number (see `SearchSpace.coerce`).
            return values.firstIndex(of: String(x))
        case let (.categorical(values), .double(x)):
            return values.firstIndex(of: formatNumber(x))
        }
    }

    /// The lattice of an integer or a stepped double; `nil` for continuous doubles and lists.
    private var numericLattice: NumericLattice? {
        guard let count = cardinality, count > 0 else { return nil }
        switch domain {
        case let .double(min, _, scale, step):
            guard let step else { return nil }
            return NumericLattice(first: min, step: step, count: count, scale: scale)
        case let .integer(min, _, step, scale):
            return NumericLattice(first: Double(min), step: Double(step), count: count, scale: scale)
        case .discrete, .categorical:
            return nil
        }
    }

    private static func gridDouble(index: Int, min: Double, max: Double, step: Double) -> Double {
        guard index > 0 else { return min }
        let x = min + Double(index) * step
        if abs(x - max) <= 1e-9 * step { return max }
        return Swift.min(Swift.max(roundedToSignificantDigits(x), min), max)
    }

    /// `x` rounded to 15 significant decimal digits, which removes the noise of `min + k·step` while keeping every
    /// value a person would write.
    private static func roundedToSignificantDigits(_ x: Double) -> Double {
        guard x != 0, x.isFinite else { return x }
        let exponent = Int(Foundation.log10(Swift.abs(x)).rounded(.down))
        let digits = 14 - exponent
        // 10^digits and the scaled integer are exact doubles in this range, so the division rounds correctly.
        guard digits >= 0, digits <= 22 else { return x }
        let scale = Foundation.pow(10, Double(digits))
        return (x * scale).rounded() / scale
    }

    private static func interpolate(_ u: Double, _ min: Double, _ max: Double, _ scale: ScaleType) -> Double {
        switch scale {
        case .linear: min + u * (max - min)
        case .log: Foundation.exp(Foundation.log(min) + u * (Foundation.log(max) - Foundation.log(min)))
        case .reverseLog: max + min - interpolate(1 - u, min, max, .log)
        }
    }

    private static func position(_ x: Double, _ min: Double, _ max: Double, _ scale: ScaleType) -> Double {
        guard max > min else { return 0.5 }
        let u: Double
        switch scale {
        case .linear: u = (x - min) / (max - min)
        case .log:
            guard x > 0, min > 0 else { return 0 }
            u = (Foundation.log(x) - Foundation.log(min)) / (Foundation.log(max) - Foundation.log(min))
        case .reverseLog:
            u = 1 - position(max + min - x, min, max, .log)
        }
        return u.isNaN ? 0.5 : Swift.min(Swift.max(u, 0), 1)
    }

    private static func cell(_ u: Double, count: Int) -> Int {
        Swift.min(Int(u * Double(count)), count - 1)
    }
}

/// The points `first + k·step`, k = 0..<count, of an integer or stepped double, and how [0, 1] is shared among them.
private struct NumericLattice {
    var first: Double
    var step: Double
    var count: Int
    var scale: ScaleType

    /// The edges of the range the lattice owns in log space, each point taking half a step on either side; the
    /// lower edge stays positive. `nil` on linear scale, or on log scale with a non-positive first point.
    private var logBounds: (low: Double, high: Double)? {
        guard scale == .log, first > 0 else { return nil }
        let half = 0.5 * step
        let low = first - half > 0 ? first - half : 0.5 * first
        return (low, first + (Double(count) - 1) * step + half)
    }

    func index(atUnit u: Double) -> Int {
        if scale == .reverseLog {
            // The log lattice mirrored: point k of this lattice is point count−1−k of the log one.
            return count - 1 - NumericLattice(first: first, step: step, count: count, scale: .log).index(atUnit: 1 - u)
        }
        guard let (low, high) = logBounds else {
            return Swift.min(Int(u * Double(count)), count - 1)
        }
        let x = Foundation.exp(Foundation.log(low) + u * (Foundation.log(high) - Foundation.log(low)))
        let k = ((x - first) / step).rounded()
        guard k.isFinite else { return 0 }
        return Int(Swift.min(Swift.max(k, 0), Double(count - 1)))
    }

    func position(of x: Double) -> Double {
        if scale == .reverseLog {
            let last = first + Double(count - 1) * step
            return 1 - NumericLattice(first: first, step: step, count: count, scale: .log).position(of: first + last - x)
        }
        let u: Double
        if let (low, high) = logBounds {
            guard x > 0 else { return 0 }
            u = (Foundation.log(x) - Foundation.log(low)) / (Foundation.log(high) - Foundation.log(low))
        } else {
            let low = first - 0.5 * step
            u = (x - low) / (Double(count) * step)
        }
        return u.isNaN ? 0.5 : Swift.min(Swift.max(u, 0), 1)
    }
}

extension SearchSpace {
    /// The assignment at point `u` of [0, 1]^d (one coordinate per parameter, in order), holding only the
    /// parameters that exist under it: the coordinates of conditional parameters whose condition does not hold are
    /// ignored.
    public func assignment(atUnit u: [Double]) -> ParameterAssignment {
        var assignment = ParameterAssignment()
        for (parameter, coordinate) in zip(parameters, u) {
            assignment[parameter.name] = parameter.value(atUnit: coordinate)
        }
        return pruned(assignment)
    }

    /// The coordinate `unitPoint(of:)` gives a parameter that does not exist under an assignment.
    public static let inactiveUnitPosition = 0.0

    /// The point of [0, 1]^d an assignment sits at, with `inactiveUnitPosition` for each parameter that does not
    /// exist under it; `nil` if a parameter that exists is missing or of the wrong type.
    public func unitPoint(of assignment: ParameterAssignment) -> [Double]? {
        let active = isConditional ? activeNames(in: assignment) : nil
        var point: [Double] = []
        point.reserveCapacity(parameters.count)
        for parameter in parameters {
            if let active, !active.contains(parameter.name) {
                point.append(Self.inactiveUnitPosition)
                continue
            }
            guard let value = assignment[parameter.name], let u = parameter.unitPosition(of: value) else { return nil }
            point.append(u)
        }
        return point
    }
}
