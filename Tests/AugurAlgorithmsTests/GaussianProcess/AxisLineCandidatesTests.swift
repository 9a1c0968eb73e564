import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// Axis-line candidates: each moves one parameter of a best trial across its range and keeps the others, at legal
/// values, reproducibly; the designer adds them to its candidate set or searches them alone only when asked.
@Suite struct AxisLineCandidatesTests {
    typealias Mixed = DiscreteNeighbourhoodSearchTests

    /// The unit point of a legal assignment of the mixed space (x = 0.25, n = 7, c = "b", batch = 100).
    static func center(_ encoding: FeatureEncoding) throws -> [Double] {
        let assignment: ParameterAssignment = ["x": .double(0.25), "n": .integer(7), "c": .string("b"), "batch": .integer(100)]
        return encoding.unitPoint(of: try #require(encoding.features(of: assignment)))
    }

    @Test(arguments: [1, 5, 16])
    func eachPointMovesExactlyOneCoordinateOfItsCenterAndTheLinesAreStratified(values: Int) throws {
        let encoding = FeatureEncoding(space: Mixed.space)
        let center = try Self.center(encoding)
        var generator = SeededGenerator(seed: 3)
        let points = AxisLineCandidates(values: values).unitPoints(through: [center], slots: encoding.slots, generator: &generator)
        // Three numeric lines of `values` points, and the three other categories of c.
        #expect(points.count == 3 * values + 3)
        var byCoordinate: [Int: [Double]] = [:]
        for point in points {
            let changed = point.indices.filter { point[$0] != center[$0] }
            #expect(changed.count == 1)
            if let coordinate = changed.first { byCoordinate[coordinate, default: []].append(point[coordinate]) }
            #expect(point.allSatisfy { $0 >= 0 && $0 < 1 })
        }
        for (p, slot) in encoding.slots.enumerated() {
            guard case .numeric = slot else { continue }
            let positions = try #require(byCoordinate[p]).sorted()
            #expect(positions.count == values)
            for (j, position) in positions.enumerated() {
                #expect(position >= Double(j) / Double(values) && position < Double(j + 1) / Double(values))
            }
        }
    }

    @Test func categoricalLinesVisitEveryOtherCategoryOnce() throws {
        let encoding = FeatureEncoding(space: Mixed.space)
        let center = try Self.center(encoding)
        var generator = SeededGenerator(seed: 4)
        let points = AxisLineCandidates(values: 8).unitPoints(through: [center], slots: encoding.slots, generator: &generator)
        let categories = points.filter { $0[2] != center[2] }.map { encoding.assignment(of: encoding.features(atUnit: $0))["c"] }
        #expect(categories.count == 3)
        #expect(Set(categories) == [.string("a"), .string("c"), .string("d")])
    }

    /// In feature space the points are legal (snapping leaves them as they are) and, as assignments, differ from the
    /// centre's in at most the one parameter their line moves (an integer line may land on the centre's own value).
    @Test func theirFeaturesAreLegalAndChangeOneParameter() throws {
        let encoding = FeatureEncoding(space: Mixed.space)
        let center = try Self.center(encoding)
        let centerAssignment = encoding.assignment(of: encoding.features(atUnit: center))
        var generator = SeededGenerator(seed: 5)
        let points = AxisLineCandidates(values: 16).unitPoints(through: [center], slots: encoding.slots, generator: &generator)
        var moved = Set<String>()
        for point in points {
            let features = encoding.features(atUnit: point)
            #expect(encoding.snapped(features) == features)
            let assignment = encoding.assignment(of: features)
            let differing = Mixed.space.parameters.map(\.name).filter { assignment[$0] != centerAssignment[$0] }
            #expect(differing.count <= 1)
            moved.formUnion(differing)
            if case .integer(let n)? = assignment["n"] { #expect((1...20).contains(n)) }
            if case .integer(let batch)? = assignment["batch"] { #expect((8...512).contains(batch)) }
        }
        #expect(moved == ["x", "n", "c", "batch"])
    }

    @Test func theSameGeneratorGivesTheSamePointsAndEveryLineItsOwnOffset() throws {
        let encoding = FeatureEncoding(space: Mixed.space)
        let centers = [try Self.center(encoding), [0.9, 0.1, 0.6, 0.3]]
        var first = SeededGenerator(seed: 6)
        var second = SeededGenerator(seed: 6)
        var other = SeededGenerator(seed: 7)
        let lines = AxisLineCandidates(values: 4)
        let points = lines.unitPoints(through: centers, slots: encoding.slots, generator: &first)
        #expect(points == lines.unitPoints(through: centers, slots: encoding.slots, generator: &second))
        #expect(points != lines.unitPoints(through: centers, slots: encoding.slots, generator: &other))
        // Six numeric lines (three per centre, four points each, the categorical line's three between), each with its
        // own offset: its first point is offset / 4.
        let lineStarts = [(0, 0), (4, 1), (11, 3), (15, 0), (19, 1), (26, 3)]
        let offsets = lineStarts.map { points[$0.0][$0.1] * 4 }
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(Set(offsets).count == 6)
        #expect(AxisLineCandidates(values: 0).unitPoints(through: centers, slots: encoding.slots, generator: &first).isEmpty)
    }

    @Test(arguments: [UInt64(1), 2])
    func theCandidateSetGainsTheLinesOnlyWhenAsked(seed: UInt64) throws {
        let history = try Mixed.history(count: 14, seed: seed)
        let spec = Mixed.spec(seed: seed)
        let settings = GaussianProcessSettings(initialTrials: 8)
        let plain = try GaussianProcessDesigner(spec: spec, settings: settings)
        var search = GaussianProcessDesigner.SearchOptions.standard
        search.axisLineValues = 8
        let lined = try GaussianProcessDesigner(spec: spec, settings: settings, search: search)
        let data = TrainingData(request: DesignRequest(count: 1, history: history, trialCount: history.count), objective: spec.objective,
                                encoding: plain.encoding)
        var generator = SeededGenerator(seed: seed, stream: 5)
        let model = try #require(plain.fitModel(data, generator: &generator)).model

        var a = SeededGenerator(seed: seed, stream: 9)
        var b = SeededGenerator(seed: seed, stream: 9)
        var c = SeededGenerator(seed: seed, stream: 9)
        let without = plain.candidateSet(model: model, data: data, generator: &a, axisLines: true).0
        let notAsked = lined.candidateSet(model: model, data: data, generator: &b).0
        let with = lined.candidateSet(model: model, data: data, generator: &c, axisLines: true).0
        // Options without lines, or a step that does not ask for them, leave the candidate set as it was.
        #expect(without.elements == notAsked.elements)
        // Three numeric lines of 8 and three other categories, through the best trial.
        #expect(with.rows == without.rows + 3 * 8 + 3)
        // The added rows are the lines: each a legal point that differs from the best trial in at most one parameter
        // (an integer line may land on the best trial's own value), every parameter moved by some.
        let bestIndex = try #require(data.values.indices.max { data.values[$0] < data.values[$1] })
        let bestAssignment = plain.encoding.assignment(of: data.points[bestIndex])
        var added = (0..<with.rows).map { with.row($0) }
        for row in (0..<without.rows).map({ without.row($0) }) {
            if let index = added.firstIndex(of: row) { added.remove(at: index) }
        }
        #expect(added.count == 3 * 8 + 3)
        var moved = Set<String>()
        for row in added {
            #expect(plain.encoding.snapped(row) == row)
            let assignment = plain.encoding.assignment(of: row)
            let differing = Mixed.space.parameters.map(\.name).filter { assignment[$0] != bestAssignment[$0] }
            #expect(differing.count <= 1)
            moved.formUnion(differing)
        }
        #expect(moved == ["x", "n", "c", "batch"])
    }

    /// An axis-line step proposes a new point whose acquisition was searched over the lines alone and says so; the
    /// steps between stay those of the options without lines.
    @Test func anAxisLineStepSearchesTheLinesAndSaysSo() throws {
        let history = try Mixed.history(count: 20, seed: 3)
        let spec = Mixed.spec(seed: 3)
        let settings = GaussianProcessSettings(initialTrials: 8)
        var search = GaussianProcessDesigner.SearchOptions.standard
        search.axisLinePeriod = 5
        search.axisLineBeta = 3
        let lined = try GaussianProcessDesigner(spec: spec, settings: settings, search: search)
        let plain = try GaussianProcessDesigner(spec: spec, settings: settings)
        // Trial 20 is model suggestion 12 (8 initial trials): 12 % 5 == 2, an axis-line step; 21 is neither that nor an
        // exploring step (model suggestion 14, 19, …).
        let request = DesignRequest(count: 1, history: history, trialCount: 20)
        let step = try #require(try lined.propose(request).first)
        #expect(GaussianProcessSearchOptionsTests.acquisition(step) == "ucb(beta=3)+axis-lines")
        #expect(!history.map(\.parameters).contains(step.parameters))
        #expect(try lined.propose(request) == [step])
        #expect(try plain.suggest(request) != [step.parameters])
        let regular = DesignRequest(count: 2, history: history, trialCount: 21)
        #expect(try lined.propose(regular) == plain.propose(regular))
    }

    /// With lines in the candidate set (model suggestion 14, an exploring step) and an axis-line step (15, period 2),
    /// batches stay deterministic, new and in the box.
    @Test func batchesWithAxisLinesAreDeterministicNewAndInTheBox() throws {
        typealias Fixture = GaussianProcessDesignerTests
        let history = try GaussianProcessSearchOptionsTests.history(count: 20, seed: 9)
        let spec = Fixture.spec(lower: Fixture.hartmann6.lower, upper: Fixture.hartmann6.upper, seed: 9)
        let search = GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, axisLineValues: 16, axisLineTrials: 2,
                                                           axisLinePeriod: 2)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        for trialCount in [22, 23] {
            let request = DesignRequest(count: 3, history: history, trialCount: trialCount)
            let batch = try designer.suggest(request)
            #expect(batch == (try designer.suggest(request)))
            #expect(batch.count == 3 && Set(batch).count == 3)
            #expect(Set(batch).isDisjoint(with: history.map(\.parameters)))
            for assignment in batch {
                #expect(Fixture.point(assignment, dimensions: 6).allSatisfy { $0 >= 0 && $0 <= 1 })
            }
        }
    }
}
