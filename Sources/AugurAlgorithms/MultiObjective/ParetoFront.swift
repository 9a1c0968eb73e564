import AugurCore

/// Pareto dominance over objective vectors in which larger is better in every coordinate (see
/// `Objective.maximizationVector`).
///
/// `a` dominates `b` when it is at least as good in every objective and strictly better in one. The front of a set is
/// its non-dominated points; equal points do not dominate each other, so duplicates on the front are all kept.
public enum ParetoFront {
    /// Whether `a` dominates `b` (same length, larger is better).
    public static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var strictlyBetter = false
        for k in a.indices {
            if a[k] < b[k] { return false }
            if a[k] > b[k] { strictlyBetter = true }
        }
        return strictlyBetter
    }

    /// The indices of the non-dominated points, in increasing order. Every point must have the same length and no
    /// NaN (callers drop such points first).
    public static func nonDominatedIndices(_ points: [[Double]]) -> [Int] {
        guard let dimensions = points.first?.count else { return [] }
        return nonDominatedIndices(flat: points.flatMap { $0 }, dimensions: dimensions)
    }

    /// ``nonDominatedIndices(_:)`` of `count = flat.count / dimensions` points stored one after another in `flat`
    /// (point `i` is `flat[i * dimensions ..< (i + 1) * dimensions]`): what a study's 100,000 trials are ranked by
    /// without an array per trial.
    ///
    /// Sort-based: points sorted by their coordinates in lexicographic descending order can only be dominated by
    /// points before them (equal points never dominate each other, so they are judged as a group). Two objectives take
    /// O(n log n): a running maximum of the second coordinate. Three take O(n log n) too (Kung et al.): the points
    /// seen so far are summarized by the staircase of their (second, third) coordinates, sorted by the second, and a
    /// point is dominated when the staircase holds a step at least as high in both. More objectives keep a point when
    /// no point kept so far dominates it (a dropped point is dominated by a kept one, by transitivity):
    /// O(n log n + n·f·m) for a front of f points.
    public static func nonDominatedIndices(flat: [Double], dimensions: Int) -> [Int] {
        guard dimensions > 0 else { return [] }
        let count = flat.count / dimensions
        guard count > 1 else { return Array(0..<count) }
        return flat.withUnsafeBufferPointer { values in
            func greater(_ a: Int, _ b: Int) -> Bool {
                let baseA = a * dimensions, baseB = b * dimensions
                for k in 0..<dimensions where values[baseA + k] != values[baseB + k] { return values[baseA + k] > values[baseB + k] }
                return a < b
            }
            func equal(_ a: Int, _ b: Int) -> Bool {
                let baseA = a * dimensions, baseB = b * dimensions
                for k in 0..<dimensions where values[baseA + k] != values[baseB + k] { return false }
                return true
            }
            let order = (0..<count).sorted(by: greater)
            var kept: [Int] = []
            switch dimensions {
            case 1:
                let best = values[order[0]]
                kept = order.filter { values[$0] == best }
            case 2:
                var highest = -Double.infinity
                var last = -1
                for index in order {
                    let second = values[index * 2 + 1]
                    if second > highest || (last >= 0 && equal(index, last)) {
                        kept.append(index)
                        highest = Swift.max(highest, second)
                        last = index
                    }
                }
            case 3:
                var staircase = Staircase()
                var start = 0
                while start < order.count {
                    var end = start + 1
                    while end < order.count && equal(order[end], order[start]) { end += 1 }
                    let y = values[order[start] * 3 + 1], z = values[order[start] * 3 + 2]
                    if !staircase.covers(y, z) {
                        kept.append(contentsOf: order[start..<end])
                        staircase.insert(y, z)
                    }
                    start = end
                }
            default:
                var front: [Int] = []
                for index in order {
                    let dominated = front.contains { other in
                        var strictlyBetter = false
                        for k in 0..<dimensions {
                            let a = values[other * dimensions + k], b = values[index * dimensions + k]
                            if a < b { return false }
                            if a > b { strictlyBetter = true }
                        }
                        return strictlyBetter
                    }
                    if !dominated {
                        kept.append(index)
                        front.append(index)
                    }
                }
            }
            return kept.sorted()
        }
    }

    /// The non-dominated (y, z) pairs of the points seen so far, by increasing y and so decreasing z: for a query
    /// (y, z), the first step with y' ≥ y has the largest z' of all steps with y' ≥ y.
    private struct Staircase {
        private var ys: [Double] = []
        private var zs: [Double] = []

        /// The first step with y' ≥ y.
        private func firstStep(atLeast y: Double) -> Int {
            var low = 0, high = ys.count
            while low < high {
                let middle = (low + high) / 2
                if ys[middle] < y { low = middle + 1 } else { high = middle }
            }
            return low
        }

        /// Whether some step is at least as high as (y, z) in both coordinates.
        func covers(_ y: Double, _ z: Double) -> Bool {
            let step = firstStep(atLeast: y)
            return step < ys.count && zs[step] >= z
        }

        /// Adds (y, z), which no step covers, and drops the steps it covers (y' ≤ y and z' ≤ z: they sit just below
        /// its position, since z falls as y rises, and one may share its y).
        mutating func insert(_ y: Double, _ z: Double) {
            let position = firstStep(atLeast: y)
            var first = position
            while first > 0 && zs[first - 1] <= z { first -= 1 }
            var end = position
            while end < ys.count && ys[end] == y && zs[end] <= z { end += 1 }
            ys.replaceSubrange(first..<end, with: [y])
            zs.replaceSubrange(first..<end, with: [z])
        }
    }
}

/// What ranks a study's completed trials: the objective vectors of the feasible ones.
public struct TrialOutcomes: Sendable {
    /// Trial ids of the feasible trials with every objective value, in the order given.
    public var ids: [Int]
    /// Their objective vectors, larger better (``Objective/maximizationVector(_:)``), one after another: trial
    /// `ids[i]`'s is `values[i * dimensions ..< (i + 1) * dimensions]`.
    public var values: [Double]
    /// The number of objectives.
    public var dimensions: Int

    /// Keeps the trials that meet every constraint and report every objective (not NaN).
    public init(finalMetrics: [(id: Int, metrics: [String: Double])], objective: Objective) {
        ids = []
        values = []
        dimensions = objective.objectives.count
        for (id, metrics) in finalMetrics where objective.isFeasible(metrics) {
            guard let vector = objective.maximizationVector(metrics) else { continue }
            ids.append(id)
            values.append(contentsOf: vector)
        }
    }

    /// ``init(finalMetrics:objective:)`` from a table of final values: `table[i * metrics.count + k]` is trial
    /// `ids[i]`'s final value of `metrics[k]`, NaN when it has none. `metrics` must name every objective and
    /// constraint; trials are kept as there.
    public init(ids trialIDs: [Int], metrics: [String], table: [Double], objective: Objective) {
        ids = []
        values = []
        dimensions = objective.objectives.count
        let width = metrics.count
        let position = Dictionary(metrics.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let objectiveColumns = objective.objectives.map { (column: position[$0.name], sign: $0.goal == .maximize ? 1.0 : -1.0) }
        let constraintColumns = objective.constraints.map { (column: position[$0.name], constraint: $0.constraint) }
        guard width > 0, table.count == trialIDs.count * width else { return }
        ids.reserveCapacity(trialIDs.count)
        values.reserveCapacity(trialIDs.count * dimensions)
        table.withUnsafeBufferPointer { table in
            trials: for (row, id) in trialIDs.enumerated() {
                let base = row * width
                for (column, constraint) in constraintColumns {
                    guard let column, constraint.isMet(by: table[base + column]) else { continue trials }
                }
                for (column, _) in objectiveColumns {
                    guard let column, !table[base + column].isNaN else { continue trials }
                }
                ids.append(id)
                for (column, sign) in objectiveColumns {
                    if let column { values.append(sign * table[base + column]) }
                }
            }
        }
    }

    /// Trial `ids[index]`'s objective vector.
    public func vector(_ index: Int) -> [Double] {
        Array(values[index * dimensions ..< (index + 1) * dimensions])
    }

    /// Every feasible trial's objective vector, in `ids` order.
    public var vectors: [[Double]] { ids.indices.map(vector) }

    /// The ids of the Pareto front's trials, best first by the first objective (ties by id). With one objective:
    /// every feasible trial sharing the best value.
    public var frontIDs: [Int] { frontPositions.map { ids[$0] } }

    /// The positions (in `ids`) of the front's trials, best first by the first objective (ties by id).
    public var frontPositions: [Int] {
        ranked(ParetoFront.nonDominatedIndices(flat: values, dimensions: dimensions))
    }

    /// The ids of every feasible trial, best first by the first objective (ties by id).
    public var rankedByFirstObjective: [Int] {
        ranked(Array(ids.indices)).map { ids[$0] }
    }

    /// A reference point derived from every feasible trial (``Hypervolume/derivedReference(_:)``).
    public var derivedReference: [Double]? {
        guard !ids.isEmpty, dimensions > 0 else { return nil }
        return (0..<dimensions).map { k in
            var low = Double.infinity, high = -Double.infinity
            for row in ids.indices {
                low = Swift.min(low, values[row * dimensions + k])
                high = Swift.max(high, values[row * dimensions + k])
            }
            return Hypervolume.referenceBelow(low: low, high: high)
        }
    }

    /// The ids among `candidates` (the trials these outcomes were read from, feasible or not) that no later front
    /// and no derived reference point can need, so a store may stop reading them (`StudyService` prunes them):
    ///
    /// - an infeasible trial (a constraint not met, an objective missing or NaN) never counts;
    /// - with `frontAndReference`, a feasible trial off the front is dominated by another feasible trial, and is not
    ///   needed for the reference when it is not the worst in any objective (the smallest value, the smallest id
    ///   among equal ones): another feasible trial comes before it in every objective. The best values, the
    ///   reference's other end, are on the front.
    ///
    /// Both conditions name other completed trials, which never change, so once true they stay true while no trial
    /// is deleted: the unpruned trials keep the whole front (a pruned trial is dominated by a front trial, which
    /// then dominates whatever it dominated) and every objective's worst and best values. Without
    /// `frontAndReference` (one objective with constraints: every feasible trial is ranked) only infeasible trials
    /// are returned.
    public func prunableIDs(of candidates: [Int], frontAndReference: Bool) -> [Int] {
        var needed = Set<Int>()
        if !frontAndReference {
            needed = Set(ids)
        } else if !ids.isEmpty {
            needed.reserveCapacity(dimensions + 16)
            for position in ParetoFront.nonDominatedIndices(flat: values, dimensions: dimensions) { needed.insert(ids[position]) }
            for k in 0..<dimensions {
                var worst = 0
                for row in ids.indices.dropFirst() {
                    let value = values[row * dimensions + k], lowest = values[worst * dimensions + k]
                    if value < lowest || (value == lowest && ids[row] < ids[worst]) { worst = row }
                }
                needed.insert(ids[worst])
            }
        }
        return candidates.filter { !needed.contains($0) }
    }

    private func ranked(_ positions: [Int]) -> [Int] {
        positions.sorted { a, b in
            let first = values[a * dimensions], second = values[b * dimensions]
            return first > second || (first == second && ids[a] < ids[b])
        }
    }
}
