import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The basin regions of the exploring steps: which observations are basin centers, the rotation over them, and that the
/// boxes and the points proposed in them are legal.
@Suite struct BasinRegionsTests {
    typealias Fixture = GaussianProcessDesignerTests

    static func randomObservations(count: Int, dimensions: Int, seed: UInt64) -> (points: [[Double]], values: [Double], lengthscales: [Double]) {
        var generator = SeededGenerator(seed: seed)
        let points = (0..<count).map { _ in (0..<dimensions).map { _ in generator.nextUnit() } }
        // Rounded values, so that ties occur and the tie rule is exercised.
        let values = (0..<count).map { _ in (4 * generator.nextGaussian()).rounded() }
        let lengthscales = (0..<dimensions).map { _ in 0.05 + generator.nextUnit() }
        return (points, values, lengthscales)
    }

    static func scaledDistance(_ a: [Double], _ b: [Double], lengthscales: [Double]) -> Double {
        zip(zip(a, b), lengthscales).reduce(0) { $0 + ($1.0.0 - $1.0.1) * ($1.0.0 - $1.0.1) / ($1.1 * $1.1) }.squareRoot()
    }

    /// The law of the centers: the first is the best observation; no observation ranked before a center (better, or
    /// equal and earlier) lies within the radius of it, and every observation that is not a center has one that does.
    @Test(arguments: [(UInt64(1), 0.1), (2, 0.5), (3, 1.0), (4, 2.0), (5, 4.0)])
    func aCenterIsAnObservationWithNoBetterOneWithinTheRadius(seed: UInt64, radius: Double) {
        let (points, values, lengthscales) = Self.randomObservations(count: 60, dimensions: 3, seed: seed)
        let centers = BasinRegions.centers(points: points, values: values, lengthscales: lengthscales, radius: radius, limit: .max)
        #expect(centers == BasinRegions.centers(points: points, values: values, lengthscales: lengthscales, radius: radius, limit: .max))
        #expect(Set(centers).count == centers.count)
        #expect(centers.first == values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) })
        func ranksBefore(_ a: Int, _ b: Int) -> Bool { values[a] > values[b] || (values[a] == values[b] && a < b) }
        for i in values.indices {
            let covered = values.indices.contains { j in
                j != i && ranksBefore(j, i) && Self.scaledDistance(points[i], points[j], lengthscales: lengthscales) < radius
            }
            #expect(covered != centers.contains(i))
        }
        // Best first, and a limit keeps the first ones.
        #expect(zip(centers, centers.dropFirst()).allSatisfy { ranksBefore($0.0, $0.1) })
        #expect(BasinRegions.centers(points: points, values: values, lengthscales: lengthscales, radius: radius, limit: 2)
                == Array(centers.prefix(2)))
    }

    /// A pure function of the set of observations: the history in another order gives the same center points.
    @Test(arguments: [UInt64(6), 7, 8])
    func theCentersDoNotDependOnTheOrderOfDistinctObservations(seed: UInt64) {
        var (points, values, lengthscales) = Self.randomObservations(count: 40, dimensions: 4, seed: seed)
        values = values.indices.map { values[$0] + Double($0) * 1e-6 }
        let centers = BasinRegions.centers(points: points, values: values, lengthscales: lengthscales, radius: 0.8, limit: 5).map { points[$0] }
        let order = Array(values.indices.reversed())
        let shuffled = BasinRegions.centers(points: order.map { points[$0] }, values: order.map { values[$0] }, lengthscales: lengthscales,
                                            radius: 0.8, limit: 5).map { order.map { points[$0] }[$0] }
        #expect(centers == shuffled)
    }

    @Test func theExploringStepsRotateOverTheOtherBasins() {
        let centers = [5, 2, 9, 7]
        #expect((0..<6).map { BasinRegions.target(exploringStep: $0, centers: centers, includesWholeSpace: false) } == [2, 9, 7, 2, 9, 7])
        #expect((0..<5).map { BasinRegions.target(exploringStep: $0, centers: centers, includesWholeSpace: true) } == [nil, 2, 9, 7, nil])
        // Only the incumbent's basin: the whole space.
        #expect(BasinRegions.target(exploringStep: 3, centers: [5], includesWholeSpace: false) == nil)
        #expect(BasinRegions.target(exploringStep: 3, centers: [], includesWholeSpace: true) == nil)
    }

    @Test(arguments: [0.05, 0.2, 0.4, 2.0])
    func theHalfWidthsFollowTheLengthscalesAndStayInHalfTheCube(side: Double) {
        let space = SearchSpace([.double("x", min: 0, max: 1), .integer("n", min: 1, max: 20), .categorical("c", ["a", "b", "c"]),
                                 .double("y", min: 1e-4, max: 1, scale: .log)])
        let encoding = FeatureEncoding(space: space)
        let lengthscales = (0..<encoding.dimensions).map { 0.1 * Double($0 + 1) }
        let halfWidths = BasinRegions.halfWidths(encoding: encoding, lengthscales: lengthscales, side: side)
        #expect(halfWidths.count == space.parameters.count)
        #expect(halfWidths.allSatisfy { $0 > 0 && $0 <= 0.5 })
        #expect(halfWidths[2] == 0.5)
        // A longer lengthscale, a wider side (unless both are capped).
        #expect(halfWidths[0] <= halfWidths[1] && halfWidths[1] <= halfWidths[3])
    }

    /// In a mixed space: the box lies in the cube, every candidate of an exploring step lies in its box, and the
    /// suggestions are legal, new and the same when asked again or by a fresh designer.
    @Test(arguments: [UInt64(3), 4])
    func exploringStepsInABasinAreLegalNewDeterministicAndInTheBox(seed: UInt64) throws {
        let spec = DiscreteNeighbourhoodSearchTests.spec(seed: seed)
        let history = try DiscreteNeighbourhoodSearchTests.history(count: 24, seed: seed)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 1, discreteNeighbourhood: true,
                                                           basinExploration: .init(radius: 0.1, side: 0.3, basins: 3))
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        let request = DesignRequest(count: 3, history: history, trialCount: history.count)
        let batch = try designer.suggest(request)
        #expect(batch.count == 3 && Set(batch).count == 3)
        #expect(Set(batch).isDisjoint(with: history.map(\.parameters)))
        #expect(batch == (try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
            .suggest(request)))
        for assignment in batch {
            for parameter in spec.searchSpace.parameters {
                let value = try #require(assignment[parameter.name])
                #expect(parameter.contains(value))
            }
        }

        var generator = SeededGenerator(seed: 5)
        let data = TrainingData(request: request, objective: spec.objective, encoding: designer.encoding)
        let model = try #require(designer.fitModel(data, generator: &generator)?.model)
        let options = try #require(search.basinExploration)
        let optimizer = AcquisitionOptimizer(refinements: 4, refinementIterations: 30)
        let evaluator = AcquisitionEvaluator(function: .upperConfidenceBound, beta: 3, incumbent: model.values.max() ?? 0)
        var boxes = 0
        for step in 0..<4 {
            guard let box = designer.basinBox(options, model: model, data: data, exploringStep: step, optimizer: optimizer, evaluator: evaluator,
                                              generator: &generator) else { continue }
            boxes += 1
            // The rotation repeats after as many steps as there are other basins.
            let others = BasinRegions.centers(points: data.points, values: data.values, lengthscales: model.hyperparameters.lengthscales,
                                              radius: options.radius, limit: options.basins + 1).count - 1
            #expect(designer.basinBox(options, model: model, data: data, exploringStep: step + others, optimizer: optimizer,
                                              evaluator: evaluator, generator: &generator)?.center == box.center)
            let (candidates, lower, upper) = designer.candidateSet(model: model, data: data, basin: box, generator: &generator)
            for (p, slot) in designer.encoding.slots.enumerated() {
                guard case .numeric(let feature, _) = slot else { continue }
                #expect(lower[feature] >= 0 && upper[feature] <= 1 && lower[feature] < upper[feature])
                #expect(lower[feature] <= box.center[p] && box.center[p] <= upper[feature])
                // Candidates are snapped to legal values, which may sit up to half a value's spacing outside the box.
                let slack = if case .numeric(_, true) = slot { 0.5 / 19 } else { 1e-12 }
                for row in 0..<candidates.rows {
                    #expect(candidates[row, feature] >= lower[feature] - slack && candidates[row, feature] <= upper[feature] + slack)
                }
            }
        }
        #expect(boxes > 0)
        // Allocated by acquisition: the box of one of the other basins, the same when computed again.
        var allocation = options
        allocation.allocatesByAcquisition = true
        let centers = BasinRegions.centers(points: data.points, values: data.values, lengthscales: model.hyperparameters.lengthscales,
                                           radius: options.radius, limit: options.basins + 1)
        var first = SeededGenerator(seed: 6)
        var second = SeededGenerator(seed: 6)
        let allocated = try #require(designer.basinBox(allocation, model: model, data: data, exploringStep: 0, optimizer: optimizer,
                                                       evaluator: evaluator, generator: &first))
        #expect(centers.dropFirst().map { designer.encoding.unitPoint(of: data.points[$0]) }.contains(allocated.center))
        #expect(designer.basinBox(allocation, model: model, data: data, exploringStep: 0, optimizer: optimizer, evaluator: evaluator,
                                  generator: &second)?.center == allocated.center)
    }

    /// Off (the default) the search is unchanged; on, an exploring step searches elsewhere than the whole space's.
    @Test func theOptionChangesOnlyTheExploringSteps() throws {
        let history = try GaussianProcessSearchOptionsTests.history(count: 22, seed: 9)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 9)
        func designer(_ basins: GaussianProcessDesigner.SearchOptions.BasinExploration?) throws -> GaussianProcessDesigner {
            try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8),
                                        search: .init(explorationPeriod: 5, basinExploration: basins))
        }
        #expect(GaussianProcessDesigner.SearchOptions.standard.basinExploration == nil)
        // Trial 22 is model suggestion 14 (8 initial trials), an exploring step of period 5; trial 23 is not.
        let regular = DesignRequest(count: 1, history: history, trialCount: 23)
        #expect(try designer(.init(radius: 0.1)).suggest(regular) == designer(nil).suggest(regular))
        let exploring = DesignRequest(count: 1, history: history, trialCount: 22)
        #expect(try designer(.init(radius: 0.1, side: 0.1)).suggest(exploring) != designer(nil).suggest(exploring))
        // With a period the exploring steps stay as they were, and the basin steps fall between them (model
        // suggestion 12 with period 5, trial 20); the other steps are unchanged.
        let sideBySide = GaussianProcessDesigner.SearchOptions.BasinExploration(radius: 0.1, side: 0.1, period: 5)
        #expect(try designer(sideBySide).suggest(exploring) == designer(nil).suggest(exploring))
        #expect(try designer(sideBySide).suggest(regular) == designer(nil).suggest(regular))
        let basinStep = DesignRequest(count: 1, history: Array(history.prefix(20)), trialCount: 20)
        #expect(try designer(sideBySide).suggest(basinStep) != designer(nil).suggest(basinStep))
    }
}
