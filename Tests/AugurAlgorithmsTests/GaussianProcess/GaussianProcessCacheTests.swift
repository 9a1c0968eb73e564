import AugurCore
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
}
