import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

/// The exploring steps' lengthscale cap and scale (``GaussianProcessDesigner/SearchOptions/explorationLengthscaleCap``,
/// ``GaussianProcessDesigner/SearchOptions/explorationLengthscaleScale``): the exploring step's posterior uses shorter
/// lengthscales; the fit, the cache and the other steps keep the fitted ones.
@Suite(.serialized) struct ExplorationLengthscaleTests {
    typealias Fixture = GaussianProcessDesignerTests

    static func designer(dimensions: Int = 6, seed: UInt64, cap: Double? = nil, scale: Double = 1,
                         cache: GaussianProcessCache? = nil) throws -> GaussianProcessDesigner {
        var search = GaussianProcessDesigner.SearchOptions.standard
        search.explorationLengthscaleCap = cap
        search.explorationLengthscaleScale = scale
        search.explorationLengthscaleObservations = 0...Int.max
        let spec = Fixture.spec(lower: [Double](repeating: 0, count: dimensions), upper: [Double](repeating: 1, count: dimensions), seed: seed)
        return try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), cache: cache, search: search)
    }

    /// A model on points clustered near the origin of the unit square with lengthscales far longer than the cube.
    static func clusteredModel(lengthscales: [Double] = [6, 9]) throws -> GaussianProcessModel {
        let rows = [[0.05, 0.1], [0.1, 0.05], [0.15, 0.15], [0.2, 0.1], [0.1, 0.2]]
        var points = Matrix(rows: rows.count, columns: 2)
        for (i, row) in rows.enumerated() {
            for k in 0..<2 { points[i, k] = row[k] }
        }
        let hyperparameters = GaussianProcessHyperparameters(logLengthscales: lengthscales.map { Foundation.log($0) }, logSignalVariance: 0,
                                                             logNoiseVariance: Foundation.log(1e-6), mean: 0)
        return try GaussianProcessModel(points: points, values: [0.3, -0.2, 0.5, 0.1, -0.4], hyperparameters: hyperparameters)
    }

    @Test(arguments: [0.5, 1.0, 2.0])
    func theCapShortensOnlyTheLengthscalesAboveIt(cap: Double) throws {
        let model = try Self.clusteredModel(lengthscales: [0.3, 9])
        let capped = try Self.designer(dimensions: 2, seed: 1, cap: cap).explorationModel(model)
        #expect(abs(capped.hyperparameters.lengthscales[0] - 0.3) < 1e-12)
        #expect(abs(capped.hyperparameters.lengthscales[1] - cap) < 1e-12)
        #expect(capped.hyperparameters.logSignalVariance == model.hyperparameters.logSignalVariance)
        #expect(capped.hyperparameters.logNoiseVariance == model.hyperparameters.logNoiseVariance)
        #expect(capped.hyperparameters.mean == model.hyperparameters.mean)
        #expect(model.hyperparameters.logLengthscales[1] == Foundation.log(9))
    }

    @Test func theScaleMultipliesEveryNumericLengthscaleBeforeTheCap() throws {
        let model = try Self.clusteredModel(lengthscales: [0.3, 9])
        let scaled = try Self.designer(dimensions: 2, seed: 1, cap: 2, scale: 0.5).explorationModel(model)
        #expect(abs(scaled.hyperparameters.lengthscales[0] - 0.15) < 1e-12)
        #expect(abs(scaled.hyperparameters.lengthscales[1] - 2) < 1e-12)
    }

    /// Far from the data the capped posterior's variance is larger (it returns towards the prior's), and along the
    /// coordinate the fit called irrelevant it is no longer about zero.
    @Test(arguments: [0.5, 1.0, 2.0])
    func theCapRaisesThePosteriorVarianceFarFromTheData(cap: Double) throws {
        let model = try Self.clusteredModel()
        let capped = try Self.designer(dimensions: 2, seed: 1, cap: cap).explorationModel(model)
        var far = Matrix(rows: 2, columns: 2)
        far[0, 0] = 1
        far[0, 1] = 1
        far[1, 0] = 0.1
        far[1, 1] = 1
        let before = model.predict(far).variance
        let after = capped.predict(far).variance
        for i in 0..<2 { #expect(after[i] > 2 * before[i]) }
        #expect(after[0] <= capped.hyperparameters.signalVariance + 1e-9)
    }

    /// The clustered model has 5 observations: a range without 5, or an additive model under `productOnly`, keeps the
    /// fitted lengthscales.
    @Test func theCapAppliesOnlyWithinItsObservationsAndKernel() throws {
        let model = try Self.clusteredModel()
        func capped(observations: ClosedRange<Int>, productOnly: Bool = false, model: GaussianProcessModel) throws -> [Double] {
            var search = GaussianProcessDesigner.SearchOptions.standard
            search.explorationLengthscaleCap = 1
            search.explorationLengthscaleObservations = observations
            search.explorationLengthscaleProductOnly = productOnly
            let spec = Fixture.spec(lower: [0, 0], upper: [1, 1], seed: 1)
            let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
            return designer.explorationModel(model).hyperparameters.logLengthscales
        }
        let fitted = model.hyperparameters.logLengthscales
        #expect(try capped(observations: 0...4, model: model) == fitted)
        #expect(try capped(observations: 6...Int.max, model: model) == fitted)
        #expect(try capped(observations: 0...5, model: model) == [0, 0])
        #expect(try capped(observations: 0...Int.max, productOnly: true, model: model) == [0, 0])
        let additive = try GaussianProcessModel(points: model.points, values: model.values, hyperparameters: model.hyperparameters,
                                                form: .additive)
        #expect(try capped(observations: 0...Int.max, productOnly: true, model: additive) == fitted)
        #expect(try capped(observations: 0...Int.max, model: additive) == [0, 0])
    }

    /// The default caps the exploring model at 0.5 from 51 to 200 observations, and nowhere else.
    @Test(arguments: [(50, false), (51, true), (200, true), (201, false)])
    func theDefaultCapsFrom51To200Observations(observations: Int, capped: Bool) throws {
        var generator = SeededGenerator(seed: 5)
        var points = Matrix(rows: observations, columns: 2)
        for i in 0..<observations {
            for k in 0..<2 { points[i, k] = generator.nextUnit() }
        }
        let values = (0..<observations).map { points[$0, 0] - points[$0, 1] }
        let model = try GaussianProcessModel(points: points, values: values, hyperparameters: GaussianProcessHyperparameters(
            logLengthscales: [Foundation.log(3), Foundation.log(0.2)], logSignalVariance: 0, logNoiseVariance: Foundation.log(1e-4), mean: 0))
        let spec = Fixture.spec(lower: [0, 0], upper: [1, 1], seed: 1)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8))
        let lengthscales = designer.explorationModel(model).hyperparameters.lengthscales
        #expect(abs(lengthscales[0] - (capped ? 0.5 : 3)) < 1e-12)
        #expect(abs(lengthscales[1] - 0.2) < 1e-12)
    }

    @Test func categoricalFeaturesKeepTheirLengthscales() throws {
        let space = SearchSpace([.double("x", min: 0, max: 1), .categorical("c", ["a", "b"])])
        let spec = StudySpec(name: "test", searchSpace: space, objective: Objective(metric: "y", goal: .minimize),
                             algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 8)), seed: 1)
        var search = GaussianProcessDesigner.SearchOptions.standard
        search.explorationLengthscaleCap = 0.5
        search.explorationLengthscaleObservations = 0...Int.max
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), search: search)
        #expect(designer.encoding.numericFeatures == [0])
        #expect(designer.encoding.dimensions == 3)
        var points = Matrix(rows: 3, columns: 3)
        for (i, row) in [[0.1, 1, 0], [0.5, 0, 1], [0.9, 1, 0]].enumerated() {
            for k in 0..<3 { points[i, k] = row[k] }
        }
        let model = try GaussianProcessModel(points: points, values: [0.1, -0.3, 0.2], hyperparameters: GaussianProcessHyperparameters(
            logLengthscales: [Foundation.log(4), Foundation.log(7), Foundation.log(7)], logSignalVariance: 0, logNoiseVariance: Foundation.log(1e-6), mean: 0))
        let capped = designer.explorationModel(model).hyperparameters.lengthscales
        #expect(abs(capped[0] - 0.5) < 1e-12)
        #expect(abs(capped[1] - 7) < 1e-9 && abs(capped[2] - 7) < 1e-9)
    }

    /// Trial 22 is model suggestion 14 (initial trials 8): 14 % 5 == 4, an exploring step of ``standard``; 23 is a
    /// regular one.
    @Test(arguments: [UInt64(1), 2, 3])
    func theCapChangesTheExploringStepOnlyAndIsDeterministic(seed: UInt64) throws {
        let history = try GaussianProcessSearchOptionsTests.history(count: 22, seed: seed)
        let exploring = DesignRequest(count: 1, history: history, trialCount: 22)
        let regular = DesignRequest(count: 1, history: history, trialCount: 23)
        let standard = try Self.designer(seed: seed)
        let capped = try Self.designer(seed: seed, cap: 0.05)
        #expect(try capped.propose(regular) == standard.propose(regular))
        #expect(try capped.propose(exploring) == capped.propose(exploring))
        #expect(try capped.suggest(exploring) != standard.suggest(exploring))
    }

    /// With the option off, or a cap above every fitted lengthscale and no scale, every suggestion is today's.
    @Test(arguments: [UInt64(1), 2])
    func theOptionOffOrACapAboveEveryLengthscaleGivesTodaysSuggestions(seed: UInt64) throws {
        let history = try GaussianProcessSearchOptionsTests.history(count: 22, seed: seed)
        let standard = try GaussianProcessDesigner(spec: Fixture.spec(lower: [Double](repeating: 0, count: 6),
                                                                      upper: [Double](repeating: 1, count: 6), seed: seed),
                                                   settings: GaussianProcessSettings(initialTrials: 8))
        let off = try Self.designer(seed: seed)
        let loose = try Self.designer(seed: seed, cap: 1e9)
        // The default caps at 0.5 from 51 observations on, so on these 20-23 it suggests as with the option off.
        #expect(GaussianProcessDesigner.SearchOptions.standard.explorationLengthscaleCap == 0.5)
        #expect(GaussianProcessDesigner.SearchOptions.standard.explorationLengthscaleObservations == 51...200)
        #expect(GaussianProcessDesigner.SearchOptions.standard.explorationLengthscaleScale == 1)
        for trialCount in [20, 21, 22, 23] {
            let request = DesignRequest(count: 2, history: history, trialCount: trialCount)
            let today = try standard.propose(request)
            #expect(try off.propose(request) == today)
            #expect(try loose.propose(request) == today)
        }
    }

    /// The exploring step's capped model is a copy: the cache holds the fit the uncapped designer stores, seed for
    /// seed, and its lengthscales are not capped.
    @Test func theCapLeavesTheCachedHyperparametersUnchanged() throws {
        let history = try GaussianProcessSearchOptionsTests.history(count: 22, seed: 4)
        let exploring = DesignRequest(count: 1, history: history, trialCount: 22)
        let plainCache = GaussianProcessCache()
        let cappedCache = GaussianProcessCache()
        _ = try Self.designer(seed: 4, cache: plainCache).propose(exploring)
        _ = try Self.designer(seed: 4, cap: 0.05, cache: cappedCache).propose(exploring)
        let plain = try #require(plainCache.lastFit)
        let capped = try #require(cappedCache.lastFit)
        #expect(capped.hyperparameters == plain.hyperparameters)
        #expect(capped.observationCount == plain.observationCount)
        #expect(capped.hyperparameters.lengthscales.contains { $0 > 0.05 })
    }
}
