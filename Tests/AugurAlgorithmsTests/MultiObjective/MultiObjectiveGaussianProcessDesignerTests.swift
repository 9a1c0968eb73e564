import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

@Suite struct MultiObjectiveGaussianProcessDesignerTests {
    /// ZDT1 in four dimensions: both objectives minimized, the front is f2 = 1 − √f1 at x1…x3 = 0.
    static func zdt1(_ x: [Double]) -> [String: Double] {
        let g = 1 + 9 * x.dropFirst().reduce(0, +) / Double(x.count - 1)
        return ["f1": x[0], "f2": g * (1 - (x[0] / g).squareRoot())]
    }

    static func space(dimensions: Int) -> SearchSpace {
        SearchSpace((0..<dimensions).map { ParameterSpec.double("x\($0)", min: 0, max: 1) })
    }

    static let twoObjectives = Objective(metric: "f1", goal: .minimize, additionalMetrics: [MetricSpec(name: "f2", goal: .minimize)])

    static func spec(_ objective: Objective, algorithm: AlgorithmSpec, dimensions: Int, seed: UInt64) -> StudySpec {
        StudySpec(name: "test", searchSpace: space(dimensions: dimensions), objective: objective, algorithm: algorithm, seed: seed)
    }

    static func point(_ assignment: ParameterAssignment, dimensions: Int) -> [Double] {
        (0..<dimensions).map { assignment["x\($0)"]?.doubleValue ?? .nan }
    }

    /// Runs `budget` trials, `batch` at a time, evaluating each with `evaluate`; returns the completed trials.
    static func run(_ spec: StudySpec, budget: Int, batch: Int = 1, evaluate: ([Double]) -> [String: Double]) throws -> [Trial] {
        let designer = try DesignerFactory.make(for: spec)
        var history: [Trial] = []
        while history.count < budget {
            let request = DesignRequest(count: min(batch, budget - history.count), history: history, trialCount: history.count)
            let assignments = try designer.suggest(request)
            #expect(assignments.count == request.count)
            for assignment in assignments {
                history.append(Trial(id: history.count + 1, study: "test", parameters: assignment, state: .completed,
                                     createdAt: Date(timeIntervalSince1970: 0),
                                     finalMeasurement: TrialMeasurement(metrics: evaluate(point(assignment, dimensions: spec.searchSpace.parameters.count)))))
            }
        }
        return history
    }

    static func hypervolume(_ trials: [Trial], objective: Objective, reference: [Double]) -> Double {
        let outcomes = TrialOutcomes(finalMetrics: trials.map { ($0.id, $0.finalMeasurement?.metrics ?? [:]) }, objective: objective)
        return Hypervolume.of(outcomes.vectors, reference: objective.referencePointInMetricUnits(reference))
    }

    @Test func factoryPicksItForSeveralObjectivesAndConstraints() throws {
        let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings())
        #expect(try DesignerFactory.make(for: Self.spec(Self.twoObjectives, algorithm: gp, dimensions: 2, seed: 1)) is MultiObjectiveGaussianProcessDesigner)
        let constrained = Objective(metric: "y", goal: .minimize, additionalMetrics: [MetricSpec(name: "c", constraint: OutcomeConstraint(.atMost, 0))])
        #expect(try DesignerFactory.make(for: Self.spec(constrained, algorithm: gp, dimensions: 2, seed: 1)) is MultiObjectiveGaussianProcessDesigner)
        let recordedOnly = Objective(metric: "y", goal: .minimize, additionalMetrics: [MetricSpec(name: "time")])
        #expect(try DesignerFactory.make(for: Self.spec(recordedOnly, algorithm: gp, dimensions: 2, seed: 1)) is GaussianProcessDesigner)
    }

    /// On ZDT1 (4-D, 40 trials) the front the bandit finds dominates more than random search's, for each of three
    /// seeds (these are test seeds; the benchmark reports others).
    @Test(arguments: [101, 102, 103] as [UInt64])
    func findsALargerFrontThanRandomSearch(seed: UInt64) throws {
        let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings(initialTrials: 10))
        let reference = [1.1, 11.0]
        let found = try Self.run(Self.spec(Self.twoObjectives, algorithm: gp, dimensions: 4, seed: seed), budget: 40, evaluate: Self.zdt1)
        let random = try Self.run(Self.spec(Self.twoObjectives, algorithm: .random, dimensions: 4, seed: seed), budget: 40, evaluate: Self.zdt1)
        let gpVolume = Self.hypervolume(found, objective: Self.twoObjectives, reference: reference)
        let randomVolume = Self.hypervolume(random, objective: Self.twoObjectives, reference: reference)
        #expect(gpVolume > randomVolume, "GP \(gpVolume) vs random \(randomVolume)")
    }

    /// Minimize x0 + x1 on the unit square subject to a disk of radius 0.3 around the centre: the bandit learns
    /// where the constraint holds and ends near the disk's lower-left edge (0.5 − 0.3/√2 in each coordinate).
    /// (Of twelve seeds, 201–212, eleven put at least four of the last ten trials there; the late trials' being
    /// mostly feasible, asserted before, held on seven of twelve only.)
    @Test(arguments: [201, 202, 203] as [UInt64])
    func constrainedSearchStaysFeasibleAndImproves(seed: UInt64) throws {
        let objective = Objective(metric: "y", goal: .minimize,
                                  additionalMetrics: [MetricSpec(name: "distance", constraint: OutcomeConstraint(.atMost, 0.3))])
        let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings(initialTrials: 8))
        let trials = try Self.run(Self.spec(objective, algorithm: gp, dimensions: 2, seed: seed), budget: 30) { x in
            ["y": x[0] + x[1], "distance": ((x[0] - 0.5) * (x[0] - 0.5) + (x[1] - 0.5) * (x[1] - 0.5)).squareRoot()]
        }
        let feasible = trials.filter { objective.isFeasible($0.finalMeasurement?.metrics ?? [:]) }
        let best = feasible.compactMap { $0.finalValue(of: "y") }.min() ?? .infinity
        let optimum = 1 - 0.6 / 2.0.squareRoot()
        #expect(best < optimum + 0.05, "best feasible \(best), optimum \(optimum)")
        // The optimum lies on the constraint's edge, so the late trials straddle it (on some seeds fewer than half are
        // feasible); what constrained EI promises is that they gather there: random search puts under one in ten
        // within 0.05 of the edge near the optimum.
        let nearEdge = trials.suffix(10).filter { trial in
            abs((trial.finalValue(of: "distance") ?? 1) - 0.3) < 0.05 && (trial.finalValue(of: "y") ?? 2) < optimum + 0.2
        }.count
        #expect(nearEdge >= 4, "\(nearEdge) of the last 10 trials near the edge by the optimum")
    }

    @Test func batchesArePendingAwareDistinctAndDeterministic() throws {
        let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings(initialTrials: 6))
        let spec = Self.spec(Self.twoObjectives, algorithm: gp, dimensions: 3, seed: 7)
        let first = try Self.run(spec, budget: 18, batch: 4, evaluate: Self.zdt1)
        let second = try Self.run(spec, budget: 18, batch: 4, evaluate: Self.zdt1)
        #expect(first.map(\.parameters) == second.map(\.parameters))
        #expect(Set(first.map(\.parameters)).count == first.count)
    }

    @Test func failedInfeasibleAndIncompleteTrialsKeepTheModelFinite() throws {
        let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings(initialTrials: 4))
        let objective = Objective(metric: "f1", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "f2", goal: .maximize), MetricSpec(name: "c", constraint: OutcomeConstraint(.atLeast, 0.5)),
        ])
        let spec = Self.spec(objective, algorithm: gp, dimensions: 2, seed: 3)
        let designer = try DesignerFactory.make(for: spec)
        let states: [TrialState] = [.completed, .failed, .completed, .infeasible, .completed, .completed, .active, .completed]
        var history: [Trial] = []
        for (index, state) in states.enumerated() {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: history, trialCount: index)).first)
            let x = Self.point(assignment, dimensions: 2)
            var metrics = ["f1": x[0], "f2": x[1] * x[0], "c": x[1]]
            if index == 5 { metrics["f2"] = nil }          // completed without every objective
            if index == 7 { metrics["c"] = .infinity }      // a constraint value the model cannot use
            history.append(Trial(id: index + 1, study: "test", parameters: assignment, state: state, createdAt: Date(timeIntervalSince1970: 0),
                                 finalMeasurement: state == .completed ? TrialMeasurement(metrics: metrics) : nil))
        }
        let next = try designer.suggest(DesignRequest(count: 3, history: history, trialCount: history.count))
        #expect(next.count == 3)
        for assignment in next {
            #expect(spec.searchSpace.isValid(assignment))
            let finite = Self.point(assignment, dimensions: 2).allSatisfy { $0.isFinite }
            #expect(finite)
        }
    }

    /// Beyond 200 observations the hyperparameters come from a seeded subset: the suggestion is still a valid,
    /// repeatable point.
    @Test func largeHistoriesFitOnASeededSubsetDeterministically() throws {
        let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings(initialTrials: 4))
        let spec = Self.spec(Self.twoObjectives, algorithm: gp, dimensions: 3, seed: 11)
        let history = try Self.run(Self.spec(Self.twoObjectives, algorithm: .random, dimensions: 3, seed: 11), budget: 230, evaluate: Self.zdt1)
        let designer = try DesignerFactory.make(for: spec)
        let first = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: history.count))
        let second = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: history.count))
        #expect(first.count == 1 && first == second)
        #expect(first.allSatisfy { spec.searchSpace.isValid($0) })
    }

    /// The exact improvement is the hypervolume a point adds to the front, HV(front ∪ {u}) − HV(front), on random
    /// fronts and points (some below the reference, some dominated) in two and three dimensions.
    @Test(arguments: [2, 3])
    func exactImprovementIsTheHypervolumeAdded(dimensions: Int) {
        var generator = SeededGenerator(seed: UInt64(dimensions))
        let reference = [Double](repeating: 0, count: dimensions)
        for _ in 0..<300 {
            let points = (0..<(1 + generator.nextIndex(below: 12))).map { _ in (0..<dimensions).map { _ in generator.nextUnit() } }
            let front = ParetoFront.nonDominatedIndices(points).map { points[$0] }
            let candidate = (0..<dimensions).map { _ in generator.nextUnit() * 1.2 - 0.1 }
            let expected = Hypervolume.of(front + [candidate], reference: reference) - Hypervolume.of(front, reference: reference)
            let actual = MultiObjectiveGaussianProcessDesigner.improvement(of: candidate, front: front, reference: reference)
            #expect(abs(actual - expected) < 1e-12, "\(candidate) against \(front)")
        }
    }

    /// With a cache, every model (two objectives and a constraint) is fitted once and its hyperparameters are reused
    /// until the observations have grown by `refitInterval`; then each is refitted, and a reset forgets them.
    @Test func cachedHyperparametersAreReusedUntilTheDataGrow() throws {
        let objective = Objective(metric: "f1", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "f2", goal: .minimize), MetricSpec(name: "c", constraint: OutcomeConstraint(.atMost, 0.8)),
        ])
        let spec = Self.spec(objective, algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 4)), dimensions: 3, seed: 5)
        let history = try Self.run(Self.spec(objective, algorithm: .random, dimensions: 3, seed: 5), budget: 30) { x in
            Self.zdt1(x).merging(["c": x[1]]) { first, _ in first }
        }
        let cache = GaussianProcessCache()
        let designer = try MultiObjectiveGaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 4), cache: cache)
        func suggest(after count: Int) throws -> [ParameterAssignment] {
            try designer.suggest(DesignRequest(count: 2, history: Array(history.prefix(count)), trialCount: count))
        }
        func fits() -> [GaussianProcessCache.Entry?] { (0..<3).map { cache.modelFit($0, featureCount: 3) } }

        #expect(try suggest(after: 20).allSatisfy { spec.searchSpace.isValid($0) })
        let first = fits()
        #expect(first.allSatisfy { $0?.observationCount == 20 })
        #expect(try suggest(after: 20 + MultiObjectiveGaussianProcessDesigner.refitInterval - 1).allSatisfy { spec.searchSpace.isValid($0) })
        let reused = fits()
        #expect(reused.map { $0?.observationCount } == first.map { $0?.observationCount })
        #expect(reused.map { $0?.hyperparameters } == first.map { $0?.hyperparameters })
        _ = try suggest(after: 20 + MultiObjectiveGaussianProcessDesigner.refitInterval)
        #expect(fits().allSatisfy { $0?.observationCount == 20 + MultiObjectiveGaussianProcessDesigner.refitInterval })
        cache.reset()
        #expect(fits().allSatisfy { $0 == nil })
    }

    /// A pending point (or a chosen member of a batch) that the constraint models expect to be feasible joins the front
    /// at its believed value, so the expected improvement there falls; one they expect to violate a constraint does not.
    @Test func believedPendingPointsJoinTheFrontWhenExpectedFeasible() throws {
        let objective = Objective(metric: "f1", goal: .minimize, additionalMetrics: [
            MetricSpec(name: "f2", goal: .minimize), MetricSpec(name: "c", constraint: OutcomeConstraint(.atMost, 0.5)),
        ])
        let history = try Self.run(Self.spec(objective, algorithm: .random, dimensions: 3, seed: 11), budget: 16) { x in
            Self.zdt1(x).merging(["c": x[1]]) { first, _ in first }
        }
        let spec = Self.spec(objective, algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 4)), dimensions: 3, seed: 11)
        let designer = try MultiObjectiveGaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 4))
        let data = MultiMetricTrainingData(request: DesignRequest(count: 1, history: history, trialCount: history.count),
                                           objective: objective, encoding: designer.encoding)
        var generator = SeededGenerator(seed: 11)
        let models = try #require(designer.fitModels(data, generator: &generator))
        #expect(models.believedVectors.isEmpty)
        func expectedImprovement(_ models: MultiObjectiveGaussianProcessDesigner.Models, at point: [Double]) -> Double {
            let predictions = models.objectives.map { $0.predictWithGradient(at: point) }
            return models.scorer(weights: [], beta: 0.3, exact: true, expected: true)
                .score(means: predictions.map(\.mean), variances: predictions.map(\.variance), feasibility: 1)
        }
        let feasible = designer.encoding.features(atUnit: [0.05, 0.1, 0.1])
        let believed = models.conditioned(on: feasible)
        #expect(believed.believedVectors.count == 1)
        let before = expectedImprovement(models, at: feasible), after = expectedImprovement(believed, at: feasible)
        #expect(before > 0 && after < 0.5 * before, "expected improvement \(before) before, \(after) after")
        #expect(models.conditioned(on: designer.encoding.features(atUnit: [0.05, 0.95, 0.1])).believedVectors.isEmpty)
    }

    /// Where the expected improvement underflows to 0 for every candidate (here: a believed point far above every
    /// observation dominates the whole region), the candidates are ranked by the optimistic point's improvement.
    @Test func vanishingExpectedImprovementFallsBackToTheOptimisticPoint() throws {
        let history = try Self.run(Self.spec(Self.twoObjectives, algorithm: .random, dimensions: 3, seed: 13), budget: 14, evaluate: Self.zdt1)
        let spec = Self.spec(Self.twoObjectives, algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: 4)), dimensions: 3, seed: 13)
        let designer = try MultiObjectiveGaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 4))
        let data = MultiMetricTrainingData(request: DesignRequest(count: 1, history: history, trialCount: history.count),
                                           objective: spec.objective, encoding: designer.encoding)
        var generator = SeededGenerator(seed: 13)
        var models = try #require(designer.fitModels(data, generator: &generator))
        let candidates = designer.candidateSet(data: data, models: models, generator: &generator)
        let usual = try #require(designer.choose(candidates, models: models, scorer: models.scorer(weights: [], beta: 0.3, exact: true, expected: true),
                                                 data: data, generator: &generator))
        #expect(usual.score > 0)
        models.believedVectors = [[1e3, 1e3]]
        let vanishing = models.scorer(weights: [], beta: 0.3, exact: true, expected: true)
        #expect(designer.scores(candidates, models: models, scorer: vanishing).scores.allSatisfy { $0 == 0 })
        let chosen = try #require(designer.choose(candidates, models: models, scorer: vanishing, data: data, generator: &generator))
        #expect(chosen.score > 0)
        #expect(spec.searchSpace.isValid(chosen.assignment))
    }

    @Test func weightsLieOnThePositiveUnitSphere() {
        var generator = SeededGenerator(seed: 1)
        for weight in MultiObjectiveGaussianProcessDesigner.weights(count: 50, dimensions: 3, generator: &generator) {
            let positive = weight.allSatisfy { $0 > 0 }
            #expect(positive)
            #expect(abs(weight.reduce(0) { $0 + $1 * $1 } - 1) < 1e-12)
        }
    }
}
