import AugurCore

/// The hypervolume of a set of objective vectors (larger is better in every coordinate): the volume of the region
/// they dominate and that dominates the reference point. Points not strictly better than the reference in every
/// coordinate add nothing.
///
/// Exact: two objectives by a sweep over the front sorted by the first coordinate (O(n log n)); three by a sweep down
/// the third coordinate that grows the two-dimensional staircase above it point by point (O(n·f) for a front of f);
/// more by slicing along the last coordinate and summing slice thickness × the hypervolume of the points above the
/// slice in one dimension fewer (HSO, fine for the fronts of studies with up to ``SpecLimits/maximumObjectives``).
public enum Hypervolume {
    /// The hypervolume of `points` against `reference`; 0 when no point dominates the reference.
    public static func of(_ points: [[Double]], reference: [Double]) -> Double {
        let inside = points.filter { point in point.count == reference.count && zip(point, reference).allSatisfy { $0 > $1 } }
        guard !inside.isEmpty else { return 0 }
        let front = ParetoFront.nonDominatedIndices(inside).map { inside[$0] }
        return volume(front, reference: reference)
    }

    private static func volume(_ points: [[Double]], reference: [Double]) -> Double {
        let dimensions = reference.count
        switch dimensions {
        case 0: return 0
        case 1: return (points.map { $0[0] }.max() ?? reference[0]) - reference[0]
        case 2:
            let sorted = points.sorted { $0[0] > $1[0] || ($0[0] == $1[0] && $0[1] > $1[1]) }
            var total = 0.0
            var covered = reference[1]
            for point in sorted where point[1] > covered {
                total += (point[0] - reference[0]) * (point[1] - covered)
                covered = point[1]
            }
            return total
        case 3:
            // A sweep down the third coordinate: the (first, second) staircase of the points above the sweep plane,
            // with its area, grows one point at a time; each slab adds area × thickness. O(n·f) for a front of f.
            let sorted = points.sorted { $0[2] > $1[2] }
            var xs: [Double] = []
            var ys: [Double] = []
            var area = 0.0
            var total = 0.0
            var index = 0
            while index < sorted.count {
                let level = sorted[index][2]
                while index < sorted.count && sorted[index][2] == level {
                    let x = sorted[index][0], y = sorted[index][1]
                    index += 1
                    var position = 0, high = xs.count
                    while position < high {
                        let middle = (position + high) / 2
                        if xs[middle] < x { position = middle + 1 } else { high = middle }
                    }
                    if position < xs.count && ys[position] >= y { continue }
                    var first = position
                    while first > 0 && ys[first - 1] <= y { first -= 1 }
                    var end = position
                    while end < xs.count && xs[end] == x && ys[end] <= y { end += 1 }
                    xs.replaceSubrange(first..<end, with: [x])
                    ys.replaceSubrange(first..<end, with: [y])
                    area = 0
                    var left = reference[0]
                    for step in xs.indices {
                        area += (xs[step] - left) * (ys[step] - reference[1])
                        left = xs[step]
                    }
                }
                let next = index < sorted.count ? sorted[index][2] : reference[2]
                total += area * (level - next)
            }
            return total
        default:
            let last = dimensions - 1
            let sorted = points.sorted { $0[last] > $1[last] }
            let lowerReference = Array(reference.prefix(last))
            var total = 0.0
            var above: [[Double]] = []
            var index = 0
            while index < sorted.count {
                let level = sorted[index][last]
                while index < sorted.count && sorted[index][last] == level {
                    above.append(Array(sorted[index].prefix(last)))
                    index += 1
                }
                let next = index < sorted.count ? sorted[index][last] : reference[last]
                let slice = volume(ParetoFront.nonDominatedIndices(above).map { above[$0] }, reference: lowerReference)
                total += slice * (level - next)
            }
            return total
        }
    }

    /// A reference point derived from the trials when the spec gives none: in every objective the worst value among
    /// `vectors` (larger is better) less a tenth of that objective's range (or of its magnitude, or 1, when all values
    /// are equal), so every one of them adds volume.
    public static func derivedReference(_ vectors: [[Double]]) -> [Double]? {
        guard let dimensions = vectors.first?.count else { return nil }
        return (0..<dimensions).map { k in
            let values = vectors.map { $0[k] }
            return referenceBelow(low: values.min() ?? 0, high: values.max() ?? 0)
        }
    }

    /// One coordinate of ``derivedReference(_:)`` for values from `low` to `high`.
    static func referenceBelow(low: Double, high: Double) -> Double {
        let margin = high > low ? 0.1 * (high - low) : (low != 0 ? 0.1 * Swift.abs(low) : 1)
        return low - margin
    }
}

extension Objective {
    /// The spec's reference point turned so that larger is better in every coordinate, like the objective vectors.
    public var maximizationReferencePoint: [Double]? {
        guard let referencePoint, referencePoint.count == objectives.count else { return nil }
        return zip(objectives, referencePoint).map { $0.goal.maximizationValue($1) }
    }

    /// A maximization-form reference point back in the metrics' own units.
    public func referencePointInMetricUnits(_ maximized: [Double]) -> [Double] {
        zip(objectives, maximized).map { $0.goal.maximizationValue($1) }
    }
}
