import AugurCore
import AugurMath
import Foundation

/// The Gaussian-process bandit (Vizier's default algorithm, Katib's `bayesianoptimization`).
///
/// The first `settings.initialTrials` trials come from the scrambled Halton ``QuasiRandomDesigner``. After that each
/// suggestion:
/// 1. turns the history into training data (``TrainingData`` documents failed, infeasible, stopped and pending
///    trials), maps parameters to features in the unit cube (``FeatureEncoding``) and warps the objective values
///    (``OutputWarper``);
/// 2. fits a Matérn-5/2 ARD Gaussian process by MAP (``HyperparameterPrior``) with L-BFGS-B from several starts;
/// 3. conditions the model on the pending trials with a capped kriging believer: a fantasy observation at the
///    posterior mean, or at the incumbent value if the mean is higher. That collapses the variance there and promises
///    no improvement, so no acquisition function (not even PI, which loves certainty) returns to it, and parallel
///    workers do not get near-duplicates;
/// 4. maximizes the acquisition function over a quasi-random candidate set plus perturbations of the best trials,
///    restricted in part to a trust region around the incumbent above 8 numeric dimensions, refines the best
///    candidates by gradient and, in a space with finite parameters, scores them at legal values and climbs by
///    discrete neighbour moves (``DiscreteNeighbourhoodSearch``); it returns the best one that is not a repeat;
/// 5. for a batch, adds that point as another fantasy and repeats step 4.
///
/// Every fifth model-based suggestion (``SearchOptions/standard``) scores the candidates by UCB with β = 3 instead of
/// the study's acquisition function: an exploration step against settling in the first basin found.
///
/// **Refit policy.** Up to ``amortizationThreshold`` observations the hyperparameters are refit on every suggestion
/// from the default start, the cached fit if any, and seeded random starts (two up to 30 observations, one up to 60
/// or when there is no cached fit, none beyond). Above it, with a ``GaussianProcessCache``,
/// the cached hyperparameters are reused until the number of observations has grown by 10% since they were fitted,
/// and the refit then is warm-started from them with a short iteration budget. Without a cache, a large study refits
/// from the default start on every suggestion. While the hyperparameters are unchanged, the cache's Cholesky factor
/// is extended by the new observations (O(n²) each) instead of factored again. A cache made with
/// `refitsInBackground` (the service's) serves every suggestion past ``backgroundRefitThreshold`` observations from
/// the cached fit and leaves stale refits to its owner (``GaussianProcessRefit``). Past ``localModelThreshold``
/// observations the model is an exact GP on ``localModelSize`` of them (``localSubset``).
///
/// **Determinism.** Every random choice draws from `SeededGenerator(seed: spec.seed, stream: trialCount)`, so the same
/// seed and history give the same suggestions; a cache changes them only through the warm start and the reuse above.
public struct GaussianProcessDesigner: Designer {
    public let spec: StudySpec
    public let settings: GaussianProcessSettings
    /// Hyperparameters kept between suggestions, if the caller keeps one per study.
    public let cache: GaussianProcessCache?
    /// How the acquisition is searched (the defaults are what the benchmarks chose; see docs/algorithms.md).
    public let search: SearchOptions
    let encoding: FeatureEncoding
    let initialDesign: QuasiRandomDesigner

    /// Observations above which hyperparameters may be reused from the cache instead of refit.
    public static let amortizationThreshold = 200
    /// Observations above which a cache that refits in background serves every suggestion from the cached
    /// hyperparameters: a stale fit (any new observation up to ``amortizationThreshold``, 10% growth above) is
    /// refit off the suggestion with the starts an inline refit would use (from here on it draws no random ones).
    public static let backgroundRefitThreshold = 60
    /// Observations above which the model is a local one: an exact GP on ``localModelSize`` of them (``localSubset``).
    public static let localModelThreshold = 2_000
    /// How many observations the local model conditions on.
    public static let localModelSize = 1_000
    /// When the model turns local and on how many observations (default ``localModelThreshold`` and
    /// ``localModelSize``; the quality benchmark scales them down to measure the local model's cost in less time).
    public var localModel = (threshold: Self.localModelThreshold, size: Self.localModelSize)
    /// Numeric dimensions above which part of the candidate set comes from a trust region around the incumbent.
    public static let trustRegionDimensions = 8
    /// Observations up to which ``SearchOptions/evolutionaryPeriod`` applies (beyond, each posterior evaluation costs
    /// O(n²) and the candidate set itself shrinks).
    public static let evolutionaryObservationLimit = 300

    /// The exploration measures against local optima, each of which the quality benchmark can switch off to measure it.
    public struct SearchOptions: Sendable, Equatable {
        /// Refinement starts chosen, beyond the best few candidates, for their distance from the other starts.
        public var diverseRefinements: Int
        /// Every `explorationPeriod`-th model-based suggestion scores candidates by UCB with ``explorationBeta``
        /// instead of the study's acquisition function (0: never).
        public var explorationPeriod: Int
        /// After this many observations without improvement, every suggestion explores as above until the incumbent
        /// improves (0: never).
        public var stagnationLimit: Int
        /// UCB's exploration weight on exploring suggestions (standardized, warped units); 0 keeps the study's
        /// acquisition function on them.
        public var explorationBeta: Double
        /// On exploring suggestions, points closer to the incumbent than this (a fraction of the numeric features'
        /// unit-cube diagonal) are not proposed: the suggestion must look in another basin (0: no such rule).
        public var explorationRadius: Double
        /// In a space with integers, steps, lists or categoricals, whether the acquisition is scored at legal values
        /// only and searched by moves in the discrete dimensions (``DiscreteNeighbourhoodSearch``).
        public var discreteNeighbourhood: Bool
        /// Whether exploring suggestions are Thompson samples instead: the best point of one joint posterior draw
        /// over the candidate set (snapped to legal values), which goes far from the incumbent in proportion to the
        /// chance that the optimum lies there.
        public var thompsonExploration: Bool
        /// A suggestion also explores whenever the observations since the last improvement by more than
        /// ``restartTolerance`` (``TrainingData/observationsSinceImprovement(tolerance:)``) reach a positive multiple
        /// of this (0: never): a restart that tiny improvements inside one basin do not postpone.
        public var restartAfter: Int
        /// The improvement, in warped and standardized units, that resets the count of ``restartAfter``.
        public var restartTolerance: Double
        /// Whether the incumbent `y*` of EI and PI (and the cap of the kriging believer) is the largest posterior
        /// mean at an observed point instead of the largest observed value: the plug-in of noisy EI, so that one
        /// lucky observation on a step-shaped or noisy objective does not set a bar the model cannot explain.
        public var incumbentFromModel: Bool
        /// How often the acquisition search also runs an evolutionary (firefly) search seeded from the scored
        /// candidate set (``EvolutionaryAcquisitionSearch``, as many more posterior evaluations as candidates) before
        /// the gradient refinement, up to ``evolutionaryObservationLimit`` observations: 0 never, 1 on every
        /// model-based suggestion, `k` on every `k`-th (model suggestions 0, k, 2k, …).
        public var evolutionaryPeriod: Int
        /// The number of quasi-random candidates (0: the designer's rule, 500 + 150 per feature, at most 2,000, fewer
        /// above ~300 observations). The quality benchmark sets a large one to measure how far the acquisition
        /// search is from the acquisition's maximum.
        public var acquisitionCandidates: Int
        /// The number of candidates refined by gradient (0: the designer's rule, four, two above 300 observations).
        public var refinementStarts: Int

        public init(diverseRefinements: Int = 0, explorationPeriod: Int = 0, stagnationLimit: Int = 0, explorationBeta: Double = 3,
                    explorationRadius: Double = 0, discreteNeighbourhood: Bool = false, thompsonExploration: Bool = false,
                    restartAfter: Int = 0, restartTolerance: Double = 0.01, incumbentFromModel: Bool = false,
                    evolutionaryPeriod: Int = 0, acquisitionCandidates: Int = 0, refinementStarts: Int = 0) {
            self.diverseRefinements = diverseRefinements
            self.explorationPeriod = explorationPeriod
            self.stagnationLimit = stagnationLimit
            self.explorationBeta = explorationBeta
            self.explorationRadius = explorationRadius
            self.discreteNeighbourhood = discreteNeighbourhood
            self.thompsonExploration = thompsonExploration
            self.restartAfter = restartAfter
            self.restartTolerance = restartTolerance
            self.incumbentFromModel = incumbentFromModel
            self.evolutionaryPeriod = evolutionaryPeriod
            self.acquisitionCandidates = acquisitionCandidates
            self.refinementStarts = refinementStarts
        }

        /// The options every study uses: every fifth model-based suggestion explores by UCB with β = 3, which lowered
        /// the median regret on the tuning seeds (docs/algorithms.md); the other measures did not win and stay off.
        /// In mixed spaces the acquisition is searched at legal values with discrete moves.
        public static let standard = SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true)
    }

    /// - Throws: `DesignerError` when the search space cannot be searched (no parameters, a malformed parameter).
    public init(spec: StudySpec, settings: GaussianProcessSettings, cache: GaussianProcessCache? = nil,
                search: SearchOptions = .standard) throws(DesignerError) {
        self.initialDesign = try QuasiRandomDesigner(spec: spec, fallback: .halton)
        self.spec = spec
        self.settings = settings
        self.cache = cache
        self.search = search
        self.encoding = FeatureEncoding(space: spec.searchSpace)
    }

    public var historyScope: HistoryScope { .finalMeasurements }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        try propose(request).map(\.parameters)
    }

    /// The suggestions, each with its explanation as trial metadata (``Explanation``): where it came from and, for a
    /// model-based one, the acquisition value and the model's predicted mean and standard deviation there.
    public func propose(_ request: DesignRequest) throws -> [DesignProposal] {
        let count = Swift.max(request.count, 0)
        guard count > 0 else { return [] }
        var generator = SeededGenerator(seed: spec.seed, stream: UInt64(truncatingIfNeeded: request.trialCount) ^ 0x4750_4241_4E44_4954)
        var data = TrainingData(request: request, objective: spec.objective, encoding: encoding)

        var suggestions: [DesignProposal] = []
        for assignment in try initialDesign.initialAssignments(for: request, count: count, initialTrials: settings.initialTrials,
                                                               modelReady: data.values.count >= 2) {
            suggestions.append(DesignProposal(parameters: assignment, metadata: Explanation.initialDesign.metadata))
            data.knownAssignments.insert(assignment)
            if let features = encoding.features(of: assignment) { data.pendingPoints.append(features) }
        }
        guard suggestions.count < count else { return suggestions }

        guard let fitted = fitModel(data, generator: &generator) else {
            // The covariance could not be factored even with jitter (degenerate inputs): keep exploring quasi-randomly.
            let fallback = try initialDesign.assignments(from: request.trialCount + suggestions.count, count: count - suggestions.count)
            return suggestions + fallback.map { DesignProposal(parameters: $0, metadata: Explanation.unfittable.metadata) }
        }
        var model = fitted.model
        let incumbent = (search.incumbentFromModel ? Self.posteriorMeansAtObservations(model) : model.values).prefix(data.values.count).max() ?? 0
        let labelled = fitted.rawValues
        let warpInverse = WarpInverse(warped: Array(model.values.prefix(labelled.count)), raw: labelled, goal: spec.objective.goal)
        for point in data.pendingPoints {
            model = model.conditioned(on: point, value: Swift.min(model.predictWithGradient(at: point).mean, incumbent))
        }

        let modelSuggestion = request.trialCount - settings.initialTrials
        let sinceImprovement = search.restartAfter > 0 ? data.observationsSinceImprovement(tolerance: search.restartTolerance) : 0
        let explores = (search.explorationPeriod > 0 && modelSuggestion >= 0 && modelSuggestion % search.explorationPeriod == search.explorationPeriod - 1)
            || (search.stagnationLimit > 0 && data.observationsSinceBest >= search.stagnationLimit)
            || (search.restartAfter > 0 && sinceImprovement > 0 && sinceImprovement % search.restartAfter == 0)
        let samples = explores && search.thompsonExploration
        let evaluator = explores && search.explorationBeta > 0
            ? AcquisitionEvaluator(function: .upperConfidenceBound, beta: search.explorationBeta, incumbent: incumbent)
            : AcquisitionEvaluator(function: settings.acquisition, beta: settings.ucbBeta, incumbent: incumbent)
        // An exploring suggestion with a radius stays out of the incumbent's neighbourhood.
        let numericCount = Double(Swift.max(encoding.numericFeatures.count, 1))
        let tabu: (center: [Double], radiusSquared: Double)? = explores && search.explorationRadius > 0
            ? data.values.indices.max { data.values[$0] < data.values[$1] || (data.values[$0] == data.values[$1] && $0 > $1) }
                .map { (data.points[$0], search.explorationRadius * search.explorationRadius * numericCount) }
            : nil
        let observations = model.points.rows
        var optimizer = AcquisitionOptimizer(refinements: search.refinementStarts > 0 ? search.refinementStarts : observations <= 300 ? 4 : 2,
                                             refinementIterations: observations <= 300 ? 30 : 20)
        optimizer.diverseRefinements = search.diverseRefinements
        optimizer.diversityRadius = 0.2 * Double(Swift.max(encoding.numericFeatures.count, 1)).squareRoot()
        while suggestions.count < count {
            let (candidates, lower, upper) = candidateSet(model: model, data: data, generator: &generator)
            var proposals: [AcquisitionOptimizer.Proposal]
            if samples, let sampled = thompsonProposals(model: model, candidates: candidates, generator: &generator) {
                proposals = sampled
            } else if search.evolutionaryPeriod > 0, modelSuggestion >= 0, modelSuggestion % search.evolutionaryPeriod == 0,
                      observations <= Self.evolutionaryObservationLimit {
                proposals = evolvedProposals(optimizer: optimizer, model: model, evaluator: evaluator, candidates: candidates, lower: lower,
                                             upper: upper, generator: &generator)
            } else {
                proposals = optimizer.maximize(model: model, evaluator: evaluator, candidates: candidates, lower: lower, upper: upper,
                                               movable: encoding.numericFeatures)
            }
            if search.discreteNeighbourhood, !samples, DiscreteNeighbourhoodSearch.applies(to: encoding) {
                proposals = DiscreteNeighbourhoodSearch(encoding: encoding).search(
                    proposals: proposals, model: model, evaluator: evaluator, lower: lower, upper: upper, excluded: data.knownAssignments)
            }
            var chosen: (features: [Double], assignment: ParameterAssignment, score: Double)?
            // Outside the exploring radius first; inside it when every new candidate is near the incumbent.
            for keepsAway in tabu == nil ? [false] : [true, false] where chosen == nil {
                for proposal in proposals {
                    if keepsAway, let tabu,
                       Self.squaredDistance(proposal.features, tabu.center, features: encoding.numericFeatures) < tabu.radiusSquared { continue }
                    let features = encoding.snapped(proposal.features)
                    let assignment = encoding.assignment(of: features)
                    if !data.knownAssignments.contains(assignment) {
                        chosen = (features, assignment, proposal.score)
                        break
                    }
                }
            }
            guard let chosen else { break }
            let prediction = model.predictWithGradient(at: chosen.features)
            let explanation = Explanation.model(
                acquisition: samples ? "thompson" : explores && search.explorationBeta > 0 ? "ucb(beta=\(formatNumber(search.explorationBeta)))"
                    : settings.acquisition.rawValue,
                value: samples ? chosen.score : evaluator.score(mean: prediction.mean, variance: prediction.variance),
                prediction: warpInverse.objective(mean: prediction.mean, deviation: Swift.max(prediction.variance, 0).squareRoot()))
            suggestions.append(DesignProposal(parameters: chosen.assignment, metadata: explanation.metadata))
            data.knownAssignments.insert(chosen.assignment)
            if suggestions.count < count {
                model = model.conditioned(on: chosen.features, value: Swift.min(model.predictWithGradient(at: chosen.features).mean, incumbent))
            }
        }
        return suggestions
    }

    /// Candidates for a Thompson-sampling step, best first: the first ``thompsonCandidates`` rows of `candidates`
    /// snapped to legal values, scored by one joint draw from the posterior (``GaussianProcessModel/posteriorSample(_:using:)``);
    /// `nil` when the draw fails.
    func thompsonProposals(model: GaussianProcessModel, candidates: Matrix, generator: inout SeededGenerator) -> [AcquisitionOptimizer.Proposal]? {
        let m = Swift.min(candidates.rows, Self.thompsonCandidates)
        let d = candidates.columns
        var snapped = Matrix(rows: m, columns: d)
        var rows: [[Double]] = []
        rows.reserveCapacity(m)
        for i in 0..<m {
            let row = encoding.snapped(candidates.row(i))
            for k in 0..<d { snapped[i, k] = row[k] }
            rows.append(row)
        }
        guard let draw = model.posteriorSample(snapped, using: &generator) else { return nil }
        return (0..<m).sorted { draw[$0] > draw[$1] || (draw[$0] == draw[$1] && $0 < $1) }
            .map { AcquisitionOptimizer.Proposal(features: rows[$0], score: draw[$0]) }
    }

    /// The acquisition search with an evolutionary stage (``SearchOptions/evolutionaryPeriod``): the candidates are
    /// scored, a firefly pool seeded from them makes as many posterior evaluations again
    /// (``EvolutionaryAcquisitionSearch``), and the gradient refinement starts from the best candidates (the starts
    /// of the search without this stage, so it never ends lower) and the two best points of either kind.
    func evolvedProposals(optimizer: AcquisitionOptimizer, model: GaussianProcessModel, evaluator: AcquisitionEvaluator, candidates: Matrix,
                          lower: [Double], upper: [Double], generator: inout SeededGenerator) -> [AcquisitionOptimizer.Proposal] {
        let scores = optimizer.scores(model: model, evaluator: evaluator, candidates: candidates)
        let poolSize = EvolutionaryAcquisitionSearch.poolSize(features: encoding.numericFeatures.count)
        let evolution = EvolutionaryAcquisitionSearch(poolSize: poolSize, generations: Swift.max(candidates.rows / poolSize, 1))
        let evolved = evolution.search(model: model, evaluator: evaluator, candidates: candidates, scores: scores, lower: lower, upper: upper,
                                       movable: encoding.numericFeatures, generator: &generator)
        let m = candidates.rows
        let rows = m + evolved.points.count
        let d = candidates.columns
        var elements = [Double](repeating: 0, count: rows * d)
        for k in 0..<d {
            for i in 0..<m { elements[i + k * rows] = candidates[i, k] }
            for (i, point) in evolved.points.enumerated() { elements[m + i + k * rows] = point[k] }
        }
        let bestCandidates = (0..<m).sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(optimizer.refinements)
        var refiner = optimizer
        refiner.refinements = 2
        return refiner.maximize(model: model, evaluator: evaluator, candidates: Matrix(rows: rows, columns: d, elements: elements),
                                scores: scores + evolved.scores, lower: lower, upper: upper, movable: encoding.numericFeatures,
                                alsoRefining: Array(bestCandidates))
    }

    /// How many candidates a Thompson-sampling step draws jointly (its cost is O(m³) in them, O(n²m) in observations).
    static let thompsonCandidates = 1_000

    /// The posterior mean of the latent function at each of the model's observations, `y − σₙ²α` (from
    /// `(K + σₙ²I)α = y − m`), O(n) with the factor already solved.
    static func posteriorMeansAtObservations(_ model: GaussianProcessModel) -> [Double] {
        let noise = model.hyperparameters.noiseVariance
        return zip(model.values, model.alpha).map { $0 - noise * $1 }
    }

    static func squaredDistance(_ a: [Double], _ b: [Double], features: [Int]) -> Double {
        features.reduce(0) { $0 + (a[$1] - b[$1]) * (a[$1] - b[$1]) }
    }

    /// Fits the model on the labelled observations (past ``localModel``'s threshold, on the local subset), following the
    /// refit policy; `nil` if no covariance could be factored. `rawValues` are the labels of the model's rows.
    func fitModel(_ data: TrainingData, generator: inout SeededGenerator) -> (model: GaussianProcessModel, rawValues: [Double])? {
        var (rawPoints, rawValues) = data.labelledPoints
        let d = encoding.dimensions
        let observationCount = rawPoints.count
        if observationCount > localModel.threshold {
            let rows = Self.localSubset(rawPoints, values: rawValues, lengthscales: cache?.load(featureCount: d)?.hyperparameters.lengthscales,
                                        size: localModel.size)
            rawPoints = rows.map { rawPoints[$0] }
            rawValues = rows.map { rawValues[$0] }
        }
        let n = rawPoints.count
        var elements = [Double](repeating: 0, count: n * d)
        for (i, point) in rawPoints.enumerated() {
            for k in 0..<d { elements[i + k * n] = point[k] }
        }
        let points = Matrix(rows: n, columns: d, elements: elements)
        let values = OutputWarper().warp(rawValues)
        let prior = HyperparameterPrior(dimensions: d)
        let cached = cache?.load(featureCount: d)

        // A cache that refits in background serves even its first suggestion (a new study's, or a new replica's for an
        // old study) from the default hyperparameters rather than wait for a fit.
        let coldStart = cached == nil && cache?.refitsInBackground == true
        if let cache, let cached = cached ?? (coldStart ? .init(hyperparameters: GaussianProcessHyperparameters(vector: prior.defaultStart),
                                                                observationCount: 0, featureCount: d) : nil),
           observationCount > (cache.refitsInBackground ? Self.backgroundRefitThreshold : Self.amortizationThreshold) {
            let amortized = observationCount > Self.amortizationThreshold
            let current = !coldStart && (amortized ? observationCount <= cached.observationCount + Swift.max(10, cached.observationCount / 10)
                : observationCount <= cached.observationCount)
            if !current && cache.refitsInBackground {
                // The starts and budget an inline refit would use here (no random starts are drawn above 60 with a fit;
                // a cold start has none either).
                cache.request(points: points, values: values,
                              starts: amortized || coldStart ? [cached.hyperparameters.vector] : [prior.defaultStart, cached.hyperparameters.vector],
                              options: amortized ? Self.amortizedRefitOptions : Self.fullRefitOptions, observationCount: observationCount)
            }
            if current || cache.refitsInBackground, let model = Self.conditioned(points: points, values: values, on: cached) {
                cache.keep(model)
                return (model, rawValues)
            }
        }

        let lower = prior.lowerBounds
        let upper = prior.upperBounds
        func clamped(_ theta: [Double]) -> [Double] {
            (0..<theta.count).map { Swift.min(Swift.max(theta[$0], lower[$0]), upper[$0]) }
        }
        var starts: [[Double]] = []
        let options: BoundedLBFGS.Options
        if observationCount > Self.amortizationThreshold {
            starts.append(clamped(cached?.hyperparameters.vector ?? prior.defaultStart))
            options = Self.amortizedRefitOptions
        } else {
            starts.append(prior.defaultStart)
            if let cached { starts.append(clamped(cached.hyperparameters.vector)) }
            // Random restarts guard against a poor local optimum while the data are few; later the previous fit (warm
            // start) and the default start cover it, and each restart costs as much as the rest of the suggestion.
            let randomStarts = n <= 30 ? 2 : (n <= 60 || cached == nil ? 1 : 0)
            for _ in 0..<randomStarts {
                var theta = prior.defaultStart
                for k in 0..<d {
                    theta[k] = Foundation.log(0.05 + 1.5 * generator.nextUnit()) + 0.5 * Foundation.log(Double(Swift.max(d, 1)))
                }
                theta[d] = 0.5 * generator.nextGaussian()
                theta[d + 1] = Foundation.log(1e-6) + generator.nextUnit() * (Foundation.log(1e-1) - Foundation.log(1e-6))
                starts.append(clamped(theta))
            }
            options = Self.fullRefitOptions
        }
        guard let model = try? GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: starts, options: options) else {
            return nil
        }
        cache?.store(.init(hyperparameters: model.hyperparameters, observationCount: observationCount, featureCount: d, model: model))
        return (model, rawValues)
    }

    /// The L-BFGS-B budget of a refit up to ``amortizationThreshold`` observations.
    static let fullRefitOptions = BoundedLBFGS.Options(memory: 8, maxIterations: 80, maxEvaluations: 120, gradientTolerance: 1e-3,
                                                       relativeTolerance: 1e-6)

    /// The L-BFGS-B budget of a warm-started refit above ``amortizationThreshold`` observations, inline or in the
    /// background (``GaussianProcessRefit``).
    static let amortizedRefitOptions = BoundedLBFGS.Options(memory: 8, maxIterations: 25, maxEvaluations: 40, gradientTolerance: 1e-4,
                                                            relativeTolerance: 1e-6)

    /// The model with the cached hyperparameters on `points`: the cached model's factor extended by the new rows
    /// when its points are the first rows of `points` (O(n²) per new row), a fresh factorization otherwise.
    static func conditioned(points: Matrix, values: [Double], on cached: GaussianProcessCache.Entry) -> GaussianProcessModel? {
        if let kept = cached.model, kept.hyperparameters == cached.hyperparameters, kept.points.columns == points.columns,
           kept.points.rows <= points.rows, kept.points.rows > 0 {
            let m = kept.points.rows
            let n = points.rows
            let d = points.columns
            var isPrefix = true
            kept.points.elements.withUnsafeBufferPointer { old in
                points.elements.withUnsafeBufferPointer { new in
                    for column in 0..<d where isPrefix {
                        for i in 0..<m where old[i + column * m] != new[i + column * n] {
                            isPrefix = false
                            break
                        }
                    }
                }
            }
            if isPrefix {
                var added = Matrix(rows: n - m, columns: d)
                for column in 0..<d {
                    for i in m..<n { added[i - m, column] = points[i, column] }
                }
                if let model = try? kept.appending(points: added, values: values) { return model }
            }
        }
        return try? GaussianProcessModel(points: points, values: values, hyperparameters: cached.hyperparameters)
    }

    /// The rows of the local model past ``localModelThreshold`` observations: the `size · 3/4` nearest the incumbent
    /// (the best value) in lengthscale-scaled distance, then the others evenly spaced in trial order, so that the
    /// model still knows roughly where the rest of the space has been tried. Sorted, so that trial order is kept.
    static func localSubset(_ points: [[Double]], values: [Double], lengthscales: [Double]?, size: Int) -> [Int] {
        guard points.count > size, let best = values.indices.max(by: { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }) else {
            return Array(points.indices)
        }
        let center = points[best]
        let weights = (0..<center.count).map { k in lengthscales.map { k < $0.count ? 1 / ($0[k] * $0[k]) : 1 } ?? 1 }
        let distances = points.map { point in
            var sum = 0.0
            for k in 0..<center.count { sum += (point[k] - center[k]) * (point[k] - center[k]) * weights[k] }
            return sum
        }
        let nearCount = size * 3 / 4
        let order = points.indices.sorted { distances[$0] < distances[$1] || (distances[$0] == distances[$1] && $0 < $1) }
        var chosen = Set(order.prefix(nearCount))
        let rest = order.dropFirst(nearCount).sorted()
        let farCount = size - nearCount
        for slot in 0..<farCount { chosen.insert(rest[slot * rest.count / farCount]) }
        return chosen.sorted()
    }

    /// The candidate set (one row per candidate, in feature space) and the box gradient refinement stays in.
    func candidateSet(model: GaussianProcessModel, data: TrainingData, generator: inout SeededGenerator) -> (Matrix, [Double], [Double]) {
        let n = model.points.rows
        let parameterCount = spec.searchSpace.parameters.count
        // More candidates in more dimensions, fewer when the posterior of each costs O(n²) at large n.
        let wanted = Swift.min(2000, 500 + 150 * encoding.dimensions)
        let total = search.acquisitionCandidates > 0 ? search.acquisitionCandidates
            : Swift.max(Swift.min(wanted, Int(2e8 / Double(Swift.max(n * n, 1)))), 400)
        let halton = HaltonSequence(dimensions: parameterCount, seed: generator.next(), scrambled: true)
        var unitPoints: [[Double]] = []
        unitPoints.reserveCapacity(total)

        // Perturbations of the best observed trials, at three scales.
        let best = data.values.indices.sorted { data.values[$0] > data.values[$1] || (data.values[$0] == data.values[$1] && $0 < $1) }.prefix(5)
        let perTrial = total / 10 / Swift.max(best.count, 1)
        let scales = [0.01, 0.05, 0.15]
        for index in best {
            let center = encoding.unitPoint(of: data.points[index])
            for draw in 0..<perTrial {
                let scale = scales[draw % scales.count]
                var point = center
                for (p, slot) in encoding.slots.enumerated() {
                    switch slot {
                    case .numeric:
                        point[p] = Swift.min(Swift.max(center[p] + scale * generator.nextGaussian(), 0), 1)
                    case .categorical:
                        if generator.nextUnit() < 0.2 { point[p] = generator.nextUnit() }
                    }
                }
                unitPoints.append(point)
            }
        }

        // A trust region around the incumbent in higher dimensions: a box whose sides follow the lengthscales and
        // halve for every max(4, d) observations without improvement (TuRBO's rule, computed from the history).
        var lower = [Double](repeating: 0, count: encoding.dimensions)
        var upper = [Double](repeating: 1, count: encoding.dimensions)
        let numericFeatures = encoding.numericFeatures
        var region: (center: [Double], halfWidths: [Double])?
        if numericFeatures.count > Self.trustRegionDimensions, let incumbent = best.first {
            let lengthscales = model.hyperparameters.lengthscales
            let logMean = numericFeatures.reduce(0) { $0 + Foundation.log(lengthscales[$1]) } / Double(numericFeatures.count)
            let halvings = Double(data.observationsSinceBest / Swift.max(4, numericFeatures.count))
            let side = Swift.max(0.8 * Foundation.pow(0.5, halvings), 0.01)
            let center = encoding.unitPoint(of: data.points[incumbent])
            var halfWidths = [Double](repeating: 0.5, count: parameterCount)
            for (p, slot) in encoding.slots.enumerated() {
                guard case .numeric(let feature, _) = slot else { continue }
                let weight = Foundation.exp(Foundation.log(lengthscales[feature]) - logMean)
                halfWidths[p] = Swift.min(0.5 * side * Swift.min(Swift.max(weight, 0.25), 4), 0.5)
                lower[feature] = Swift.max(center[p] - halfWidths[p], 0)
                upper[feature] = Swift.min(center[p] + halfWidths[p], 1)
            }
            region = (center, halfWidths)
        }

        var index: UInt64 = 0
        while unitPoints.count < total {
            var point = halton.point(at: index)
            index += 1
            if let region, unitPoints.count % 2 == 0 {
                for (p, slot) in encoding.slots.enumerated() {
                    guard case .numeric = slot else { continue }
                    point[p] = Swift.min(Swift.max(region.center[p] + (2 * point[p] - 1) * region.halfWidths[p], 0), 1)
                }
            }
            unitPoints.append(point)
        }

        let d = encoding.dimensions
        var elements = [Double](repeating: 0, count: total * d)
        for (row, point) in unitPoints.enumerated() {
            let features = encoding.features(atUnit: point)
            for k in 0..<d { elements[row + k * total] = features[k] }
        }
        if region == nil {
            lower = [Double](repeating: 0, count: d)
            upper = [Double](repeating: 1, count: d)
        }
        return (Matrix(rows: total, columns: d, elements: elements), lower, upper)
    }
}
