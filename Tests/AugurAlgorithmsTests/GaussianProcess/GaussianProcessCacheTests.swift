import AugurCore
import AugurMath
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct GaussianProcessCacheTests {
    @Test func keepsTheLastFitAndOnlyWarmStarts() throws {
        let spec = GaussianProcessDesignerTests.spec(lower: [0, 0], upper: [1, 1], seed: 3, initialTrials: 4)
        let settings = GaussianProcessSettings(initialTrials: 4)
        let quasiRandom = try QuasiRandomDesigner(spec: spec)
        let history = try quasiRandom.suggest(DesignRequest(count: 12, trialCount: 0)).enumerated().map { index, assignment in
            let x = GaussianProcessDesignerTests.point(assignment, dimensions: 2)
            return GaussianProcessDesignerTests.trial(id: index + 1, assignment, value: sin(5 * x[0]) + x[1])
        }
        let cache = GaussianProcessCache()
        let request = DesignRequest(count: 1, history: history, trialCount: 12)
        let cached = try GaussianProcessDesigner(spec: spec, settings: settings, cache: cache).suggest(request)
        let fit = try #require(cache.lastFit)
        #expect(fit.observationCount == 12)
        #expect(fit.hyperparameters.logLengthscales.count == 2)
        // A second call starts from the stored fit as well; below the amortization threshold it still refits.
        let again = try GaussianProcessDesigner(spec: spec, settings: settings, cache: cache).suggest(request)
        #expect(again.count == 1 && cached.count == 1)
        cache.reset()
        #expect(cache.lastFit == nil)
    }

    /// `count` completed trials of a smooth 2-D function at seeded random points.
    static func history(_ count: Int, seed: UInt64 = 5) -> [Trial] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let x = [generator.nextUnit(), generator.nextUnit()]
            let assignment: ParameterAssignment = ["x0": .double(x[0]), "x1": .double(x[1])]
            return GaussianProcessDesignerTests.trial(id: index + 1, assignment, value: sin(5 * x[0]) + x[1] * x[1])
        }
    }

    static let spec = GaussianProcessDesignerTests.spec(lower: [0, 0], upper: [1, 1], seed: 3, initialTrials: 4)

    static func suggest(_ history: [Trial], cache: GaussianProcessCache) throws -> [ParameterAssignment] {
        try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 4), cache: cache)
            .suggest(DesignRequest(count: 1, history: history, trialCount: history.count))
    }

    /// A first suggestion, and the fit it left for the owner run at once.
    static func warmUp(_ history: [Trial], cache: GaussianProcessCache) throws {
        _ = try suggest(history, cache: cache)
        cache.takePendingRefit()?.run()
    }

    @Test func extendsTheKeptFactorAsTrialsArrive() throws {
        let threshold = GaussianProcessDesigner.amortizationThreshold
        let history = Self.history(threshold + 8)
        let cache = GaussianProcessCache()
        _ = try Self.suggest(Array(history.prefix(threshold + 1)), cache: cache)
        let fitted = try #require(cache.load(featureCount: 2))
        #expect(fitted.observationCount == threshold + 1)
        #expect(fitted.model?.points.rows == threshold + 1)
        // Seven more trials: the same hyperparameters, the factor extended by seven rows.
        _ = try Self.suggest(history, cache: cache)
        let extended = try #require(cache.load(featureCount: 2))
        #expect(extended.hyperparameters == fitted.hyperparameters)
        #expect(extended.observationCount == threshold + 1)
        let model = try #require(extended.model)
        #expect(model.points.rows == threshold + 8)
        let fresh = try GaussianProcessModel(points: model.points, values: model.values, hyperparameters: model.hyperparameters)
        let queries = Matrix(rows: 5, columns: 2, elements: [0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.4, 0.6, 0.8, 0.15])
        for (a, b) in zip(model.predict(queries).variance, fresh.predict(queries).variance) { #expect(abs(a - b) < 1e-8) }
        for (a, b) in zip(model.predict(queries).mean, fresh.predict(queries).mean) { #expect(abs(a - b) < 1e-8) }

        // Without factor extension the cache keeps no model.
        let plain = GaussianProcessCache(extendsFactor: false)
        _ = try Self.suggest(Array(history.prefix(threshold + 1)), cache: plain)
        #expect(plain.load(featureCount: 2)?.model == nil)
    }

    @Test func aStaleFitIsLeftForTheOwnerWhenRefitsRunInBackground() throws {
        let threshold = GaussianProcessDesigner.amortizationThreshold
        let history = Self.history(threshold + 40)
        let cache = GaussianProcessCache(refitsInBackground: true)
        try Self.warmUp(Array(history.prefix(threshold + 1)), cache: cache)
        #expect(!cache.refitOutstanding)
        #expect(cache.takePendingRefit() == nil)
        let before = try #require(cache.lastFit)

        // 39 more observations are past the 10% growth: the suggestion is served from the old fit and leaves a refit.
        let served = try Self.suggest(history, cache: cache)
        #expect(served.count == 1)
        #expect(cache.lastFit?.observationCount == before.observationCount)
        #expect(cache.lastFit?.hyperparameters == before.hyperparameters)
        #expect(cache.refitOutstanding)
        // Only one refit per cache: another stale suggestion does not queue a second.
        _ = try Self.suggest(history, cache: cache)
        let refit = try #require(cache.takePendingRefit())
        #expect(cache.takePendingRefit() == nil)
        #expect(refit.observationCount == threshold + 40)
        #expect(cache.refitOutstanding)
        refit.run()
        #expect(!cache.refitOutstanding)
        let after = try #require(cache.load(featureCount: 2))
        #expect(after.observationCount == threshold + 40)
        #expect(after.model?.points.rows == threshold + 40)
        // The next suggestion uses the new fit and requests nothing.
        _ = try Self.suggest(history, cache: cache)
        #expect(!cache.refitOutstanding)
    }

    @Test func belowTheAmortizationThresholdEveryNewObservationIsRefitInBackground() throws {
        let first = GaussianProcessDesigner.backgroundRefitThreshold + 1
        let history = Self.history(first + 1)
        let cache = GaussianProcessCache(refitsInBackground: true)
        // Without a fit, the first suggestion is served from the default hyperparameters and leaves the fit for later.
        let cold = try Self.suggest(Array(history.prefix(first)), cache: cache)
        #expect(cold.count == 1)
        #expect(cache.lastFit == nil)
        let coldRefit = try #require(cache.takePendingRefit())
        #expect(coldRefit.starts.count == 1)
        coldRefit.run()
        #expect(cache.lastFit?.observationCount == first)
        #expect(!cache.refitOutstanding)
        // One more observation: served from that fit, refit left for the owner with the default and cached starts.
        _ = try Self.suggest(history, cache: cache)
        #expect(cache.lastFit?.observationCount == first)
        #expect(cache.load(featureCount: 2)?.model?.points.rows == first + 1)
        let refit = try #require(cache.takePendingRefit())
        #expect(refit.starts.count == 2)
        refit.run()
        #expect(cache.lastFit?.observationCount == first + 1)
        // A cache that refits inline still refits every suggestion up to the amortization threshold.
        let inline = GaussianProcessCache()
        _ = try Self.suggest(Array(history.prefix(first)), cache: inline)
        _ = try Self.suggest(history, cache: inline)
        #expect(inline.lastFit?.observationCount == first + 1)
        #expect(!inline.refitOutstanding)
    }

    @Test func anExploringStepOnAnotherWarpingLeavesTheRefitToTheNextRegularStep() throws {
        let first = GaussianProcessDesigner.backgroundRefitThreshold + 1
        let history = Self.history(first + 1)
        let cache = GaussianProcessCache(refitsInBackground: true)
        try Self.warmUp(Array(history.prefix(first)), cache: cache)
        #expect(!cache.refitOutstanding)
        let designer = try GaussianProcessDesigner(spec: Self.spec, settings: GaussianProcessSettings(initialTrials: 4), cache: cache,
                                                   search: .init(explorationPeriod: 5, explorationWarping: .standardize))
        // Trial 63 is model suggestion 59 (initialTrials 4): 59 % 5 == 4, an exploring step, fitted on standardized values.
        #expect(try designer.suggest(DesignRequest(count: 1, history: history, trialCount: 63)).count == 1)
        #expect(!cache.refitOutstanding)
        #expect(try designer.suggest(DesignRequest(count: 1, history: history, trialCount: 64)).count == 1)
        #expect(cache.refitOutstanding)
    }

    @Test func aRefitStartedBeforeAResetStoresNothing() throws {
        let threshold = GaussianProcessDesigner.amortizationThreshold
        let history = Self.history(threshold + 40)
        let cache = GaussianProcessCache(refitsInBackground: true)
        try Self.warmUp(Array(history.prefix(threshold + 1)), cache: cache)
        _ = try Self.suggest(history, cache: cache)
        let refit = try #require(cache.takePendingRefit())
        cache.reset()
        refit.run()
        #expect(cache.lastFit == nil)
        #expect(!cache.refitOutstanding)
    }

    @Test func aWaitingRefitDoesNotKeepAForgottenCacheAlive() throws {
        let threshold = GaussianProcessDesigner.backgroundRefitThreshold
        weak var forgotten: GaussianProcessCache?
        try {
            let cache = GaussianProcessCache(refitsInBackground: true)
            forgotten = cache
            _ = try Self.suggest(Self.history(threshold + 1), cache: cache)
            #expect(cache.refitOutstanding)
        }()
        #expect(forgotten == nil)
    }

    @Test func theRegistryHandsOutAStudysPendingRefitOnce() throws {
        let threshold = GaussianProcessDesigner.amortizationThreshold
        let history = Self.history(threshold + 40)
        let registry = GaussianProcessCacheRegistry(refitsInBackground: true)
        #expect(registry.pendingRefit(forStudy: "unknown") == nil)
        #expect(registry.count == 0)
        let cache = registry.cache(forStudy: "a")
        #expect(cache.refitsInBackground)
        try Self.warmUp(Array(history.prefix(threshold + 1)), cache: cache)
        _ = try Self.suggest(history, cache: cache)
        #expect(registry.pendingRefit(forStudy: "b") == nil)
        let refit = try #require(registry.pendingRefit(forStudy: "a"))
        #expect(registry.pendingRefit(forStudy: "a") == nil)
        refit.run()
        #expect(registry.cache(forStudy: "a").lastFit?.observationCount == threshold + 40)
    }

    /// `count` completed trials of a separable 4-D function (two basins per coordinate) at seeded random points.
    static func separableHistory(_ count: Int, seed: UInt64 = 21) -> [Trial] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let x = (0..<4).map { _ in generator.nextUnit() }
            let assignment = ParameterAssignment(uniqueKeysWithValues: x.indices.map { ("x\($0)", ParameterValue.double(x[$0])) })
            return GaussianProcessDesignerTests.trial(id: index + 1, assignment, value: AdditiveKernelTests.separable(x))
        }
    }

    static func suggestSeparable(_ history: [Trial], cache: GaussianProcessCache, search: GaussianProcessDesigner.SearchOptions) throws {
        let spec = GaussianProcessDesignerTests.spec(lower: [0, 0, 0, 0], upper: [1, 1, 1, 1], seed: 7, initialTrials: 8)
        _ = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8), cache: cache, search: search)
            .suggest(DesignRequest(count: 1, history: history, trialCount: history.count))
    }

    /// With a kernel choice past ``GaussianProcessDesigner/SearchOptions/additiveAfter`` a background refit fits both
    /// kernels and keeps the additive one on a separable function with its form; the next suggestions are served from
    /// an additive model (kept and extended); the default options' refit stays the product kernel's.
    @Test func aBackgroundRefitWithTheKernelChoiceKeepsTheAdditiveFitAndServesIt() throws {
        let history = Self.separableHistory(GaussianProcessDesigner.backgroundRefitThreshold + 12)
        let first = Array(history.prefix(GaussianProcessDesigner.backgroundRefitThreshold + 10))
        let choosing = GaussianProcessDesigner.SearchOptions(kernel: .byEvidence, additiveAfter: 50)
        func refitted(_ search: GaussianProcessDesigner.SearchOptions) throws -> GaussianProcessCache {
            let cache = GaussianProcessCache(refitsInBackground: true)
            try Self.suggestSeparable(first, cache: cache, search: search)
            let refit = try #require(cache.takePendingRefit())
            #expect(refit.kernel == (search.kernel == .product ? .product : .byEvidence))
            refit.run()
            return cache
        }

        let cache = try refitted(choosing)
        let entry = try #require(cache.load(featureCount: 4))
        #expect(entry.form == .additive)
        #expect(entry.model?.form == .additive)
        #expect(entry.productHyperparameters != nil)
        #expect(entry.observationCount == first.count)
        // Deterministic: the same refit again stores the same fit.
        #expect(try refitted(choosing).load(featureCount: 4)?.hyperparameters == entry.hyperparameters)

        // Two more observations: served from the additive fit, its factor extended (kept only with the same form), and
        // the stale fit's refit warm-starts from the product fit beside it.
        try Self.suggestSeparable(history, cache: cache, search: choosing)
        let served = try #require(cache.load(featureCount: 4))
        #expect(served.hyperparameters == entry.hyperparameters)
        #expect(served.model?.form == .additive)
        #expect(served.model?.points.rows == history.count)
        let next = try #require(cache.takePendingRefit())
        #expect(next.kernel == .byEvidence)
        #expect(next.starts.count == 2)
        #expect(next.starts.last == entry.productHyperparameters.map { next.prior.start(from: $0) })

        // The default options hold the same choice past 50 observations, and keep the additive fit here too.
        #expect(try refitted(.standard).load(featureCount: 4)?.form == .additive)
        // Options without a kernel choice: a product refit.
        let product = try #require(try refitted(.productOnly).load(featureCount: 4))
        #expect(product.form == .product)
        #expect(product.model?.form == .product)
        #expect(product.productHyperparameters == nil)
    }

    /// Options without a kernel choice read an additive entry as its product fit: product models only.
    @Test func withoutAKernelChoiceAnAdditiveEntryIsReadAsItsProductFit() throws {
        let history = Self.separableHistory(GaussianProcessDesigner.backgroundRefitThreshold + 10)
        let cache = GaussianProcessCache(refitsInBackground: true)
        try Self.suggestSeparable(history, cache: cache, search: .init(kernel: .byEvidence, additiveAfter: 50))
        cache.takePendingRefit()?.run()
        let entry = try #require(cache.load(featureCount: 4))
        try #require(entry.form == .additive)
        try Self.suggestSeparable(history, cache: cache, search: .productOnly)
        let after = try #require(cache.load(featureCount: 4))
        // Nothing kept: the product model served does not match the stored additive hyperparameters.
        #expect(after.model?.form == .additive && after.model?.hyperparameters == entry.hyperparameters)
        #expect(!cache.refitOutstanding)
        // Stale, on a regular step (the 72nd trial's is an exploring one on another warping, which leaves refits to the
        // next regular step): the refit it leaves is the product kernel's, warm-started from the product fit.
        try Self.suggestSeparable(Self.separableHistory(history.count + 3), cache: cache, search: .productOnly)
        let refit = try #require(cache.takePendingRefit())
        #expect(refit.kernel == .product)
        #expect(refit.starts.last == entry.productHyperparameters.map { refit.prior.start(from: $0) })
        refit.run()
        #expect(cache.load(featureCount: 4)?.form == .product)
        #expect(cache.load(featureCount: 4)?.productHyperparameters == nil)
    }

    @Test func theLocalSubsetKeepsTheIncumbentItsNeighboursAndASpreadOfTheRest() {
        var generator = SeededGenerator(seed: 11)
        let points = (0..<500).map { _ in [generator.nextUnit(), generator.nextUnit()] }
        let values = points.map { -(($0[0] - 0.3) * ($0[0] - 0.3) + ($0[1] - 0.6) * ($0[1] - 0.6)) }
        let rows = GaussianProcessDesigner.localSubset(points, values: values, lengthscales: [0.2, 0.2], size: 100)
        #expect(rows.count == 100)
        #expect(rows == rows.sorted())
        #expect(Set(rows).count == 100)
        let best = values.indices.max { values[$0] < values[$1] }
        #expect(best.map { rows.contains($0) } == true)
        // Three quarters are the nearest: every point closer than the 75th is in.
        let distances = points.map { ($0[0] - points[best ?? 0][0]) * ($0[0] - points[best ?? 0][0]) + ($0[1] - points[best ?? 0][1]) * ($0[1] - points[best ?? 0][1]) }
        let cutoff = distances.sorted()[74]
        for index in points.indices where distances[index] < cutoff { #expect(rows.contains(index)) }
        // The rest reach far from the incumbent.
        #expect(rows.contains { distances[$0] > 0.25 })
        // At or below the size, everything.
        #expect(GaussianProcessDesigner.localSubset(Array(points.prefix(50)), values: Array(values.prefix(50)), lengthscales: nil, size: 100) == Array(0..<50))
    }
}
