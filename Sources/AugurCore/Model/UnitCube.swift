import Foundation

// Mapping between a parameter's values and the unit interval, shared by every designer that draws points in
// [0, 1]^d (random, quasi-random) or models them there (the Gaussian process).
//
// Log-scale parameters are mapped through their logarithm; integers and steps are snapped to the nearest lattice
// point; a discrete or categorical list of n values splits [0, 1] into n equal cells.
extension ParameterSpec {
    /// The value at position `u` in [0, 1] (clamped), honouring scale, integer steps and lists.
    public func value(atUnit u: Double) -> ParameterValue {
        let u = Swift.min(Swift.max(u.isNaN ? 0 : u, 0), 1)
        switch domain {
        case let .double(min, max, scale, step):
            var x = Self.interpolate(u, min, max, scale)
            if let step, step > 0 {
                let count = Double(cardinality ?? 1) - 1
                x = Swift.min(min + ((x - min) / step).rounded() * step, min + count * step)
            }
            return .double(Swift.min(Swift.max(x, min), max))
        case let .integer(min, max, step, scale):
            let (low, high) = Self.integerBounds(min, max, step, scale)
            let x = Self.interpolate(u, low, high, scale)
            var k = ((x - Double(min)) / Double(step)).rounded()
            k = Swift.min(Swift.max(k, 0), Double((max - min) / step))
            return .integer(min + Int(k) * step)
        case let .discrete(values):
            return .double(values[Self.cell(u, count: values.count)])
        case let .categorical(values):
            return .string(values[Self.cell(u, count: values.count)])
        }
    }

    /// The position of `value` in [0, 1]: the inverse of `value(atUnit:)` up to snapping (the cell centre for lists).
    /// Returns `nil` if the value does not belong to this parameter's type.
    public func unitPosition(of value: ParameterValue) -> Double? {
        switch (domain, value) {
        case let (.double(min, max, scale, _), _):
            guard let x = value.doubleValue else { return nil }
            return Self.position(x, min, max, scale)
        case let (.integer(min, max, step, scale), _):
            guard let x = value.doubleValue else { return nil }
            let (low, high) = Self.integerBounds(min, max, step, scale)
            return Self.position(x, low, high, scale)
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

    private static func interpolate(_ u: Double, _ min: Double, _ max: Double, _ scale: ScaleType) -> Double {
        switch scale {
        case .linear: min + u * (max - min)
        case .log: Foundation.exp(Foundation.log(min) + u * (Foundation.log(max) - Foundation.log(min)))
        }
    }

    private static func position(_ x: Double, _ min: Double, _ max: Double, _ scale: ScaleType) -> Double {
        guard max > min else { return 0.5 }
        let u: Double
        switch scale {
        case .linear: u = (x - min) / (max - min)
        case .log:
            guard x > 0 else { return 0 }
            u = (Foundation.log(x) - Foundation.log(min)) / (Foundation.log(max) - Foundation.log(min))
        }
        return Swift.min(Swift.max(u, 0), 1)
    }

    /// Integers own a cell of half a step on each side, so that the end points are drawn as often as the others.
    /// On log scale the lower edge stays positive.
    private static func integerBounds(_ min: Int, _ max: Int, _ step: Int, _ scale: ScaleType) -> (Double, Double) {
        let half = 0.5 * Double(step)
        switch scale {
        case .linear: return (Double(min) - half, Double(max) + half)
        case .log: return (Double(min) - 0.5 * Double(Swift.min(step, Swift.max(min, 1))), Double(max) + half)
        }
    }

    private static func cell(_ u: Double, count: Int) -> Int {
        Swift.min(Int(u * Double(count)), count - 1)
    }
}

extension SearchSpace {
    /// The assignment at point `u` of [0, 1]^d (one coordinate per parameter, in order).
    public func assignment(atUnit u: [Double]) -> ParameterAssignment {
        var assignment = ParameterAssignment()
        for (parameter, coordinate) in zip(parameters, u) {
            assignment[parameter.name] = parameter.value(atUnit: coordinate)
        }
        return assignment
    }

    /// The point of [0, 1]^d an assignment sits at; `nil` if a parameter is missing or of the wrong type.
    public func unitPoint(of assignment: ParameterAssignment) -> [Double]? {
        var point: [Double] = []
        point.reserveCapacity(parameters.count)
        for parameter in parameters {
            guard let value = assignment[parameter.name], let u = parameter.unitPosition(of: value) else { return nil }
            point.append(u)
        }
        return point
    }
}
