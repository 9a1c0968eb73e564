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
    ///
    /// Sort-based: points sorted by their coordinates in lexicographic descending order can only be dominated by
    /// points before them, so one pass keeps a point when no point kept so far dominates it (a dominated point that
    /// was dropped is itself dominated by a kept one, by transitivity). Two objectives take O(n log n) (a running
    /// maximum of the second coordinate); more take O(n log n + n·f·m) for a front of f points.
    public static func nonDominatedIndices(_ points: [[Double]]) -> [Int] {
        guard let dimensions = points.first?.count, points.count > 1 else { return Array(points.indices) }
        let order = points.indices.sorted { lexicographicallyGreater(points[$0], points[$1]) || (points[$0] == points[$1] && $0 < $1) }
        var kept: [Int] = []
        if dimensions == 1 {
            let best = points[order[0]][0]
            kept = order.filter { points[$0][0] == best }
        } else if dimensions == 2 {
            var highest = -Double.infinity
            var last: [Double]?
            for index in order {
                let point = points[index]
                if point[1] > highest || point == last {
                    kept.append(index)
                    highest = Swift.max(highest, point[1])
                    last = point
                }
            }
        } else {
            var front: [[Double]] = []
            for index in order where !front.contains(where: { dominates($0, points[index]) }) {
                kept.append(index)
                front.append(points[index])
            }
        }
        return kept.sorted()
    }

    private static func lexicographicallyGreater(_ a: [Double], _ b: [Double]) -> Bool {
        for k in a.indices where a[k] != b[k] { return a[k] > b[k] }
        return false
    }
}

/// What ranks a study's completed trials: the objective vectors of the feasible ones.
public struct TrialOutcomes: Sendable {
    /// Trial ids of the feasible trials with every objective value, in the order given.
    public var ids: [Int]
    /// Their objective vectors, larger better (``Objective/maximizationVector(_:)``).
    public var vectors: [[Double]]

    /// Keeps the trials that meet every constraint and report every objective (not NaN).
    public init(finalMetrics: [(id: Int, metrics: [String: Double])], objective: Objective) {
        ids = []
        vectors = []
        for (id, metrics) in finalMetrics where objective.isFeasible(metrics) {
            guard let vector = objective.maximizationVector(metrics) else { continue }
            ids.append(id)
            vectors.append(vector)
        }
    }

    /// The ids of the Pareto front's trials, best first by the first objective (ties by id). With one objective:
    /// every feasible trial sharing the best value.
    public var frontIDs: [Int] {
        let front = ParetoFront.nonDominatedIndices(vectors)
        return front.sorted { vectors[$0][0] > vectors[$1][0] || (vectors[$0][0] == vectors[$1][0] && ids[$0] < ids[$1]) }.map { ids[$0] }
    }

    /// The ids of every feasible trial, best first by the first objective (ties by id).
    public var rankedByFirstObjective: [Int] {
        vectors.indices.sorted { vectors[$0][0] > vectors[$1][0] || (vectors[$0][0] == vectors[$1][0] && ids[$0] < ids[$1]) }.map { ids[$0] }
    }
}
