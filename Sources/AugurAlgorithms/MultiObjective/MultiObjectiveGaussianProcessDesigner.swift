import AugurCore
import AugurMath
import Foundation

/// The Gaussian-process bandit for studies with several objectives or outcome constraints (the `gp` algorithm
/// picks it for them; ``GaussianProcessDesigner`` serves plain studies).
///
/// The first `settings.initialTrials` trials come from the scrambled Halton ``QuasiRandomDesigner``, as in the
/// one-objective bandit. After that each suggestion:
/// 1. builds ``MultiMetricTrainingData`` and fits one Matérn-5/2 ARD GP per objective (on standardized values; the
///    rank-and-log ``OutputWarper`` of the one-objective bandit bent the front's shape and lost hypervolume) and one
///    per constraint (on its standardized slack, not warped, so that the threshold keeps
///    its place), each by MAP with L-BFGS-B, or with the hyperparameters kept in the study's cache while they are
///    current (the refit policy below);
/// 2. conditions every model on the pending trials at its posterior mean (a kriging believer), so that parallel
///    workers do not get near-duplicates;
/// 3. scores candidates by an acquisition that targets the front, times the probability that every constraint is
///    met (`∏ Φ((μ_c − t_c)/σ_c)` from the constraint models):
///    - several objectives: the **expected hypervolume improvement** over the posterior (objectives independent),
///      exact and closed-form over the ``NonDominatedBoxes`` of the feasible front and the pending points' believed
///      values, built once per suggestion above a reference point `r` 0.1 below every observation (should it be 0
///      for every candidate, the optimistic point's improvement below at `ucbBeta` ranks them instead).
///      ``AcquisitionOptions/optimisticPoint`` scores instead the hypervolume improvement of the optimistic point
///      `u = μ + β σ` (β = 0.3, and the study's `ucbBeta` on every fifth model-based suggestion), computed
///      exactly: the volume of the box between `r` and `u`, less the
///      hypervolume of the feasible front clipped to that box. ``AcquisitionOptions/scalarized`` estimates it instead
///      with random hypervolume scalarizations (Golovin & Zhang 2020, the approach of OSS Vizier's GP bandit): for
///      weights `w` uniform on the positive unit sphere, `s_w(y) = minₖ max(0, (yₖ − rₖ)/wₖ)`, and
///      `mean_w[max(s_w(u), M_w)ᵐ − M_wᵐ]` (`M_w` the best over the feasible trials) is proportional to it;
///    - one objective with constraints: expected improvement over the best feasible trial (constrained EI);
///    - while no trial is feasible: the probability of feasibility alone;
/// 4. maximizes that score over a quasi-random candidate set plus perturbations of 20 of the front's trials
///    (spread along it), then
///    perturbs the best candidates once more at smaller scales and returns the best point that is not a repeat;
/// 5. for a batch, conditions the models on that point as in step 2 (adding its believed value to the front when
///    the constraint models expect it feasible) and repeats step 3.
///
/// **Refit policy.** With a ``GaussianProcessCache`` (the service keeps one per study), each model's hyperparameters
/// are kept after a fit and reused, the model only conditioned on the current data with them, until its observations
/// have grown by ``refitInterval`` or by 10% (whichever is more); the refit then starts from them as well as from the
/// default start. Refits run inline: the cache's background refits serve the one-objective bandit only.
///
/// **Determinism.** Every random choice draws from `SeededGenerator(seed: spec.seed, stream: trialCount)`; a cache
/// changes the suggestions only through the reuse and the warm start above.
public struct MultiObjectiveGaussianProcessDesigner: Designer {
    public let spec: StudySpec
    public let settings: GaussianProcessSettings
    /// Where each model's hyperparameters are kept between suggestions, if the caller keeps one per study.
    public let cache: GaussianProcessCache?
    /// How candidates are scored and searched (the defaults are what the tuning seeds chose; docs/algorithms.md).
    public let acquisition: AcquisitionOptions
    let encoding: FeatureEncoding
    let initialDesign: QuasiRandomDesigner

    /// The scoring and search choices, each of which the quality benchmark can switch to measure it.
    public struct AcquisitionOptions: Sendable, Equatable {
        /// Whether the optimistic point's hypervolume improvement is computed exactly (clipping the front to the
        /// box between the reference point and the candidate) rather than estimated by random scalarizations.
        public var exactImprovement: Bool
        /// How many random weight vectors estimate the improvement when it is not computed exactly.
        public var scalarizations: Int
        /// β of the optimistic point `μ + β σ` (model units); `nil` takes the study's `ucbBeta`.
        public var beta: Double?
        /// How many of the front's trials are perturbed into candidates.
        public var frontCenters: Int
        /// Whether those trials are spread evenly along the front (sorted by the first objective) rather than its
        /// earliest trials.
        public var spreadCenters: Bool
        /// Every `explorationPeriod`-th model-based suggestion uses β = ``explorationBeta`` instead (0: never).
        public var explorationPeriod: Int
        /// β of the exploring suggestions; `nil` takes the study's `ucbBeta`.
        public var explorationBeta: Double?
        /// Whether the suggestions that do not explore score the expected hypervolume improvement over the posterior
        /// (exact, over ``NonDominatedBoxes``) instead of the improvement of the optimistic point.
        public var expectedImprovement: Bool
        /// Whether each objective's model is fitted on values warped by ``OutputWarper`` rather than only standardized.
        public var warpsObjectives: Bool
        /// How far below the worst observation the reference point lies, per objective in model units.
        public var referenceMargin: Double

        public init(exactImprovement: Bool = true, scalarizations: Int = 256, beta: Double? = 0.3, frontCenters: Int = 20,
                    spreadCenters: Bool = true, explorationPeriod: Int = 0, explorationBeta: Double? = nil,
                    expectedImprovement: Bool = true, warpsObjectives: Bool = false, referenceMargin: Double = 0.1) {
            self.exactImprovement = exactImprovement
            self.scalarizations = scalarizations
            self.beta = beta
            self.frontCenters = frontCenters
            self.spreadCenters = spreadCenters
            self.explorationPeriod = explorationPeriod
            self.explorationBeta = explorationBeta
            self.expectedImprovement = expectedImprovement
            self.warpsObjectives = warpsObjectives
            self.referenceMargin = referenceMargin
        }

        /// What every study uses: the expected hypervolume improvement on every suggestion, objectives only
        /// standardized (not warped), perturbations of 20 trials spread along the front. On the tuning seeds
        /// (1000–1009) it beat ``optimisticPoint`` on ZDT1–3 and DTLZ2 (docs/algorithms.md).
        public static let standard = AcquisitionOptions()
        /// The acquisition before the expected improvement: the exact improvement of `μ + 0.3 σ`, and of
        /// `μ + ucbBeta σ` on every fifth model-based suggestion, on warped objectives.
        public static let optimisticPoint = AcquisitionOptions(explorationPeriod: 5, expectedImprovement: false, warpsObjectives: true)
        /// The acquisition before the exact improvement: 256 random scalarizations of `μ + ucbBeta σ` on every
        /// suggestion, perturbations of the front's 20 earliest trials.
        public static let scalarized = AcquisitionOptions(exactImprovement: false, beta: nil, spreadCenters: false, explorationPeriod: 0,
                                                          expectedImprovement: false, warpsObjectives: true)
    }

    /// - Parameters:
    ///   - cache: keeps each model's hyperparameters between suggestions (the refit policy above); `nil` refits every
    ///     model on every suggestion.
    /// - Throws: `DesignerError` when the search space cannot be searched (no parameters, a malformed parameter).
    public init(spec: StudySpec, settings: GaussianProcessSettings, cache: GaussianProcessCache? = nil,
                acquisition: AcquisitionOptions = .standard) throws(DesignerError) {
        self.initialDesign = try QuasiRandomDesigner(spec: spec, fallback: .halton)
        self.spec = spec
        self.settings = settings
        self.cache = cache
        self.acquisition = acquisition
        self.encoding = FeatureEncoding(space: spec.searchSpace)
    }

    public var historyScope: HistoryScope { .finalMeasurements }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        let count = Swift.max(request.count, 0)
        guard count > 0 else { return [] }
        var generator = SeededGenerator(seed: spec.seed, stream: UInt64(truncatingIfNeeded: request.trialCount) ^ 0x4D4F_4750_4241_4E44)
        var data = MultiMetricTrainingData(request: request, objective: spec.objective, encoding: encoding)

        var suggestions: [ParameterAssignment] = []
        for assignment in try initialDesign.initialAssignments(for: request, count: count, initialTrials: settings.initialTrials,
                                                               modelReady: data.points.count >= 2) {
            suggestions.append(assignment)
            data.knownAssignments.insert(assignment)
            if let features = encoding.features(of: assignment) { data.pendingPoints.append(features) }
        }
        guard suggestions.count < count else { return suggestions }

        guard var models = fitModels(data, generator: &generator) else {
            return suggestions + (try initialDesign.assignments(from: request.trialCount + suggestions.count, count: count - suggestions.count))
        }
        for point in data.pendingPoints { models = models.conditioned(on: point) }
        let weights = acquisition.exactImprovement ? []
            : Self.weights(count: acquisition.scalarizations, dimensions: models.objectives.count, generator: &generator)
        let modelSuggestion = request.trialCount - settings.initialTrials
        let period = acquisition.explorationPeriod
        let explores = period > 0 && modelSuggestion >= 0 && modelSuggestion % period == period - 1
        let beta = (explores ? acquisition.explorationBeta : acquisition.beta) ?? settings.ucbBeta
        let expected = acquisition.expectedImprovement && !explores
        var scorer = models.scorer(weights: weights, beta: beta, exact: acquisition.exactImprovement, expected: expected)

        while suggestions.count < count {
            let candidates = candidateSet(data: data, models: models, generator: &generator)
            guard let chosen = choose(candidates, models: models, scorer: scorer, data: data, generator: &generator) else { break }
            suggestions.append(chosen.assignment)
            data.knownAssignments.insert(chosen.assignment)
            if suggestions.count < count {
                models = models.conditioned(on: chosen.features)
                if expected { scorer = models.scorer(weights: weights, beta: beta, exact: acquisition.exactImprovement, expected: true) }
            }
        }
        return suggestions
    }

    // MARK: Models

    /// The fitted models with what scoring needs from the data.
    struct Models: Sendable {
        var objectives: [GaussianProcessModel]
        /// Each constraint's model and its threshold in the model's standardized units; `nil` while the
        /// constraint has fewer than two observations (then it counts as met).
        var constraints: [(model: GaussianProcessModel, threshold: Double)?]
        /// The feasible trials' warped objective vectors.
        var feasibleVectors: [[Double]]
        /// The scalarizations' reference point in warped units: below every observation.
        var reference: [Double]
        var hasConstraints: Bool
        /// The posterior means of the pending points that the constraint models expect to be feasible (warped units):
        /// the kriging believer's observations, part of the front that the expected improvement measures against.
        var believedVectors: [[Double]] = []

        func conditioned(on point: [Double]) -> Models {
            var copy = self
            let means = objectives.map { $0.predictWithGradient(at: point).mean }
            if constraints.allSatisfy({ entry in entry.map { $0.model.predictWithGradient(at: point).mean >= $0.threshold } ?? true }) {
                copy.believedVectors.append(means)
            }
            copy.objectives = zip(objectives, means).map { $0.conditioned(on: point, value: $1) }
            copy.constraints = constraints.map { entry in
                entry.map { ($0.model.conditioned(on: point, value: $0.model.predictWithGradient(at: point).mean), $0.threshold) }
            }
            return copy
        }

        func scorer(weights: [[Double]], beta: Double, exact: Bool, expected: Bool = false) -> Scorer {
            let m = Double(objectives.count)
            let best = weights.map { w in feasibleVectors.map { Scorer.scalarize($0, reference: reference, weight: w) }.max() ?? 0 }
            let front = exact ? ParetoFront.nonDominatedIndices(feasibleVectors).map { feasibleVectors[$0] } : []
            return Scorer(weights: weights, bestScalarized: best, bestPowered: best.map { Foundation.pow($0, m) }, beta: beta,
                          incumbent: feasibleVectors.map { $0[0] }.max(), anyFeasible: !feasibleVectors.isEmpty,
                          reference: reference, hasConstraints: hasConstraints, exact: exact, front: front,
                          boxes: expected && objectives.count > 1
                              ? NonDominatedBoxes(front: feasibleVectors + believedVectors, reference: reference) : nil)
        }
    }

    /// Scores candidates from the models' predictions; larger is better.
    struct Scorer: Sendable {
        var weights: [[Double]]
        var bestScalarized: [Double]
        var bestPowered: [Double]
        var beta: Double
        /// The best feasible warped value of the only objective (constrained EI).
        var incumbent: Double?
        var anyFeasible: Bool
        var reference: [Double]
        var hasConstraints: Bool
        /// Whether the improvement is computed exactly against `front` instead of by the scalarizations.
        var exact = false
        /// The feasible trials' non-dominated warped vectors (only for the exact improvement).
        var front: [[Double]] = []
        /// The region the feasible trials and the believed pending points do not dominate, when the score is the
        /// expected hypervolume improvement.
        var boxes: NonDominatedBoxes?

        static func scalarize(_ y: [Double], reference: [Double], weight: [Double]) -> Double {
            var value = Double.infinity
            for k in y.indices { value = Swift.min(value, Swift.max(0, (y[k] - reference[k]) / weight[k])) }
            return value
        }

        /// - Parameters: `means`/`variances` per objective; `feasibility` the probability every constraint is met.
        func score(means: [Double], variances: [Double], feasibility: Double) -> Double {
            if hasConstraints && !anyFeasible { return feasibility }
            if means.count == 1 {
                let deviation = Swift.max(variances[0], 1e-300).squareRoot()
                guard let incumbent else { return feasibility * (means[0] + beta * deviation) }
                let z = (means[0] - incumbent) / deviation
                let improvement = deviation * (z * NormalDistribution.cumulative(z) + NormalDistribution.density(z))
                return feasibility * improvement
            }
            if let boxes {
                return feasibility * boxes.expectedImprovement(means: means, deviations: variances.map { Swift.max($0, 0).squareRoot() })
            }
            let optimistic = means.indices.map { means[$0] + beta * Swift.max(variances[$0], 0).squareRoot() }
            if exact { return feasibility * MultiObjectiveGaussianProcessDesigner.improvement(of: optimistic, front: front, reference: reference) }
            let m = Double(means.count)
            var total = 0.0
            for (index, weight) in weights.enumerated() {
                let value = Self.scalarize(optimistic, reference: reference, weight: weight)
                if value > bestScalarized[index] { total += Foundation.pow(value, m) - bestPowered[index] }
            }
            return feasibility * total / Double(weights.count)
        }
    }

    /// The hypervolume `point` adds to `front` above `reference`: the volume of the box between them less the
    /// hypervolume of the front clipped to that box (every vector larger-better).
    static func improvement(of point: [Double], front: [[Double]], reference: [Double]) -> Double {
        var box = 1.0
        for k in point.indices {
            guard point[k] > reference[k] else { return 0 }
            box *= point[k] - reference[k]
        }
        var clipped: [[Double]] = []
        clipped.reserveCapacity(front.count)
        for vector in front {
            var inside = vector
            var dominates = true
            for k in point.indices {
                if vector[k] < point[k] {
                    dominates = false
                } else {
                    inside[k] = point[k]
                }
            }
            if dominates { return 0 }
            clipped.append(inside)
        }
        return Swift.max(box - Hypervolume.of(clipped, reference: reference), 0)
    }

    /// Weight vectors uniform on the positive part of the unit sphere: absolute values of Gaussians, normalized.
    static func weights(count: Int, dimensions: Int, generator: inout SeededGenerator) -> [[Double]] {
        (0..<count).map { _ in
            var w = (0..<dimensions).map { _ in Swift.abs(generator.nextGaussian()) + 1e-12 }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for k in w.indices { w[k] /= norm }
            return w
        }
    }

    func fitModels(_ data: MultiMetricTrainingData, generator: inout SeededGenerator) -> Models? {
        var objectives: [GaussianProcessModel] = []
        var warpedColumns: [[Double]] = []
        for values in data.objectiveValues {
            let warped = acquisition.warpsObjectives ? OutputWarper().warp(values) : Self.standardized(values)
            guard let model = fit(model: objectives.count, points: data.points, values: warped, generator: &generator) else { return nil }
            objectives.append(model)
            warpedColumns.append(warped)
        }
        var constraints: [(model: GaussianProcessModel, threshold: Double)?] = []
        for (points, slacks) in zip(data.constraintPoints, data.constraintSlacks) {
            guard slacks.count >= 2 else {
                constraints.append(nil)
                continue
            }
            let mean = slacks.reduce(0, +) / Double(slacks.count)
            let spread = (slacks.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(slacks.count)).squareRoot()
            let scale = spread > 0 ? spread : Swift.max(Swift.abs(mean), 1)
            guard let model = fit(model: objectives.count + constraints.count, points: points, values: slacks.map { ($0 - mean) / scale },
                                  generator: &generator) else { return nil }
            constraints.append((model, -mean / scale))
        }
        let vectors = data.points.indices.map { i in warpedColumns.map { $0[i] } }
        let feasibleVectors = vectors.indices.filter { data.feasible[$0] }.map { vectors[$0] }
        let reference = warpedColumns.map { ($0.min() ?? 0) - acquisition.referenceMargin }
        return Models(objectives: objectives, constraints: constraints, feasibleVectors: feasibleVectors, reference: reference,
                      hasConstraints: !spec.objective.constraints.isEmpty)
    }

    /// `values` less their mean, over their standard deviation (all 0 when they are equal).
    static func standardized(_ values: [Double]) -> [Double] {
        guard !values.isEmpty else { return [] }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
        return values.map { deviation > 0 ? ($0 - mean) / deviation : 0 }
    }

    /// With a cache, a model's hyperparameters are reused until its observations have grown by this many since they
    /// were fitted, or by 10% of them when that is more.
    public static let refitInterval = 5

    /// Model `index` (the objectives in order, then the constraints): with cached hyperparameters that are current
    /// under ``refitInterval``, conditioned on the data with them; otherwise fitted (warm-started from the cached
    /// ones, if any) and cached.
    func fit(model index: Int, points rows: [[Double]], values: [Double], generator: inout SeededGenerator) -> GaussianProcessModel? {
        let d = encoding.dimensions
        let cached = cache?.modelFit(index, featureCount: d)
        if let cached, rows.count < cached.observationCount + Swift.max(Self.refitInterval, cached.observationCount / 10),
           let model = try? GaussianProcessModel(points: matrix(rows), values: values, hyperparameters: cached.hyperparameters) {
            return model
        }
        guard let model = fit(points: rows, values: values, warmStart: cached?.hyperparameters.vector, generator: &generator) else { return nil }
        cache?.storeModelFit(.init(hyperparameters: model.hyperparameters, observationCount: rows.count, featureCount: d, model: nil), at: index)
        return model
    }

    /// Observations above which the hyperparameters are fitted on a seeded random subset of this many.
    public static let hyperparameterSubsetSize = 200

    /// One GP by MAP: from the default start, plus a random start while the data are few. Beyond
    /// ``hyperparameterSubsetSize`` observations the hyperparameters are fitted on a seeded random subset of that
    /// size (each likelihood evaluation costs O(n³), and every objective and constraint has its own model), and the
    /// model is then conditioned on every observation with them.
    func fit(points rows: [[Double]], values: [Double], warmStart: [Double]?, generator: inout SeededGenerator) -> GaussianProcessModel? {
        if rows.count > Self.hyperparameterSubsetSize {
            var indices = Array(rows.indices)
            for i in 0..<Self.hyperparameterSubsetSize {
                indices.swapAt(i, i + generator.nextIndex(below: indices.count - i))
            }
            let subset = indices.prefix(Self.hyperparameterSubsetSize)
            guard let fitted = fit(points: subset.map { rows[$0] }, values: subset.map { values[$0] }, warmStart: warmStart,
                                   generator: &generator) else { return nil }
            return try? GaussianProcessModel(points: matrix(rows), values: values, hyperparameters: fitted.hyperparameters)
        }
        let n = rows.count
        let d = encoding.dimensions
        let points = matrix(rows)
        let prior = HyperparameterPrior(dimensions: d)
        var starts = [prior.defaultStart]
        let lower = prior.lowerBounds
        let upper = prior.upperBounds
        if let warmStart, warmStart.count == lower.count {
            starts.append((0..<warmStart.count).map { Swift.min(Swift.max(warmStart[$0], lower[$0]), upper[$0]) })
        }
        for _ in 0..<(n <= 30 ? 1 : 0) {
            var theta = prior.defaultStart
            for k in 0..<d {
                theta[k] = Foundation.log(0.05 + 1.5 * generator.nextUnit()) + 0.5 * Foundation.log(Double(Swift.max(d, 1)))
            }
            theta[d] = 0.5 * generator.nextGaussian()
            starts.append((0..<theta.count).map { Swift.min(Swift.max(theta[$0], lower[$0]), upper[$0]) })
        }
        let options = BoundedLBFGS.Options(memory: 8, maxIterations: 80, maxEvaluations: 120, gradientTolerance: 1e-3, relativeTolerance: 1e-6)
        return try? GaussianProcessModel.fit(points: points, values: values, prior: prior, starts: starts, options: options)
    }

    /// Feature rows as a column-major matrix.
    func matrix(_ rows: [[Double]]) -> Matrix {
        let n = rows.count
        let d = encoding.dimensions
        var elements = [Double](repeating: 0, count: n * d)
        for (i, point) in rows.enumerated() {
            for k in 0..<d { elements[i + k * n] = point[k] }
        }
        return Matrix(rows: n, columns: d, elements: elements)
    }

    // MARK: Candidates

    /// Unit-cube candidates: perturbations of the front's trials at three scales, then scrambled Halton points.
    func candidateSet(data: MultiMetricTrainingData, models: Models, generator: inout SeededGenerator) -> [[Double]] {
        let n = data.points.count
        let modelCount = models.objectives.count + models.constraints.count
        let wanted = Swift.min(2000, 500 + 150 * encoding.dimensions)
        let total = Swift.max(Swift.min(wanted, Int(2e8 / Double(Swift.max(n * n * modelCount, 1)))), 300)
        var unitPoints: [[Double]] = []
        unitPoints.reserveCapacity(total)
        let vectors = data.points.indices.filter { data.feasible[$0] }
        let front = ParetoFront.nonDominatedIndices(vectors.map { i in data.objectiveValues.map { $0[i] } }).map { vectors[$0] }
        let centerCount = Swift.min(acquisition.frontCenters, front.count)
        let centers: [Int]
        if acquisition.spreadCenters {
            let first = data.objectiveValues[0]
            let sorted = front.sorted { first[$0] < first[$1] || (first[$0] == first[$1] && $0 < $1) }
            centers = (0..<centerCount).map { sorted[$0 * sorted.count / centerCount] }
        } else {
            centers = Array(front.prefix(centerCount))
        }
        let perCenter = total / 4 / Swift.max(centers.count, 1)
        let scales = [0.01, 0.05, 0.15]
        for index in centers {
            let center = encoding.unitPoint(of: data.points[index])
            for draw in 0..<perCenter {
                unitPoints.append(perturbed(center, scale: scales[draw % scales.count], generator: &generator))
            }
        }
        let halton = HaltonSequence(dimensions: spec.searchSpace.parameters.count, seed: generator.next(), scrambled: true)
        var index: UInt64 = 0
        while unitPoints.count < total {
            unitPoints.append(halton.point(at: index))
            index += 1
        }
        return unitPoints
    }

    func perturbed(_ center: [Double], scale: Double, generator: inout SeededGenerator) -> [Double] {
        var point = center
        for (p, slot) in encoding.slots.enumerated() {
            switch slot {
            case .numeric:
                point[p] = Swift.min(Swift.max(center[p] + scale * generator.nextGaussian(), 0), 1)
            case .categorical:
                if generator.nextUnit() < 0.2 { point[p] = generator.nextUnit() }
            }
        }
        return point
    }

    /// The scores of unit-cube points.
    func scores(_ unitPoints: [[Double]], models: Models, scorer: Scorer) -> (features: [[Double]], scores: [Double]) {
        let features = unitPoints.map { encoding.snapped(encoding.features(atUnit: $0)) }
        let rows = features.count
        let d = encoding.dimensions
        var elements = [Double](repeating: 0, count: rows * d)
        for (row, point) in features.enumerated() {
            for k in 0..<d { elements[row + k * rows] = point[k] }
        }
        let queries = Matrix(rows: rows, columns: d, elements: elements)
        let objectivePredictions = models.objectives.map { $0.predict(queries) }
        var feasibility = [Double](repeating: 1, count: rows)
        for entry in models.constraints {
            guard let entry else { continue }
            let prediction = entry.model.predict(queries)
            for row in 0..<rows {
                let deviation = Swift.max(prediction.variance[row], 1e-300).squareRoot()
                feasibility[row] *= NormalDistribution.cumulative((prediction.mean[row] - entry.threshold) / deviation)
            }
        }
        let scores = (0..<rows).map { row in
            scorer.score(means: objectivePredictions.map { $0.mean[row] }, variances: objectivePredictions.map { $0.variance[row] },
                         feasibility: feasibility[row])
        }
        return (features, scores)
    }

    /// ``best(_:models:scorer:data:generator:)``, except that when every candidate's expected improvement is 0 (it
    /// underflows where the models are sure that nothing improves), the candidates are ranked by the improvement of the
    /// optimistic point at `ucbBeta` instead of the first one being taken.
    func choose(_ candidates: [[Double]], models: Models, scorer: Scorer, data: MultiMetricTrainingData,
                generator: inout SeededGenerator) -> (features: [Double], assignment: ParameterAssignment, score: Double)? {
        let chosen = best(candidates, models: models, scorer: scorer, data: data, generator: &generator)
        guard scorer.boxes != nil, let chosen, chosen.score <= 0 else { return chosen }
        let optimistic = models.scorer(weights: [], beta: acquisition.explorationBeta ?? settings.ucbBeta, exact: true)
        return best(candidates, models: models, scorer: optimistic, data: data, generator: &generator) ?? chosen
    }

    /// The best candidate that is not a repeat and its score, after a second round of perturbations around the best
    /// four.
    func best(_ candidates: [[Double]], models: Models, scorer: Scorer, data: MultiMetricTrainingData,
              generator: inout SeededGenerator) -> (features: [Double], assignment: ParameterAssignment, score: Double)? {
        let first = scores(candidates, models: models, scorer: scorer)
        let leaders = first.scores.indices.sorted { first.scores[$0] > first.scores[$1] || (first.scores[$0] == first.scores[$1] && $0 < $1) }
        var local: [[Double]] = []
        for index in leaders.prefix(4) {
            let center = encoding.unitPoint(of: first.features[index])
            for draw in 0..<48 { local.append(perturbed(center, scale: [0.005, 0.02][draw % 2], generator: &generator)) }
        }
        let second = scores(local, models: models, scorer: scorer)
        let features = first.features + second.features
        let allScores = first.scores + second.scores
        let order = allScores.indices.sorted { allScores[$0] > allScores[$1] || (allScores[$0] == allScores[$1] && $0 < $1) }
        for index in order {
            let assignment = encoding.assignment(of: features[index])
            if !data.knownAssignments.contains(assignment) { return (features[index], assignment, allScores[index]) }
        }
        return nil
    }
}

extension GaussianProcessCache {
    /// The fit of the several-objective designer's model `index`, if one with `featureCount` features is kept.
    func modelFit(_ index: Int, featureCount: Int) -> Entry? {
        modelFits.withLock { fits in
            guard index < fits.count, let entry = fits[index], entry.featureCount == featureCount else { return nil }
            return entry
        }
    }

    /// Keeps the fit of the several-objective designer's model `index`.
    func storeModelFit(_ entry: Entry, at index: Int) {
        modelFits.withLock { fits in
            if fits.count <= index { fits += [Entry?](repeating: nil, count: index + 1 - fits.count) }
            fits[index] = entry
        }
    }
}
