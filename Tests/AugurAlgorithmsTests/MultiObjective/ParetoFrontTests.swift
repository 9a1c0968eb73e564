import AugurCore
import Testing
@testable import AugurAlgorithms

@Suite struct ParetoFrontTests {
    /// The definition, checked pair by pair: a point is on the front when no other point dominates it.
    static func bruteForceFront(_ points: [[Double]]) -> [Int] {
        points.indices.filter { i in !points.indices.contains { j in j != i && ParetoFront.dominates(points[j], points[i]) } }
    }

    /// Random sets in 1 to 4 objectives, with values on a coarse lattice so that ties and duplicates are common.
    @Test(arguments: 0..<60)
    func nonDominatedIndicesMatchBruteForce(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 7)
        let dimensions = 1 + seed % 4
        let count = Int(generator.nextUnit() * 120)
        let coarse = seed % 3 == 0
        let points = (0..<count).map { _ in
            (0..<dimensions).map { _ in coarse ? Double(Int(generator.nextUnit() * 5)) : generator.nextGaussian() }
        }
        #expect(ParetoFront.nonDominatedIndices(points) == Self.bruteForceFront(points))
    }

    /// The three-objective staircase on larger sets: fronts of hundreds of points, exact ties in one or two
    /// coordinates (a coarse lattice in some of them) and duplicated points.
    @Test(arguments: 0..<24)
    func threeObjectiveStaircaseMatchesBruteForce(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 11)
        let count = 50 + Int(generator.nextUnit() * 350)
        var points: [[Double]] = (0..<count).map { _ in
            (0..<3).map { k in k < seed % 4 ? Double(Int(generator.nextUnit() * 6)) : generator.nextUnit() }
        }
        if seed % 2 == 0 {
            // Points on the sphere's octant, so that most of them are on the front.
            points = points.map { point in
                let norm = (point.map { $0 * $0 }.reduce(0, +)).squareRoot()
                return norm > 0 ? point.map { $0 / norm } : point
            }
        }
        points += points.prefix(5)
        #expect(ParetoFront.nonDominatedIndices(points) == Self.bruteForceFront(points))
        #expect(ParetoFront.nonDominatedIndices(flat: points.flatMap { $0 }, dimensions: 3) == Self.bruteForceFront(points))
    }

    /// Ranking from a table of final values (what the stores return) agrees with ranking from the trials' metrics.
    @Test(arguments: 0..<10)
    func outcomesFromATableMatchOutcomesFromMetrics(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 13)
        let objective = Objective(metric: "error", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "accuracy", goal: .maximize), MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 0.7)),
            MetricSpec(name: "latency", goal: seed % 2 == 0 ? .minimize : nil),
        ])
        let metrics = ["latency", "memory", "error", "accuracy"]
        let rows: [(id: Int, metrics: [String: Double])] = (0..<200).map { id in
            var values: [String: Double] = [:]
            for name in metrics where generator.nextUnit() < 0.95 {
                values[name] = generator.nextUnit() < 0.02 ? .nan : Double(Int(generator.nextUnit() * 20)) / 20
            }
            return (id * 3 + 1, values)
        }
        let table = rows.flatMap { row in metrics.map { row.metrics[$0] ?? .nan } }
        let fromTable = TrialOutcomes(ids: rows.map(\.id), metrics: metrics, table: table, objective: objective)
        let fromMetrics = TrialOutcomes(finalMetrics: rows, objective: objective)
        #expect(fromTable.ids == fromMetrics.ids)
        #expect(fromTable.vectors == fromMetrics.vectors)
        #expect(fromTable.frontIDs == fromMetrics.frontIDs)
        #expect(fromTable.derivedReference == Hypervolume.derivedReference(fromMetrics.vectors))
    }

    @Test func dominanceNeedsOneStrictImprovement() {
        #expect(ParetoFront.dominates([1, 2], [1, 1]))
        #expect(!ParetoFront.dominates([1, 1], [1, 1]))
        #expect(!ParetoFront.dominates([2, 0], [1, 1]))
    }

    @Test func duplicatesOnTheFrontAreAllKept() {
        let points: [[Double]] = [[1, 2], [2, 1], [1, 2], [0, 0]]
        #expect(ParetoFront.nonDominatedIndices(points) == [0, 1, 2])
    }

    @Test func outcomesDropUnsafeAndIncompleteTrialsAndRankTheFront() {
        let objective = Objective(metric: "error", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "latency", goal: .minimize),
            MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 2)),
        ])
        let outcomes = TrialOutcomes(finalMetrics: [
            (1, ["error": 0.1, "latency": 9, "memory": 1]),
            (2, ["error": 0.3, "latency": 2, "memory": 2]),
            (3, ["error": 0.05, "latency": 1, "memory": 3]),   // best in both, but unsafe
            (4, ["error": 0.2, "latency": 10, "memory": 1]),   // dominated by 1
            (5, ["error": 0.01, "memory": 1]),                 // lacks an objective
            (6, ["error": 0.2, "latency": 5]),                 // lacks the constraint metric
        ], objective: objective)
        #expect(outcomes.ids == [1, 2, 4])
        #expect(outcomes.frontIDs == [1, 2])
        #expect(outcomes.rankedByFirstObjective == [1, 4, 2])
    }
}

@Suite struct HypervolumeTests {
    @Test func twoObjectivesExact() {
        // Staircase of (1,3), (2,2), (3,1) over the origin: 3 + 2 + 1 = 6.
        #expect(Hypervolume.of([[1, 3], [2, 2], [3, 1]], reference: [0, 0]) == 6)
        // A dominated point and a point outside the reference add nothing.
        #expect(Hypervolume.of([[1, 3], [2, 2], [3, 1], [1, 1], [5, -1]], reference: [0, 0]) == 6)
        #expect(Hypervolume.of([[2, 2]], reference: [1, 0.5]) == 1.5)
        #expect(Hypervolume.of([], reference: [0, 0]) == 0)
    }

    @Test func threeObjectivesExact() {
        // One box: 2·3·4.
        #expect(Hypervolume.of([[2, 3, 4]], reference: [0, 0, 0]) == 24)
        // Two boxes [0,2]×[0,1]×[0,1] and [0,1]×[0,2]×[0,1] overlap in the unit cube: 2 + 2 − 1 = 3.
        #expect(Hypervolume.of([[2, 1, 1], [1, 2, 1]], reference: [0, 0, 0]) == 3)
        // The three unit-axis staircase points (2,1,1), (1,2,1), (1,1,2): 3·2 − 3·1 + 1 = 4.
        #expect(Hypervolume.of([[2, 1, 1], [1, 2, 1], [1, 1, 2]], reference: [0, 0, 0]) == 4)
        // A shifted reference point.
        #expect(Hypervolume.of([[3, 3, 3], [4, 2, 2]], reference: [1, 1, 1]) == 8 + 3 - 2)
    }

    /// Inclusion–exclusion over every subset (the union of boxes), exact for small sets: the reference to check
    /// the slicing algorithm against on random points in 2 to 4 dimensions.
    static func inclusionExclusion(_ points: [[Double]], reference: [Double]) -> Double {
        let inside = points.filter { zip($0, reference).allSatisfy { $0 > $1 } }
        var total = 0.0
        for mask in 1..<(1 << inside.count) {
            var corner = [Double](repeating: .infinity, count: reference.count)
            var members = 0
            for (index, point) in inside.enumerated() where mask & (1 << index) != 0 {
                members += 1
                for k in corner.indices { corner[k] = min(corner[k], point[k]) }
            }
            let volume = zip(corner, reference).reduce(1.0) { $0 * ($1.0 - $1.1) }
            total += members % 2 == 1 ? volume : -volume
        }
        return total
    }

    @Test(arguments: 0..<30)
    func matchesInclusionExclusion(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 11)
        let dimensions = 2 + seed % 3
        let points = (0..<(3 + seed % 8)).map { _ in (0..<dimensions).map { _ in generator.nextUnit() } }
        let reference = [Double](repeating: 0.1, count: dimensions)
        let exact = Self.inclusionExclusion(points, reference: reference)
        #expect(abs(Hypervolume.of(points, reference: reference) - exact) <= 1e-12 * max(1, exact))
    }

    /// The three-objective sweep against slicing (HSO) on fronts too large for inclusion–exclusion: the same points
    /// with a fourth coordinate of 1 over a reference of 0 there have the same hypervolume, computed by slicing.
    @Test(arguments: 0..<8)
    func threeObjectiveSweepMatchesSlicing(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 17)
        let coarse = seed % 2 == 0
        let points = (0..<(40 + 20 * seed)).map { _ in
            (0..<3).map { _ in coarse ? Double(Int(generator.nextUnit() * 8)) / 8 : generator.nextUnit() }
        }
        let reference = [0.05, -0.1, 0.0]
        let swept = Hypervolume.of(points, reference: reference)
        let sliced = Hypervolume.of(points.map { $0 + [1] }, reference: reference + [0])
        #expect(swept > 0)
        #expect(abs(swept - sliced) <= 1e-12 * max(1, sliced))
    }

    @Test func derivedReferenceLiesBelowEveryPoint() {
        let reference = Hypervolume.derivedReference([[1, 5], [3, 5], [2, 5]])
        #expect(reference == [0.8, 4.5])
        #expect(Hypervolume.derivedReference([]) == nil)
    }

    @Test func specReferenceTurnsWithTheGoals() {
        let objective = Objective(metric: "error", goal: .minimize,
                                  additionalMetrics: [MetricSpec(name: "accuracy", goal: .maximize)], referencePoint: [1, 0.5])
        #expect(objective.maximizationReferencePoint == [-1, 0.5])
        #expect(objective.referencePointInMetricUnits([-1, 0.5]) == [1, 0.5])
    }
}
