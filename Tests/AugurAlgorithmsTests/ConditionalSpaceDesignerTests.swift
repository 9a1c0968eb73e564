import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

/// Every designer over search spaces with conditional parameters: suggestions carry exactly the parameters that
/// exist under their values, grids enumerate the tree exactly, model-based designers stay finite.
@Suite struct ConditionalSpaceDesignerTests {
    /// An optimizer choice with per-optimizer learning rates, and a grandchild under one momentum.
    static let optimizerSpace = SearchSpace([
        .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
        .double("lr_sgd", min: 1e-4, max: 1, scale: .log).when("optimizer", in: [.string("sgd")]),
        .discrete("momentum", [0, 0.5, 0.9]).when("optimizer", in: [.string("sgd"), .string("rmsprop")]),
        .double("dampening", min: 0, max: 0.5).when("momentum", in: [.double(0.5), .double(0.9)]),
        .double("lr_adam", min: 1e-5, max: 1e-1, scale: .log).when("optimizer", in: [.string("adam")]),
        .integer("beta_exponent", min: 1, max: 4).when("optimizer", in: [.string("adam")]),
        .double("dropout", min: 0, max: 0.5),
    ])

    /// A finite tree three levels deep, with an int parent and siblings under several values.
    static let gridSpace = SearchSpace([
        .categorical("optimizer", ["sgd", "adam", "none"]),
        .integer("layers", min: 1, max: 3),
        .discrete("lr_sgd", [0.1, 0.01]).when("optimizer", in: [.string("sgd")]),
        .categorical("momentum", ["off", "on"]).when("optimizer", in: [.string("sgd")]),
        .double("beta", min: 0.5, max: 0.9, step: 0.2).when("momentum", in: [.string("on")]),
        .discrete("lr_adam", [0.001, 0.0001]).when("optimizer", in: [.string("adam")]),
        .integer("width", min: 16, max: 64, step: 16).when("layers", in: [.integer(2), .integer(3)]),
        .categorical("norm", ["batch", "layer"]).when("layers", in: [.integer(3)]),
    ])

    /// Every assignment of the parameters that exist, by brute force: each cell of the full product, pruned.
    static func bruteForce(_ space: SearchSpace) -> Set<ParameterAssignment> {
        var result: Set<ParameterAssignment> = [[:]]
        for parameter in space.parameters {
            let values = (0..<(parameter.cardinality ?? 0)).compactMap(parameter.gridValue(at:))
            result = Set(result.flatMap { partial in values.map { partial.merging([parameter.name: $0]) { $1 } } })
        }
        return Set(result.map(space.pruned))
    }

    @Test func aConditionalGridEnumeratesTheTreeExactly() throws {
        let grid = try SearchGrid(Self.gridSpace)
        let cells = (0..<grid.cellCount).map(grid.assignment(ofCell:))
        let expected = Self.bruteForce(Self.gridSpace)
        // sgd: 2 lr · (off + on · 3 betas) = 8; adam: 2; none: 1 → 11; layers: 1 + 4 + 4 · 2 = 13.
        #expect(expected.count == 11 * 13)
        #expect(grid.cellCount == expected.count)
        #expect(Self.gridSpace.gridCellCount == expected.count, "the validator's count is the grid's")
        #expect(Set(cells).count == cells.count, "no assignment twice")
        #expect(Set(cells) == expected)
        for (index, cell) in cells.enumerated() {
            #expect(Self.gridSpace.isValid(cell), "\(cell)")
            #expect(grid.cell(of: cell) == index)
        }
    }

    /// A law: on random finite trees the validator's count (`SearchSpace.gridCellCount`) is the grid's and the
    /// brute-force count of distinct assignments.
    @Test(arguments: 0..<40)
    func theCellCountOfRandomTreesIsTheBruteForceCount(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed), stream: 11)
        var parameters: [ParameterSpec] = []
        for index in 0..<Int.random(in: 1...6, using: &generator) {
            var parameter: ParameterSpec = Bool.random(using: &generator)
                ? .categorical("p\(index)", (0..<Int.random(in: 1...3, using: &generator)).map { "v\($0)" })
                : .integer("p\(index)", min: 1, max: Int.random(in: 2...4, using: &generator))
            // A parent earlier in the list, never itself: a tree, with some parameters at the root.
            if index > 0, Int.random(in: 0..<3, using: &generator) > 0 {
                let parent = parameters[Int.random(in: 0..<index, using: &generator)]
                let values = (0..<(parent.cardinality ?? 0)).compactMap(parent.gridValue(at:))
                    .filter { _ in Bool.random(using: &generator) }
                if !values.isEmpty { parameter = parameter.when(parent.name, in: values) }
            }
            parameters.append(parameter)
        }
        let space = SearchSpace(parameters)
        let expected = Self.bruteForce(space).count
        #expect(space.gridCellCount == expected)
        #expect(try SearchGrid(space).cellCount == expected)
    }

    @Test func aConditionalGridDesignerProposesEveryCellOnceThenNothing() throws {
        let designer = try GridDesigner(searchSpace: Self.gridSpace)
        let all = try Fixtures.run(designer, total: 1_000, batch: 7, state: .active)
        #expect(all.count == 11 * 13)
        #expect(Set(all) == Self.bruteForce(Self.gridSpace))
    }

    @Test func aSpaceWithoutConditionsIsNumberedAsBefore() throws {
        let grid = try SearchGrid(Fixtures.smallGridSpace)
        let first = grid.assignment(ofCell: 0)
        #expect(first == ["dropout": .double(0), "layers": .integer(2), "batch": .double(32), "optimizer": .string("sgd")])
        #expect(grid.assignment(ofCell: 1)["optimizer"] == .string("adam"))
    }

    /// Random and quasi-random search never emit a parameter that does not exist and always emit those that do,
    /// over seeds; every branch of the tree is reached.
    @Test(arguments: [AlgorithmSpec.random, .quasiRandom(.halton), .quasiRandom(.sobol)])
    func samplingEmitsExactlyTheActiveParameters(algorithm: AlgorithmSpec) throws {
        var optimizers: Set<String> = []
        var dampened = 0
        for seed in UInt64(1)...12 {
            let designer = try DesignerFactory.make(for: Fixtures.spec(Self.optimizerSpace, algorithm: algorithm, seed: seed))
            for assignment in try Fixtures.run(designer, total: 60, batch: 8) {
                #expect(Self.optimizerSpace.isValid(assignment), "seed \(seed): \(assignment)")
                #expect(Set(assignment.keys) == Self.optimizerSpace.activeNames(in: assignment))
                optimizers.insert(assignment["optimizer"]?.stringValue ?? "")
                if assignment["dampening"] != nil { dampened += 1 }
            }
        }
        #expect(optimizers == ["sgd", "adam", "rmsprop"])
        #expect(dampened > 0)
    }

    static let modelBased: [AlgorithmSpec] = [
        .gaussianProcess(GaussianProcessSettings(initialTrials: 5)),
        .treeParzen(TreeParzenSettings(startupTrials: 5)),
        .treeParzen(TreeParzenSettings(startupTrials: 5, multivariate: true)),
        .cmaes(CMAESSettings()),
    ]

    /// A loss that depends on the branch: only the active learning rate matters.
    static func loss(_ assignment: ParameterAssignment) -> Double {
        let dropout = assignment["dropout"]?.doubleValue ?? 0
        switch assignment["optimizer"]?.stringValue {
        case "sgd": return pow(log10(assignment["lr_sgd"]?.doubleValue ?? 1) + 1, 2) + dropout
        case "adam": return 0.5 + pow(log10(assignment["lr_adam"]?.doubleValue ?? 1) + 3, 2) + dropout
        default: return 2 + (assignment["dampening"]?.doubleValue ?? 0) + dropout
        }
    }

    @Test(arguments: modelBased)
    func modelBasedDesignersStayValidAndFinite(algorithm: AlgorithmSpec) throws {
        for seed in UInt64(1)...3 {
            let designer = try DesignerFactory.make(for: Fixtures.spec(Self.optimizerSpace, algorithm: algorithm, seed: seed))
            var trials: [Trial] = []
            while trials.count < 30 {
                let pending = trials.filter { $0.state == .active }.map(\.parameters)
                let batch = try designer.suggest(DesignRequest(count: 3, history: trials, trialCount: trials.count, pending: pending))
                #expect(batch.count == 3, "\(algorithm.name) seed \(seed)")
                for assignment in batch {
                    #expect(Self.optimizerSpace.isValid(assignment), "\(algorithm.name) seed \(seed): \(assignment)")
                    var trial = Trial(id: trials.count + 1, study: "test", parameters: assignment, state: .active)
                    trial.state = .completed
                    trial.finalMeasurement = TrialMeasurement(metrics: ["loss": Self.loss(assignment)])
                    trials.append(trial)
                }
            }
        }
    }

    @Test func theGaussianProcessSeesInactiveParametersAtFixedFeatures() throws {
        let encoding = FeatureEncoding(space: Self.optimizerSpace)
        let adam: ParameterAssignment = ["optimizer": .string("adam"), "lr_adam": .double(0.001), "beta_exponent": .integer(2),
                                         "dropout": .double(0.1)]
        let features = try #require(encoding.features(of: adam))
        // Two points differing only in a parameter that does not exist are the same point.
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<200 {
            var unit = Self.optimizerSpace.parameters.map { _ in generator.nextUnit() }
            let point = encoding.features(atUnit: unit)
            #expect(point.allSatisfy { $0.isFinite })
            let assignment = encoding.assignment(of: point)
            #expect(Self.optimizerSpace.isValid(assignment), "\(assignment)")
            let again = try #require(encoding.features(of: assignment))
            #expect(zip(again, point).allSatisfy { abs($0 - $1) <= 1e-9 }, "\(again) vs \(point)")
            // Moving an inactive coordinate changes nothing.
            for (index, parameter) in Self.optimizerSpace.parameters.enumerated() where assignment[parameter.name] == nil {
                unit[index] = generator.nextUnit()
            }
            #expect(encoding.features(atUnit: unit) == point)
        }
        #expect(encoding.snapped(features) == features)
        let back = encoding.assignment(of: features)
        #expect(Set(back.keys) == Set(adam.keys))
        #expect(abs((back["lr_adam"]?.doubleValue ?? 0) - 0.001) <= 1e-12)
    }

    @Test func theGaussianProcessFitsAConditionalHistoryWithFiniteValues() throws {
        let settings = GaussianProcessSettings(initialTrials: 4)
        let spec = Fixtures.spec(Self.optimizerSpace, algorithm: .gaussianProcess(settings), seed: 4)
        let designer = try GaussianProcessDesigner(spec: spec, settings: settings)
        let history = try Fixtures.run(designer, total: 20, batch: 2)
        var trials = Fixtures.trials(history)
        for index in trials.indices {
            trials[index].finalMeasurement = TrialMeasurement(metrics: ["loss": Self.loss(trials[index].parameters)])
        }
        let request = DesignRequest(count: 1, history: trials, trialCount: trials.count)
        let data = TrainingData(request: request, objective: spec.objective, encoding: designer.encoding)
        #expect(data.points.count == 20)
        var generator = SeededGenerator(seed: 1)
        let model = try #require(designer.fitModel(data, generator: &generator)?.model)
        for point in data.points {
            let prediction = model.predictWithGradient(at: point)
            #expect(prediction.mean.isFinite)
        }
    }

    @Test func cmaesTellsGenerationsWhoseMembersDroppedCoordinates() throws {
        let spec = Fixtures.spec(Self.optimizerSpace, algorithm: .cmaes(CMAESSettings()), seed: 2)
        let designer = try CMAESDesigner(spec: spec, settings: CMAESSettings())
        // Six numeric parameters are modelled (all but the categorical optimizer), most inactive in any one trial.
        let population = EvolutionStrategy.defaultPopulationSize(dimension: 6)
        var trials: [Trial] = []
        for _ in 0..<(3 * population) {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: trials, trialCount: trials.count)).first)
            var trial = Trial(id: trials.count + 1, study: "test", parameters: assignment, state: .completed,
                              createdAt: Date(timeIntervalSince1970: 0))
            trial.endedAt = Date(timeIntervalSince1970: Double(trials.count + 1))
            trial.finalMeasurement = TrialMeasurement(metrics: ["loss": Self.loss(assignment)])
            trials.append(trial)
        }
        let replay = designer.replay(trials)
        #expect(replay.generations == 3)
        #expect(replay.unrecognised == 0)
    }
}
