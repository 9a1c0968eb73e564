import AugurMath

/// The region above a reference point that no vector of a front dominates, cut into disjoint axis-aligned boxes
/// (every vector larger-better; a box's upper bound may be +∞). Built once per suggestion, it scores candidates
/// cheaply: the hypervolume a point `y` adds to the front is the volume of `[r, y]` inside the boxes,
/// `Σ_boxes ∏ₖ max(0, min(yₖ, hiₖ) − loₖ)`, and, because that is a product of one-coordinate terms per box, its
/// expectation under independent Gaussian objectives is exact and closed-form (``expectedImprovement(means:deviations:)``).
///
/// **Decomposition.** A sweep down the last coordinate: between two consecutive levels of the front's last coordinate,
/// the region not dominated is the (m−1)-dimensional region not dominated by the points above the lower level, times
/// that slab; the lower-dimensional region is decomposed the same way (one dimension: `[max, ∞)`). A box of the
/// lower-dimensional decomposition that stays the same from one level to the next is extended rather than cut, so in
/// three dimensions adding a point only replaces the few boxes of the staircase around it and a front of f points
/// gives O(f) boxes (f + 1 in two dimensions). Deterministic: boxes come in the order of the sweep.
public struct NonDominatedBoxes: Sendable {
    /// Each box's lower corner.
    public private(set) var lower: [[Double]]
    /// Each box's upper corner; `.infinity` where the box is unbounded.
    public private(set) var upper: [[Double]]
    /// Per objective, the distinct finite bounds of the boxes in increasing order.
    let levels: [[Double]]
    /// Per box and objective, the index of its lower bound in `levels`, and of its upper bound (−1 for +∞).
    let lowerIndex: [[Int]]
    let upperIndex: [[Int]]

    /// - Parameters:
    ///   - front: objective vectors (larger better); dominated vectors and those not above `reference` in every
    ///     coordinate are ignored.
    ///   - reference: the lower corner of the region, one coordinate per objective.
    public init(front: [[Double]], reference: [Double]) {
        let inside = front.filter { point in point.count == reference.count && zip(point, reference).allSatisfy { $0 > $1 } }
        let points = ParetoFront.nonDominatedIndices(inside).map { inside[$0] }
        let boxes = reference.isEmpty ? [] : Self.decompose(points, reference: reference)
        lower = boxes.map(\.lower)
        upper = boxes.map(\.upper)
        var levels: [[Double]] = []
        var lowerIndex = [[Int]](repeating: [], count: boxes.count)
        var upperIndex = [[Int]](repeating: [], count: boxes.count)
        for k in reference.indices {
            let values = Array(Set(boxes.map { $0.lower[k] } + boxes.map { $0.upper[k] }.filter(\.isFinite))).sorted()
            for (index, box) in boxes.enumerated() {
                lowerIndex[index].append(Self.position(of: box.lower[k], in: values))
                upperIndex[index].append(box.upper[k].isFinite ? Self.position(of: box.upper[k], in: values) : -1)
            }
            levels.append(values)
        }
        self.levels = levels
        self.lowerIndex = lowerIndex
        self.upperIndex = upperIndex
    }

    /// How many boxes the region was cut into.
    public var count: Int { lower.count }

    /// The hypervolume `point` adds to the front above the reference point (0 when the front dominates it).
    public func improvement(of point: [Double]) -> Double {
        var total = 0.0
        for box in lower.indices {
            var volume = 1.0
            for k in point.indices {
                let side = Swift.min(point[k], upper[box][k]) - lower[box][k]
                guard side > 0 else {
                    volume = 0
                    break
                }
                volume *= side
            }
            total += volume
        }
        return total
    }

    /// The expected hypervolume improvement of a point whose objectives are independent Gaussians with `means` and
    /// standard `deviations`: `Σ_boxes ∏ₖ (τₖ(loₖ) − τₖ(hiₖ))` with `τₖ(c) = E[max(0, Yₖ − c)] = σ (zΦ(z) + φ(z))`,
    /// `z = (μ − c)/σ`, and `τₖ(∞) = 0`. A deviation of 0 gives ``improvement(of:)`` of the means.
    public func expectedImprovement(means: [Double], deviations: [Double]) -> Double {
        var tails: [[Double]] = []
        tails.reserveCapacity(levels.count)
        for k in levels.indices {
            let mean = means[k], deviation = deviations[k]
            tails.append(levels[k].map { level in
                guard deviation > 0 else { return Swift.max(mean - level, 0) }
                let z = (mean - level) / deviation
                return deviation * (z * NormalDistribution.cumulative(z) + NormalDistribution.density(z))
            })
        }
        var total = 0.0
        for box in lowerIndex.indices {
            var volume = 1.0
            for k in levels.indices {
                let high = upperIndex[box][k]
                let side = tails[k][lowerIndex[box][k]] - (high < 0 ? 0 : tails[k][high])
                guard side > 0 else {
                    volume = 0
                    break
                }
                volume *= side
            }
            total += volume
        }
        return total
    }

    struct Box: Hashable {
        var lower: [Double]
        var upper: [Double]
    }

    /// The boxes of the region above `reference` not dominated by `points` (a front, every point above `reference`).
    static func decompose(_ points: [[Double]], reference: [Double]) -> [Box] {
        let last = reference.count - 1
        if last == 0 {
            return [Box(lower: [points.map { $0[0] }.max() ?? reference[0]], upper: [.infinity])]
        }
        let lowerReference = Array(reference.prefix(last))
        let sorted = points.sorted { $0[last] > $1[last] }
        var boxes: [Box] = []
        var open = decompose([], reference: lowerReference).map { (box: $0, top: Double.infinity) }
        var above: [[Double]] = []
        var index = 0
        while index < sorted.count {
            let level = sorted[index][last]
            while index < sorted.count && sorted[index][last] == level {
                above.append(Array(sorted[index].prefix(last)))
                index += 1
            }
            above = ParetoFront.nonDominatedIndices(above).map { above[$0] }
            let next = decompose(above, reference: lowerReference)
            let kept = Set(next)
            var stillOpen: [(box: Box, top: Double)] = []
            for entry in open {
                if kept.contains(entry.box) {
                    stillOpen.append(entry)
                } else if entry.top > level {
                    boxes.append(Box(lower: entry.box.lower + [level], upper: entry.box.upper + [entry.top]))
                }
            }
            let wasOpen = Set(open.map(\.box))
            for box in next where !wasOpen.contains(box) { stillOpen.append((box, level)) }
            open = stillOpen
        }
        for entry in open where entry.top > reference[last] {
            boxes.append(Box(lower: entry.box.lower + [reference[last]], upper: entry.box.upper + [entry.top]))
        }
        return boxes
    }

    static func position(of value: Double, in sorted: [Double]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
