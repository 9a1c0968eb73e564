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
/// 2. fits a Matérn-5/2 ARD Gaussian process by MAP (``HyperparameterPrior``) with L-BFGS-B from several starts (past 50
///    observations also its additive form, kept when its log posterior is larger: ``SearchOptions/standard``);
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
/// the study's acquisition function: an exploration step against settling in the first basin found. Its model is
/// fitted on plainly standardized values when the values reach further above their median than below it
/// (``OutputWarping/byShape``). With ``SearchOptions/explorationPortfolio`` a portfolio recomputed from the history
/// (``ExplorationPortfolio``) makes each exploring step UCB or a Thompson sample, whichever has recently paid more.
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
        /// On a suggestion that does not explore, the new points whose acquisition is within this of the best one's
        /// (in the acquisition's own units: natural-log units for log EI, the default) count as tied, and the one
        /// with the highest posterior mean wins (0: the best score wins). On a step-shaped objective EI's near-ties
        /// on a plateau go to where the variance is largest, often a bound of a parameter that matters little; this
        /// sends them to the points the model expects most of instead.
        public var plateauTolerance: Double
        /// Every `exploitationPeriod`-th model-based suggestion, counted from the first (model suggestions 0, k, 2k,
        /// …), maximizes the posterior mean over new points instead of the acquisition, unless it explores (0: never):
        /// a step that samples the plateau where the model expects the best values.
        public var exploitationPeriod: Int
        /// A lower bound on the model's noise variance (warped, standardized units), which also moves the noise
        /// prior's location up to it (0: the prior's own bound, 10⁻⁷). A step-shaped objective's jumps between
        /// nearby points are then partly noise instead of structure the model must interpolate with short lengthscales.
        public var noiseFloor: Double
        /// With ``plateauTolerance``, the near-ties go instead to the best-scoring point whose finite and categorical
        /// values together no trial has, if one is tied (else to the best point): on an objective that jumps between
        /// neighbouring integers (a network's width decides its initialization), a new discrete combination is a new
        /// draw where another continuous variation of a tried one is not.
        public var plateauPrefersNewDiscrete: Bool
        /// Whether each exploring suggestion is UCB with ``explorationBeta`` or a Thompson sample as a portfolio
        /// recomputed from the study's history chooses (``ExplorationPortfolio``: the arm whose recent exploring
        /// trials paid more, by this reward), overriding ``thompsonExploration``; `nil`: no portfolio.
        public var explorationPortfolio: PortfolioReward?
        /// Whether a Thompson step climbs, from the draw's best few candidates, the exploring UCB by gradient: the draw
        /// chooses where to look, UCB the point there.
        public var refinedThompson: Bool

        /// What an exploring trial pays its arm in the portfolio (``explorationPortfolio``).
        public enum PortfolioReward: Sendable, Equatable {
            /// Its improvement on the best value before it, in warped, standardized units (0 if none).
            case improvement
            /// 1 if it is better than every value before it, else 0.
            case newBest
            /// The improvement on the best value before it of the best value from it up to the next exploring step:
            /// credit for what the exploitation steps found where the exploring step led.
            case blockImprovement
        }
        /// How the objective values are transformed before the model is fitted (``OutputWarper``); the units of
        /// ``explorationBeta`` and of the acquisition values follow it.
        public var outputWarping: OutputWarping
        /// The warping of the model that every ``explorationPeriod``-th suggestion is made from, instead of
        /// ``outputWarping`` (`nil`: the same model as the other suggestions).
        public var explorationWarping: OutputWarping?
        /// Warpings compared on the study's own data whenever the hyperparameters are fitted inline, up to
        /// ``warpingSelectionLimit`` observations: each is fitted and the one that scores best by
        /// ``warpingCriterion`` is used (the first on a tie); served from a cached fit, they are compared at its
        /// hyperparameters. Empty (the default), or past the limit: ``outputWarping``.
        public var warpingSelection: [OutputWarping]
        /// How ``warpingSelection`` scores a fitted warping.
        public var warpingCriterion: WarpingCriterion

        /// How a fitted warping is scored when ``warpingSelection`` compares several.
        public enum WarpingCriterion: String, Sendable, CaseIterable {
            /// The warped GP's evidence for the raw values: log posterior plus the warp's log-Jacobian
            /// (``GaussianProcessDesigner/warpedEvidence(points:raw:warped:theta:prior:)``).
            case evidence
            /// How well the leave-one-out means order the better half of the observations
            /// (``GaussianProcessDesigner/leaveOneOutRankAgreement(_:raw:)``); scale-free, no Jacobian.
            case leaveOneOutRanks
        }
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
        /// The kernel of the model the suggestions that do not explore periodically are made from (``KernelChoice``).
        public var kernel: KernelChoice
        /// The kernel of the model that every ``explorationPeriod``-th suggestion is made from, instead of ``kernel``
        /// (`nil`: the same).
        public var explorationKernel: KernelChoice?
        /// With ``KernelChoice/byEvidence``, how much larger, in nats per observation, the additive kernel's log
        /// posterior must be than the product kernel's for the additive one to be used (0: any amount): a Bayes-factor
        /// threshold that grows with the data.
        public var additiveEvidenceMargin: Double
        /// The kernel choices (``kernel`` and ``explorationKernel``) apply only to fits on more than this many
        /// observations; up to it every fit is the product kernel's, exactly as with ``KernelChoice/product`` (0: from
        /// the first fit).
        public var additiveAfter: Int
        /// On the suggestions made from the exploring model (every ``explorationPeriod``-th), each numeric feature's
        /// fitted lengthscale (unit-cube feature units) is capped at this before the posterior is computed; `nil`: no
        /// cap. The fit itself, the cache and the other suggestions keep the fitted lengthscales. A coordinate the fit
        /// calls irrelevant (a lengthscale many times the cube's width) gets posterior variance again, and far from the
        /// data the variance returns to the prior's, so UCB can reach regions the regular model gives no promise.
        /// Categorical one-hot features keep their lengthscales. ``standard`` caps at 0.5 from 51 to 200 observations
        /// (docs/algorithms.md, "Round 4: capped lengthscales on the exploring step").
        public var explorationLengthscaleCap: Double?
        /// On the same suggestions, each numeric feature's fitted lengthscale is first multiplied by this (1: unchanged).
        public var explorationLengthscaleScale: Double
        /// The numbers of observations of the exploring model at which ``explorationLengthscaleCap`` and
        /// ``explorationLengthscaleScale`` apply (default: all).
        public var explorationLengthscaleObservations: ClosedRange<Int>
        /// Whether they apply only when the exploring model has the product kernel (not on an additive fit, whose
        /// one-dimensional terms already have their own prior).
        public var explorationLengthscaleProductOnly: Bool

        /// Which covariance structure a fit uses (``Matern52Kernel/Form``). ``additive`` neither reads nor writes the
        /// ``GaussianProcessCache``; the two choices fit the product kernel exactly as ``product`` would (warm start from
        /// the cache's product fit) and the additive one beside it from the same starts, so where the product wins the
        /// suggestion is the product's. An inline fit stores the product kernel's fit only, so a suggestion served from
        /// an inline cache (past its thresholds) is the product's; a background refit (``GaussianProcessRefit``) stores
        /// the chosen fit with its form (and the product fit beside it for warm starts), and the suggestions served
        /// from it use that form. Options without a choice read an additive entry as its product fit.
        public enum KernelChoice: String, Sendable, Equatable, CaseIterable {
            /// The Matérn-5/2 ARD kernel (the default).
            case product
            /// The first-order additive kernel, with each feature's lengthscale under the one-dimensional prior.
            case additive
            /// Both are fitted from the same starts on the same warped values and the one with the larger log posterior
            /// (log marginal likelihood plus log prior) is used, the product on a tie: the outputs are the same, so
            /// the evidence is comparable.
            case byEvidence
            /// Both are fitted as for ``byEvidence`` and the one whose leave-one-out means order the better half of the
            /// observations better (``GaussianProcessDesigner/leaveOneOutRankAgreement(_:raw:)``) is used, the product
            /// on a tie: a predictive criterion, which judges the models where the optimum is sought.
            case byLeaveOneOut
        }

        /// Whether exploring suggestions (with a ``BasinExploration/period``, some regular ones instead) search a box
        /// around the best point of another basin than the incumbent's, rotating over the basins the data have found
        /// (``BasinRegions``), instead of the whole space; `nil`: no such regions. The acquisition there is the step's
        /// own (on an exploring step UCB with ``explorationBeta``, or the study's with 0).
        public var basinExploration: BasinExploration?

        /// The basins and boxes of ``basinExploration`` (``BasinRegions``).
        public struct BasinExploration: Sendable, Equatable {
            /// The lengthscale-scaled distance within which a better observation makes a point part of its basin.
            public var radius: Double
            /// The box's side in the unit cube before the lengthscale stretch.
            public var side: Double
            /// How many basins besides the incumbent's the exploring steps rotate over.
            public var basins: Int
            /// Whether the rotation also holds one step over the whole space (the default exploring step).
            public var includesWholeSpace: Bool
            /// Whether each exploring step takes the rotation's entry whose candidates score best under the exploring
            /// acquisition (TuRBO-m's allocation) instead of the next entry in turn.
            public var allocatesByAcquisition: Bool
            /// 0: the exploring steps search the basins. `k` > 0: the exploring steps stay as they are, and every `k`-th
            /// model suggestion that does not explore (model suggestions 2, 2 + k, …; k − 1, 2k − 1, … for k ≤ 2) searches the
            /// basins with the study's acquisition instead: local searches kept alive beside the incumbent's.
            public var period: Int

            public init(radius: Double = 1, side: Double = 0.2, basins: Int = 3, includesWholeSpace: Bool = false,
                        allocatesByAcquisition: Bool = false, period: Int = 0) {
                self.radius = radius
                self.side = side
                self.basins = basins
                self.includesWholeSpace = includesWholeSpace
                self.allocatesByAcquisition = allocatesByAcquisition
                self.period = period
            }
        }

        /// Whether each categorical parameter's one-hot block shares one lengthscale (``HyperparameterPrior/tiedLengthscales``):
        /// an overlap kernel, in which two different categories are equally far apart and a categorical costs the fit
        /// one hyperparameter instead of one per category. Off in ``standard``.
        public var tiedCategoryLengthscales = false

        /// Which fits warp the numeric features through a Kumaraswamy CDF fitted with the other hyperparameters
        /// (``InputWarp``; categorical one-hot features are never warped).
        public var inputWarping: InputWarping

        /// When the model warps its numeric inputs (``SearchOptions/inputWarping``).
        public enum InputWarping: String, Sendable, CaseIterable {
            /// Never (the default).
            case off
            /// On every model-based suggestion.
            case allSteps
            /// On the suggestions that do not explore (every one but each ``explorationPeriod``-th).
            case regularSteps
            /// On every model-based suggestion, in a space with a log-scale or integer parameter only.
            case scaledSpaces
        }

        /// Positions per axis line added to the candidate set (``AxisLineCandidates``): through each of the best
        /// ``axisLineTrials`` trials, for each parameter, that many points that move only this parameter across its
        /// range (a categorical one: every other category). 0: no lines.
        public var axisLineValues: Int
        /// Through how many of the best trials the axis lines of ``axisLineValues`` run.
        public var axisLineTrials: Int
        /// Whether the axis lines are added only on exploring suggestions (``explorationPeriod`` and the other
        /// triggers), not on every model-based one.
        public var axisLinesWhenExploringOnly: Bool
        /// Every `axisLinePeriod`-th model-based suggestion, counted from the middle of each period (model suggestions
        /// k/2, k/2 + k, …, so that with the period of ``explorationPeriod`` it never falls on an exploring step), is
        /// an axis-line step unless it explores: the acquisition is maximized over the axis lines through the best
        /// ``axisLineTrials`` trials alone, ``GaussianProcessDesigner/axisLineStepValues`` positions per line: a coordinate move (0: never).
        /// The other suggestions' candidate sets get lines only by ``axisLineValues``.
        public var axisLinePeriod: Int
        /// UCB's exploration weight on axis-line steps (0: the posterior mean); `nil` keeps the study's acquisition
        /// function on them.
        public var axisLineBeta: Double?

        public init(diverseRefinements: Int = 0, explorationPeriod: Int = 0, stagnationLimit: Int = 0, explorationBeta: Double = 3,
                    explorationRadius: Double = 0, discreteNeighbourhood: Bool = false, thompsonExploration: Bool = false,
                    restartAfter: Int = 0, restartTolerance: Double = 0.01, incumbentFromModel: Bool = false,
                    plateauTolerance: Double = 0, exploitationPeriod: Int = 0, noiseFloor: Double = 0,
                    plateauPrefersNewDiscrete: Bool = false,
                    explorationPortfolio: PortfolioReward? = nil, refinedThompson: Bool = false,
                    outputWarping: OutputWarping = .vizier, explorationWarping: OutputWarping? = nil,
                    warpingSelection: [OutputWarping] = [], warpingCriterion: WarpingCriterion = .evidence,
                    evolutionaryPeriod: Int = 0, acquisitionCandidates: Int = 0, refinementStarts: Int = 0,
                    kernel: KernelChoice = .product, explorationKernel: KernelChoice? = nil, additiveEvidenceMargin: Double = 0,
                    additiveAfter: Int = 0, explorationLengthscaleCap: Double? = nil, explorationLengthscaleScale: Double = 1,
                    explorationLengthscaleObservations: ClosedRange<Int> = 0...Int.max, explorationLengthscaleProductOnly: Bool = false,
                    basinExploration: BasinExploration? = nil, inputWarping: InputWarping = .off,
                    axisLineValues: Int = 0, axisLineTrials: Int = 1, axisLinesWhenExploringOnly: Bool = false,
                    axisLinePeriod: Int = 0, axisLineBeta: Double? = nil) {
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
            self.plateauTolerance = plateauTolerance
            self.exploitationPeriod = exploitationPeriod
            self.noiseFloor = noiseFloor
            self.plateauPrefersNewDiscrete = plateauPrefersNewDiscrete
            self.explorationPortfolio = explorationPortfolio
            self.refinedThompson = refinedThompson
            self.outputWarping = outputWarping
            self.explorationWarping = explorationWarping
            self.warpingSelection = warpingSelection
            self.warpingCriterion = warpingCriterion
            self.evolutionaryPeriod = evolutionaryPeriod
            self.acquisitionCandidates = acquisitionCandidates
            self.refinementStarts = refinementStarts
            self.kernel = kernel
            self.explorationKernel = explorationKernel
            self.additiveEvidenceMargin = additiveEvidenceMargin
            self.additiveAfter = additiveAfter
            self.explorationLengthscaleCap = explorationLengthscaleCap
            self.explorationLengthscaleScale = explorationLengthscaleScale
            self.explorationLengthscaleObservations = explorationLengthscaleObservations
            self.explorationLengthscaleProductOnly = explorationLengthscaleProductOnly
            self.basinExploration = basinExploration
            self.inputWarping = inputWarping
            self.axisLineValues = axisLineValues
            self.axisLineTrials = axisLineTrials
            self.axisLinesWhenExploringOnly = axisLinesWhenExploringOnly
            self.axisLinePeriod = axisLinePeriod
            self.axisLineBeta = axisLineBeta
        }

        /// The options every study uses: every fifth model-based suggestion explores by UCB with β = 3, which lowered
        /// the median regret on the tuning seeds (docs/algorithms.md); the other measures did not win and stay off.
        /// In mixed spaces the acquisition is searched at legal values with discrete moves. The exploring steps' model
        /// is fitted on values warped by ``OutputWarping/byShape`` (standardized only when the values reach further
        /// above their median than below it), which won on the tuning seeds and held on the reported ones. Past 50
        /// observations each fit also fits the additive kernel and keeps it when its log posterior is the larger
        /// (``KernelChoice/byEvidence``, ``additiveAfter`` 50): it frees runs that a product kernel keeps in a wrong
        /// basin of a (nearly) separable function, and it won on the tuning seeds and held on the reported ones
        /// (docs/algorithms.md, "Round 3: an additive kernel"). From 51 to 200 observations the exploring steps'
        /// posterior caps the numeric lengthscales at 0.5 (``explorationLengthscaleCap``), which won on the tuning seeds
        /// and, on the reported ones, met Rastrigin-4 and left no run worse than random at the price of a 2 % Griewank-8
        /// miss (docs/algorithms.md, "Round 4: capped lengthscales on the exploring step"); past 200 the capped model
        /// would need a fresh O(n³) factor on the request path, so the cap stops there.
        public static let standard = SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                   kernel: .byEvidence, additiveAfter: 50, explorationLengthscaleCap: 0.5,
                                                   explorationLengthscaleObservations: 51...200)

        /// ``standard`` before the additive kernel: every fit is the product kernel's.
        public static let productOnly = SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape)
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

        let modelSuggestion = request.trialCount - settings.initialTrials
        let periodic = search.explorationPeriod > 0 && modelSuggestion >= 0 && modelSuggestion % search.explorationPeriod == search.explorationPeriod - 1
        guard let fitted = fitModel(data, warping: periodic ? search.explorationWarping : nil, exploring: periodic,
                                    kernel: periodic ? search.explorationKernel ?? search.kernel : search.kernel, generator: &generator) else {
            // The covariance could not be factored even with jitter (degenerate inputs): keep exploring quasi-randomly.
            let fallback = try initialDesign.assignments(from: request.trialCount + suggestions.count, count: count - suggestions.count)
            return suggestions + fallback.map { DesignProposal(parameters: $0, metadata: Explanation.unfittable.metadata) }
        }
        var model = periodic ? explorationModel(fitted.model) : fitted.model
        let incumbent = (search.incumbentFromModel ? Self.posteriorMeansAtObservations(model) : model.values).prefix(data.values.count).max() ?? 0
        let labelled = fitted.rawValues
        let warpInverse = WarpInverse(warped: Array(model.values.prefix(labelled.count)), raw: labelled, goal: spec.objective.goal)
        for point in data.pendingPoints {
            model = model.conditioned(on: point, value: Swift.min(model.predictWithGradient(at: point).mean, incumbent))
        }

        let sinceImprovement = search.restartAfter > 0 ? data.observationsSinceImprovement(tolerance: search.restartTolerance) : 0
        let explores = periodic
            || (search.stagnationLimit > 0 && data.observationsSinceBest >= search.stagnationLimit)
            || (search.restartAfter > 0 && sinceImprovement > 0 && sinceImprovement % search.restartAfter == 0)
        let samples = explores && (search.explorationPortfolio.map { explorationArm(data: data, trialCount: request.trialCount, reward: $0) == .thompsonSample }
                                   ?? search.thompsonExploration)
        let exploits = !explores && search.exploitationPeriod > 0 && modelSuggestion >= 0 && modelSuggestion % search.exploitationPeriod == 0
        let linesOnly = !explores && search.axisLinePeriod > 0 && modelSuggestion >= 0
            && modelSuggestion % search.axisLinePeriod == search.axisLinePeriod / 2
        let evaluator = explores && search.explorationBeta > 0
            ? AcquisitionEvaluator(function: .upperConfidenceBound, beta: search.explorationBeta, incumbent: incumbent)
            : linesOnly && search.axisLineBeta != nil
            ? AcquisitionEvaluator(function: .upperConfidenceBound, beta: search.axisLineBeta ?? 0, incumbent: incumbent)
            : exploits ? AcquisitionEvaluator(function: .upperConfidenceBound, beta: 0, incumbent: incumbent)
            : AcquisitionEvaluator(function: settings.acquisition, beta: settings.ucbBeta, incumbent: incumbent)
        let breaksTies = !explores && !exploits && search.plateauTolerance > 0
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
        // An exploring suggestion with basin regions searches a box around another basin's best point (``BasinRegions``).
        var basin: (center: [Double], halfWidths: [Double])?
        if let options = search.basinExploration, modelSuggestion >= 0,
           options.period > 0 ? !explores && modelSuggestion % options.period == Swift.min(2, options.period - 1) : explores {
            basin = basinBox(options, model: model, data: data,
                             exploringStep: modelSuggestion / Swift.max(options.period > 0 ? options.period : search.explorationPeriod, 1),
                             optimizer: optimizer, evaluator: evaluator, generator: &generator)
        }
        while suggestions.count < count {
            let (candidates, lower, upper) = linesOnly ? axisLineSet(data: data, generator: &generator)
                : candidateSet(model: model, data: data, basin: basin, generator: &generator,
                               axisLines: explores || !search.axisLinesWhenExploringOnly)
            var proposals: [AcquisitionOptimizer.Proposal]
            if samples, let sampled = thompsonProposals(model: model, candidates: candidates, generator: &generator) {
                proposals = sampled
                if search.refinedThompson {
                    // The draw picks the basin; the exploring UCB climbs to its best point from the draw's best few.
                    let starts = sampled.prefix(optimizer.refinements)
                    var rows = Matrix(rows: starts.count, columns: candidates.columns)
                    for (i, start) in starts.enumerated() {
                        for k in 0..<candidates.columns { rows[i, k] = start.features[k] }
                    }
                    proposals = optimizer.maximize(model: model, evaluator: evaluator, candidates: rows, lower: lower, upper: upper,
                                                   movable: encoding.numericFeatures) + sampled
                }
            } else if search.evolutionaryPeriod > 0, modelSuggestion >= 0, modelSuggestion % search.evolutionaryPeriod == 0,
                      observations <= Self.evolutionaryObservationLimit, !linesOnly {
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
            if breaksTies, search.plateauPrefersNewDiscrete, let best = chosen {
                chosen = Self.newDiscreteChoice(among: proposals, best: best, tolerance: search.plateauTolerance, encoding: encoding,
                                                excluded: data.knownAssignments)
            } else if breaksTies, let best = chosen {
                chosen = Self.plateauChoice(among: proposals, best: best, tolerance: search.plateauTolerance, model: model,
                                            encoding: encoding, excluded: data.knownAssignments)
            }
            guard let chosen else { break }
            let prediction = model.predictWithGradient(at: chosen.features)
            let explanation = Explanation.model(
                acquisition: samples ? (search.refinedThompson ? "thompson+ucb(beta=\(formatNumber(search.explorationBeta)))" : "thompson")
                    : explores && search.explorationBeta > 0 ? "ucb(beta=\(formatNumber(search.explorationBeta)))"
                    : linesOnly ? (search.axisLineBeta.map { $0 > 0 ? "ucb(beta=\(formatNumber($0)))" : "mean" } ?? settings.acquisition.rawValue) + "+axis-lines"
                    : exploits ? "mean" : settings.acquisition.rawValue,
                value: samples && !search.refinedThompson ? chosen.score : evaluator.score(mean: prediction.mean, variance: prediction.variance),
                prediction: warpInverse.objective(mean: prediction.mean, deviation: Swift.max(prediction.variance, 0).squareRoot()))
            suggestions.append(DesignProposal(parameters: chosen.assignment, metadata: explanation.metadata))
            data.knownAssignments.insert(chosen.assignment)
            if suggestions.count < count {
                model = model.conditioned(on: chosen.features, value: Swift.min(model.predictWithGradient(at: chosen.features).mean, incumbent))
            }
        }
        return suggestions
    }

    /// The model an exploring suggestion is made from: `model` conditioned on the same data with each numeric feature's
    /// lengthscale multiplied by ``SearchOptions/explorationLengthscaleScale`` and capped at
    /// ``SearchOptions/explorationLengthscaleCap``; `model` itself when no lengthscale changes, when its observations or
    /// kernel are outside ``SearchOptions/explorationLengthscaleObservations`` and
    /// ``SearchOptions/explorationLengthscaleProductOnly``, or when the covariance with the new lengthscales cannot be
    /// factored. `model` (and the cache's fit behind it) is left as it is.
    func explorationModel(_ model: GaussianProcessModel) -> GaussianProcessModel {
        let scale = search.explorationLengthscaleScale
        let cap = search.explorationLengthscaleCap
        guard cap != nil || scale != 1, scale > 0, cap.map({ $0 > 0 }) ?? true,
              search.explorationLengthscaleObservations.contains(model.points.rows),
              !search.explorationLengthscaleProductOnly || model.form == .product else { return model }
        var hyperparameters = model.hyperparameters
        let logScale = Foundation.log(scale)
        let logCap = cap.map { Foundation.log($0) } ?? .infinity
        for k in encoding.numericFeatures where k < hyperparameters.logLengthscales.count {
            hyperparameters.logLengthscales[k] = Swift.min(hyperparameters.logLengthscales[k] + logScale, logCap)
        }
        guard hyperparameters != model.hyperparameters else { return model }
        return (try? GaussianProcessModel(points: model.points, values: model.values, hyperparameters: hyperparameters, form: model.form)) ?? model
    }

    /// The portfolio's arm for an exploring suggestion at history position `trialCount` (``ExplorationPortfolio``).
    func explorationArm(data: TrainingData, trialCount: Int, reward: SearchOptions.PortfolioReward) -> ExplorationPortfolio.Arm {
        let steps = ExplorationPortfolio.steps(reward: reward,
            exploringPositions: ExplorationPortfolio.exploringPositions(before: trialCount, initialTrials: settings.initialTrials,
                                                                        period: search.explorationPeriod),
            observedPositions: data.positions, warpedValues: OutputWarper().warp(data.values), infeasiblePositions: data.infeasiblePositions)
        return ExplorationPortfolio.nextArm(after: steps)
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

    /// The near-tie break of ``SearchOptions/plateauTolerance``: among the new snapped points of `proposals` (best
    /// first) scoring within `tolerance` of `best` (the first new one), the one with the highest posterior mean, the
    /// earlier one on equal means. The ties are predicted in one batched posterior evaluation.
    static func plateauChoice(among proposals: [AcquisitionOptimizer.Proposal],
                              best: (features: [Double], assignment: ParameterAssignment, score: Double), tolerance: Double,
                              model: GaussianProcessModel, encoding: FeatureEncoding,
                              excluded: Set<ParameterAssignment>) -> (features: [Double], assignment: ParameterAssignment, score: Double) {
        var tied: [(features: [Double], assignment: ParameterAssignment, score: Double)] = []
        var seen = Set<ParameterAssignment>()
        for proposal in proposals where proposal.score >= best.score - tolerance {
            let features = encoding.snapped(proposal.features)
            let assignment = encoding.assignment(of: features)
            guard !excluded.contains(assignment), seen.insert(assignment).inserted else { continue }
            tied.append((features, assignment, proposal.score))
        }
        guard tied.count > 1 else { return best }
        let d = encoding.dimensions
        var elements = [Double](repeating: 0, count: tied.count * d)
        for (row, entry) in tied.enumerated() {
            for k in 0..<d { elements[row + k * tied.count] = entry.features[k] }
        }
        let means = model.predict(Matrix(rows: tied.count, columns: d, elements: elements)).mean
        guard let winner = tied.indices.max(by: { means[$0] < means[$1] || (means[$0] == means[$1] && $0 > $1) }) else { return best }
        return tied[winner]
    }

    /// The near-tie break of ``SearchOptions/plateauPrefersNewDiscrete``: the first new snapped point of `proposals`
    /// (best first) scoring within `tolerance` of `best` whose finite and categorical values no point of `excluded`
    /// has; `best` when none does (or the space has no such parameter).
    static func newDiscreteChoice(among proposals: [AcquisitionOptimizer.Proposal],
                                  best: (features: [Double], assignment: ParameterAssignment, score: Double), tolerance: Double,
                                  encoding: FeatureEncoding,
                                  excluded: Set<ParameterAssignment>) -> (features: [Double], assignment: ParameterAssignment, score: Double) {
        let discrete = zip(encoding.space.parameters, encoding.slots).compactMap { parameter, slot -> String? in
            switch slot {
            case .numeric(_, let isFinite): isFinite ? parameter.name : nil
            case .categorical: parameter.name
            }
        }
        guard !discrete.isEmpty else { return best }
        func key(_ assignment: ParameterAssignment) -> [ParameterValue?] { discrete.map { assignment[$0] } }
        let tried = Set(excluded.map(key))
        guard tried.contains(key(best.assignment)) else { return best }
        for proposal in proposals where proposal.score >= best.score - tolerance {
            let features = encoding.snapped(proposal.features)
            let assignment = encoding.assignment(of: features)
            if !excluded.contains(assignment), !tried.contains(key(assignment)) { return (features, assignment, proposal.score) }
        }
        return best
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
    /// refit policy; `nil` if no covariance could be factored. `rawValues` are the labels of the model's rows; the values
    /// are warped by `warping` (default: ``SearchOptions/outputWarping``), `exploring` says whether the suggestion is an
    /// exploring one (``SearchOptions/inputWarping``) and the kernel follows `requestedKernel` past
    /// ``SearchOptions/additiveAfter`` observations (the product kernel up to it).
    func fitModel(_ data: TrainingData, warping: OutputWarping? = nil, exploring: Bool = false,
                  kernel requestedKernel: SearchOptions.KernelChoice = .product,
                  generator: inout SeededGenerator) -> (model: GaussianProcessModel, rawValues: [Double])? {
        var (rawPoints, rawValues) = data.labelledPoints
        let d = encoding.dimensions
        let observationCount = rawPoints.count
        let kernel = observationCount > search.additiveAfter ? requestedKernel : .product
        if observationCount > localModel.threshold {
            let rows = Self.localSubset(rawPoints, values: rawValues, lengthscales: cache?.load(featureCount: d)?.warmStart.lengthscales,
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
        // The warpings to compare (one unless ``SearchOptions/warpingSelection`` asks for more, and only on the options'
        // own warping), all warped up front.
        let warpings = warping != nil || search.warpingSelection.isEmpty || observationCount > Self.warpingSelectionLimit
            ? [warping ?? search.outputWarping] : search.warpingSelection
        let warpedValues = warpings.map { OutputWarper(warping: $0).warp(rawValues) }
        var values = warpedValues[0]
        var prior = hyperparameterPrior(dimensions: d)
        prior.warpedFeatures = warpedFeatures(exploring: exploring)
        let usesCache = kernel != .additive
        // A kernel choice past ``SearchOptions/additiveAfter``: a background refit fits both kernels and the cache may
        // hold the additive one. Without a choice an additive entry is read as its product fit (no kept factor).
        let choosing = kernel == .byEvidence || kernel == .byLeaveOneOut
        let cached = usesCache ? cache?.load(featureCount: d).map { entry in
            choosing || entry.form == .product ? entry
                : GaussianProcessCache.Entry(hyperparameters: entry.warmStart, observationCount: entry.observationCount, featureCount: d)
        } : nil

        // A cache that refits in background serves even its first suggestion (a new study's, or a new replica's for an
        // old study) from the default hyperparameters rather than wait for a fit.
        let coldStart = cached == nil && cache?.refitsInBackground == true
        let selecting = warpedValues.count > 1
        if usesCache, let cache, let cached = cached ?? (coldStart ? .init(hyperparameters: prior.hyperparameters(prior.defaultStart),
                                                                observationCount: 0, featureCount: d) : nil),
           observationCount > (cache.refitsInBackground ? Self.backgroundRefitThreshold : Self.amortizationThreshold) {
            let amortized = observationCount > Self.amortizationThreshold
            let current = !coldStart && (amortized ? observationCount <= cached.observationCount + Swift.max(10, cached.observationCount / 10)
                : observationCount <= cached.observationCount)
            if selecting && (current || cache.refitsInBackground) {
                values = Self.mostEvident(warpedValues.map {
                    ($0, warpingScore(points: points, raw: rawValues, warped: $0, hyperparameters: cached.warmStart, model: nil, prior: prior))
                }) ?? values
            }
            // A step on another warping than the options' own (an exploring step's) leaves the refit to the next
            // regular step, so the cached hyperparameters stay those of the regular steps' values.
            if !current && cache.refitsInBackground && (warping ?? search.outputWarping) == search.outputWarping {
                // The starts and budget an inline refit would use here (no random starts are drawn above 60 with a fit;
                // a cold start has none either).
                cache.request(points: points, values: values, prior: prior,
                              starts: amortized || coldStart ? [prior.start(from: cached.warmStart)]
                                  : [prior.defaultStart, prior.start(from: cached.warmStart)],
                              options: amortized ? Self.amortizedRefitOptions : Self.fullRefitOptions, observationCount: observationCount,
                              kernel: choosing ? kernel : .product, evidenceMargin: search.additiveEvidenceMargin)
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
            starts.append(clamped(cached.map { prior.start(from: $0.warmStart) } ?? prior.defaultStart))
            options = Self.amortizedRefitOptions
        } else {
            starts.append(prior.defaultStart)
            if let cached { starts.append(clamped(prior.start(from: cached.warmStart))) }
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
        var fits: [((model: GaussianProcessModel, product: GaussianProcessModel?), Double)] = []
        for candidate in warpedValues {
            guard let fit = Self.fitKernel(kernel, points: points, values: candidate, prior: prior, starts: starts, options: options,
                                           evidenceMargin: search.additiveEvidenceMargin) else {
                continue
            }
            fits.append((fit, selecting ? warpingScore(points: points, raw: rawValues, warped: candidate, hyperparameters: fit.model.hyperparameters,
                                                       model: fit.model, prior: prior) : 0))
        }
        guard let chosen = Self.mostEvident(fits) else { return nil }
        let model = chosen.model
        if usesCache, let product = chosen.product {
            cache?.store(.init(hyperparameters: product.hyperparameters, observationCount: observationCount, featureCount: d, model: product))
        }
        return (model, rawValues)
    }

    /// The GP on `values` fitted with the kernel `choice` asks for (``SearchOptions/KernelChoice``), and the product
    /// kernel's fit when one was made (for the cache); `nil` when no covariance can be factored. The additive fit puts
    /// each lengthscale under the one-dimensional prior (each term is a GP on one coordinate) and starts from `starts`
    /// with their lengthscales scaled down by `√d` accordingly. With ``SearchOptions/KernelChoice/byEvidence`` the
    /// additive fit must beat the product's log posterior by `evidenceMargin` nats per observation.
    static func fitKernel(_ choice: SearchOptions.KernelChoice, points: Matrix, values: [Double], prior: HyperparameterPrior,
                          starts: [[Double]], options: BoundedLBFGS.Options,
                          evidenceMargin: Double = 0) -> (model: GaussianProcessModel, product: GaussianProcessModel?)? {
        let product = choice == .additive ? nil
            : try? GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: starts, options: options)
        guard choice != .product else { return product.map { ($0, $0) } }
        let d = points.columns
        let additivePrior = Self.additivePrior(prior)
        let shift = 0.5 * Foundation.log(Double(Swift.max(d, 1)))
        let lower = prior.lowerBounds
        let additiveStarts = starts.map { start in
            start.indices.map { k in k < d ? Swift.max(start[k] - shift, lower[k]) : start[k] }
        }
        let additive = try? GaussianProcessModel.fit(points: points, values: values, prior: additivePrior, starts: additiveStarts,
                                                     options: options, form: .additive)
        guard choice == .byEvidence || choice == .byLeaveOneOut, let additive else { return (additive ?? product).map { ($0, product) } }
        guard let product else { return (additive, nil) }
        if choice == .byLeaveOneOut {
            return (leaveOneOutRankAgreement(additive, raw: values) > leaveOneOutRankAgreement(product, raw: values) ? additive : product, product)
        }
        var gradient = [Double](repeating: 0, count: prior.lowerBounds.count)
        let productValue = GaussianProcessModel.negativeLogPosterior(points: points, values: values, prior: prior,
                                                                     theta: prior.start(from: product.hyperparameters), gradient: &gradient)
        let additiveValue = GaussianProcessModel.negativeLogPosterior(points: points, values: values, prior: additivePrior,
                                                                      theta: additivePrior.start(from: additive.hyperparameters), form: .additive,
                                                                      gradient: &gradient)
        return (productValue - additiveValue > evidenceMargin * Double(points.rows) ? additive : product, product)
    }

    /// `prior` with the lengthscales' location of one dimension: the additive kernel's prior.
    static func additivePrior(_ prior: HyperparameterPrior) -> HyperparameterPrior {
        var additive = prior
        additive.lengthscaleLocation = HyperparameterPrior(dimensions: 1).lengthscaleLocation
        return additive
    }

    /// The numeric features a fit warps (``SearchOptions/inputWarping``): all of them or none.
    func warpedFeatures(exploring: Bool) -> [Int] {
        switch search.inputWarping {
        case .off: return []
        case .allSteps: return encoding.numericFeatures
        case .regularSteps: return exploring ? [] : encoding.numericFeatures
        case .scaledSpaces:
            let scaled = spec.searchSpace.parameters.contains { parameter in
                switch parameter.domain {
                case .double(_, _, let scale, _): scale.isLogarithmic
                case .integer: true
                case .discrete, .categorical: false
                }
            }
            return scaled ? encoding.numericFeatures : []
        }
    }

    /// The hyperparameter prior of this designer's fits: ``HyperparameterPrior``, its noise raised to
    /// ``SearchOptions/noiseFloor`` when that is set.
    func hyperparameterPrior(dimensions: Int) -> HyperparameterPrior {
        var prior = HyperparameterPrior(dimensions: dimensions)
        if search.tiedCategoryLengthscales, dimensions == encoding.dimensions {
            prior.tiedLengthscales = encoding.slots.compactMap { slot in
                if case .categorical(let feature, let count) = slot, count > 1 { Array(feature..<(feature + count)) } else { nil }
            }
        }
        if search.noiseFloor > 0 {
            let floor = Swift.min(Foundation.log(search.noiseFloor), prior.logNoiseBounds.upper)
            prior.logNoiseBounds.lower = Swift.max(prior.logNoiseBounds.lower, floor)
            prior.noiseLocation = Swift.max(prior.noiseLocation, floor)
        }
        return prior
    }

    /// Observations up to which ``SearchOptions/warpingSelection`` compares warpings (each costs a fit of its own).
    public static let warpingSelectionLimit = amortizationThreshold

    /// The log evidence of the raw values under the GP fitted to their warping, in the raw values' units (up to a
    /// constant every warping of `raw` shares): the log posterior of the hyperparameters `theta` on the warped values
    /// plus the warp's log-Jacobian (``OutputWarper/logJacobian(raw:warped:)``), so that a warping is not rewarded for
    /// merely squeezing the values together; −∞ when the covariance cannot be factored.
    static func warpedEvidence(points: Matrix, raw: [Double], warped: [Double], theta: [Double], prior: HyperparameterPrior,
                               form: Matern52Kernel.Form = .product) -> Double {
        var gradient = [Double](repeating: 0, count: theta.count)
        let negative = GaussianProcessModel.negativeLogPosterior(points: points, values: warped, prior: form == .additive ? additivePrior(prior) : prior,
                                                                 theta: theta, form: form, gradient: &gradient)
        guard negative.isFinite else { return -.infinity }
        return -negative + OutputWarper.logJacobian(raw: raw, warped: warped)
    }

    /// The score of one warping by ``SearchOptions/warpingCriterion`` (larger is better; −∞ when it cannot be computed);
    /// `model`, when given, is the GP on `warped` with `hyperparameters`.
    func warpingScore(points: Matrix, raw: [Double], warped: [Double], hyperparameters: GaussianProcessHyperparameters,
                      model: GaussianProcessModel?, prior: HyperparameterPrior) -> Double {
        switch search.warpingCriterion {
        case .evidence:
            return Self.warpedEvidence(points: points, raw: raw, warped: warped, theta: prior.start(from: hyperparameters), prior: prior,
                                       form: model?.form ?? .product)
        case .leaveOneOutRanks:
            guard let model = model ?? (try? GaussianProcessModel(points: points, values: warped, hyperparameters: hyperparameters)) else {
                return -.infinity
            }
            return Self.leaveOneOutRankAgreement(model, raw: raw)
        }
    }

    /// The posterior mean at each observation of the model conditioned on all the others (same hyperparameters), in
    /// closed form: `μ₋ᵢ = yᵢ − αᵢ/[K⁻¹]ᵢᵢ`, one O(n³) inverse for all of them.
    static func leaveOneOutMeans(_ model: GaussianProcessModel) -> [Double] {
        let inverse = model.cholesky.inverse()
        return model.values.indices.map { model.values[$0] - model.alpha[$0] / inverse[$0, $0] }
    }

    /// Kendall's τ between the raw values and the model's leave-one-out means (``leaveOneOutMeans(_:)``) over the
    /// better half of the observations (by raw value, larger is better): how well the model, without each point, would
    /// have ordered the points that matter for the optimum. In [−1, 1]; 0 with fewer than two such points.
    static func leaveOneOutRankAgreement(_ model: GaussianProcessModel, raw: [Double]) -> Double {
        let n = Swift.min(model.values.count, raw.count)
        guard n > 1 else { return 0 }
        let means = leaveOneOutMeans(model)
        let better = Array(raw.prefix(n).indices.sorted { raw[$0] > raw[$1] || (raw[$0] == raw[$1] && $0 < $1) }.prefix((n + 1) / 2))
        var agreement = 0.0
        var pairs = 0.0
        for (position, a) in better.enumerated() {
            for b in better[(position + 1)...] where raw[a] != raw[b] {
                pairs += 1
                let ordered = (raw[a] - raw[b]) * (means[a] - means[b])
                agreement += ordered > 0 ? 1 : ordered < 0 ? -1 : 0
            }
        }
        return pairs > 0 && agreement.isFinite ? agreement / pairs : 0
    }

    /// The first of `candidates` with the largest evidence, NaN counting as −∞ (`nil` when there are none).
    static func mostEvident<Candidate>(_ candidates: [(Candidate, Double)]) -> Candidate? {
        var best: (Candidate, Double)?
        for candidate in candidates {
            if let current = best, !(candidate.1 > current.1 || (current.1.isNaN && !candidate.1.isNaN)) { continue }
            best = candidate
        }
        return best?.0
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
        if let kept = cached.model, kept.hyperparameters == cached.hyperparameters, kept.form == cached.form, kept.points.columns == points.columns,
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
        return try? GaussianProcessModel(points: points, values: values, hyperparameters: cached.hyperparameters, form: cached.form)
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

    /// Positions per numeric line on an axis-line step (``SearchOptions/axisLinePeriod``).
    public static let axisLineStepValues = 32

    /// The axis-line points (``AxisLineCandidates``) through the best ``SearchOptions/axisLineTrials`` trials, with
    /// `values` positions per numeric line, in the parameters' unit cube.
    func axisLineUnitPoints(data: TrainingData, values: Int, generator: inout SeededGenerator) -> [[Double]] {
        let centers = data.values.indices.sorted { data.values[$0] > data.values[$1] || (data.values[$0] == data.values[$1] && $0 < $1) }
            .prefix(Swift.max(search.axisLineTrials, 1)).map { encoding.unitPoint(of: data.points[$0]) }
        return AxisLineCandidates(values: values)
            .unitPoints(through: centers, slots: encoding.slots, generator: &generator)
    }

    /// The candidates of an axis-line step (``SearchOptions/axisLinePeriod``): the axis-line points alone, in feature
    /// space, and the unit cube as the refinement box.
    func axisLineSet(data: TrainingData, generator: inout SeededGenerator) -> (Matrix, [Double], [Double]) {
        let points = axisLineUnitPoints(data: data, values: Self.axisLineStepValues, generator: &generator)
        let d = encoding.dimensions
        var elements = [Double](repeating: 0, count: points.count * d)
        for (row, point) in points.enumerated() {
            let features = encoding.features(atUnit: point)
            for k in 0..<d { elements[row + k * points.count] = features[k] }
        }
        return (Matrix(rows: points.count, columns: d, elements: elements), [Double](repeating: 0, count: d), [Double](repeating: 1, count: d))
    }

    /// The candidate set (one row per candidate, in feature space) and the box gradient refinement stays in; with a
    /// `basin` box (center in the unit cube, half-widths per parameter), every candidate lies in it; with `axisLines`
    /// and ``SearchOptions/axisLineValues`` set, the axis lines through the best trials are added.
    func candidateSet(model: GaussianProcessModel, data: TrainingData, basin: (center: [Double], halfWidths: [Double])? = nil,
                      generator: inout SeededGenerator, axisLines: Bool = false) -> (Matrix, [Double], [Double]) {
        let n = model.points.rows
        let parameterCount = spec.searchSpace.parameters.count
        // More candidates in more dimensions, fewer when the posterior of each costs O(n²) at large n.
        let wanted = Swift.min(2000, 500 + 150 * encoding.dimensions)
        var total = search.acquisitionCandidates > 0 ? search.acquisitionCandidates
            : Swift.max(Swift.min(wanted, Int(2e8 / Double(Swift.max(n * n, 1)))), 400)
        let halton = HaltonSequence(dimensions: parameterCount, seed: generator.next(), scrambled: true)
        var unitPoints: [[Double]] = []
        unitPoints.reserveCapacity(total)

        // Perturbations of the best observed trials, at three scales.
        let best = data.values.indices.sorted { data.values[$0] > data.values[$1] || (data.values[$0] == data.values[$1] && $0 < $1) }.prefix(5)
        let perturbed = basin.map { [$0.center] } ?? best.map { encoding.unitPoint(of: data.points[$0]) }
        let perTrial = total / 10 / Swift.max(perturbed.count, 1)
        let scales = [0.01, 0.05, 0.15]
        for center in perturbed {
            for draw in 0..<perTrial {
                let scale = scales[draw % scales.count]
                var point = center
                for (p, slot) in encoding.slots.enumerated() {
                    switch slot {
                    case .numeric:
                        let (low, high) = basin.map { (Swift.max($0.center[p] - $0.halfWidths[p], 0), Swift.min($0.center[p] + $0.halfWidths[p], 1)) }
                            ?? (0, 1)
                        point[p] = Swift.min(Swift.max(center[p] + scale * generator.nextGaussian(), low), high)
                    case .categorical:
                        if generator.nextUnit() < 0.2 { point[p] = generator.nextUnit() }
                    }
                }
                unitPoints.append(point)
            }
        }

        // Axis lines through the best trials, beyond the quasi-random and perturbed candidates.
        if axisLines, search.axisLineValues > 0 {
            let lines = axisLineUnitPoints(data: data, values: search.axisLineValues, generator: &generator)
            unitPoints += lines
            total += lines.count
        }

        // A trust region around the incumbent in higher dimensions: a box whose sides follow the lengthscales and
        // halve for every max(4, d) observations without improvement (TuRBO's rule, computed from the history).
        var lower = [Double](repeating: 0, count: encoding.dimensions)
        var upper = [Double](repeating: 1, count: encoding.dimensions)
        let numericFeatures = encoding.numericFeatures
        var region = basin
        if let basin {
            for (p, slot) in encoding.slots.enumerated() {
                guard case .numeric(let feature, _) = slot else { continue }
                lower[feature] = Swift.max(basin.center[p] - basin.halfWidths[p], 0)
                upper[feature] = Swift.min(basin.center[p] + basin.halfWidths[p], 1)
            }
        } else if numericFeatures.count > Self.trustRegionDimensions, let incumbent = best.first {
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
            if let region, basin != nil || unitPoints.count % 2 == 0 {
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
