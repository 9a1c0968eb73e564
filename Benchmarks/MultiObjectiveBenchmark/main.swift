import AugurAlgorithms
import AugurCore
import AugurMath
import AugurService
import AugurStorage
import Foundation

// Several objectives and outcome constraints: front quality against random search (ZDT1-3, DTLZ2), a constrained
// problem (Branin with a disk constraint), suggestion latency with 2 and 3 objectives, and the Pareto-front query on
// a study of 100,000 trials. Parts: --quality, --constrained, --latency, --front (default: all).
// --seeds N (default 10) from --first-seed S (default 1) and --trials N (default 100) size the quality parts,
// --problems ZDT1,DTLZ2 picks problems, --per-seed prints the GP's value on each seed; --front-trials N (100,000).
// --front-keep DIR keeps the front's studies (the SQLite file in DIR, the PostgreSQL studies in place) and reuses
// them on the next run with the same DIR instead of filling them again, so that two builds can be timed on the same
// data one after the other.
// The GP keeps a hyperparameter cache per study as the service does (--no-cache: refit every model on every
// suggestion). Acquisition variants, to measure them on tuning seeds: --acquisition standard|optimistic|scalarized
// (the expected hypervolume improvement, the exact improvement of an optimistic point, or 256 random
// scalarizations), then --beta B, --centers N, --spread 0|1 override one choice of it, --explore-period N
// --explore-beta B set its exploring suggestions, --expected 0|1 the expected hypervolume improvement on the others,
// --warp 0|1 the output warping, --reference-margin M the reference point's margin
// (MultiObjectiveGaussianProcessDesigner.AcquisitionOptions).
// Benchmarks/multi_objective_benchmark.py runs Optuna's samplers on the same problems, seeds and reference points.

LinearAlgebraRuntime.reexecuteWithOptimizedKernelsIfNeeded(threads: 1)

let arguments = CommandLine.arguments
func option(_ name: String, default value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}
let parts = Set(arguments.dropFirst().filter { ["--quality", "--constrained", "--latency", "--front"].contains($0) })
func runs(_ part: String) -> Bool { parts.isEmpty || parts.contains(part) }
let seeds = option("--seeds", default: 10)
let budget = option("--trials", default: 100)
let frontTrials = option("--front-trials", default: 100_000)
let firstSeed = option("--first-seed", default: 1)
func doubleOption(_ name: String) -> Double? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return Double(arguments[index + 1])
}
let usesCache = !arguments.contains("--no-cache")
let acquisition = {
    let name = arguments.firstIndex(of: "--acquisition").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    var options: MultiObjectiveGaussianProcessDesigner.AcquisitionOptions =
        name == "scalarized" ? .scalarized : name == "optimistic" ? .optimisticPoint : .standard
    if let beta = doubleOption("--beta") { options.beta = beta }
    if let centers = doubleOption("--centers") { options.frontCenters = Int(centers) }
    if let spread = doubleOption("--spread") { options.spreadCenters = spread != 0 }
    if let period = doubleOption("--explore-period") { options.explorationPeriod = Int(period) }
    if let beta = doubleOption("--explore-beta") { options.explorationBeta = beta }
    if let expected = doubleOption("--expected") { options.expectedImprovement = expected != 0 }
    if let warp = doubleOption("--warp") { options.warpsObjectives = warp != 0 }
    if let margin = doubleOption("--reference-margin") { options.referenceMargin = margin }
    return options
}()
let problemFilter = arguments.firstIndex(of: "--problems").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1].split(separator: ",").map(String.init) : nil }

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
func format(_ value: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : (sorted.count % 2 == 1 ? sorted[sorted.count / 2] : 0.5 * (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]))
}

/// A problem on [0, 1]^d whose objectives are all minimized.
struct Problem: Sendable {
    var name: String
    var dimensions: Int
    var objectives: Int
    /// The hypervolume reference point (minimization).
    var reference: [Double]
    var evaluate: @Sendable ([Double]) -> [Double]
}

let zdtG: @Sendable ([Double]) -> Double = { x in 1 + 9 * x.dropFirst().reduce(0, +) / Double(x.count - 1) }
let problems: [Problem] = [
    Problem(name: "ZDT1", dimensions: 6, objectives: 2, reference: [1.1, 11]) { x in
        let g = zdtG(x)
        return [x[0], g * (1 - (x[0] / g).squareRoot())]
    },
    Problem(name: "ZDT2", dimensions: 6, objectives: 2, reference: [1.1, 11]) { x in
        let g = zdtG(x)
        return [x[0], g * (1 - (x[0] / g) * (x[0] / g))]
    },
    Problem(name: "ZDT3", dimensions: 6, objectives: 2, reference: [1.1, 11]) { x in
        let g = zdtG(x)
        return [x[0], g * (1 - (x[0] / g).squareRoot() - x[0] / g * sin(10 * Double.pi * x[0]))]
    },
    Problem(name: "DTLZ2", dimensions: 6, objectives: 3, reference: [2.5, 2.5, 2.5]) { x in
        let g = x[2...].reduce(0) { $0 + ($1 - 0.5) * ($1 - 0.5) }
        let a = x[0] * Double.pi / 2, b = x[1] * Double.pi / 2
        return [(1 + g) * cos(a) * cos(b), (1 + g) * cos(a) * sin(b), (1 + g) * sin(a)]
    },
]

func names(_ problem: Problem) -> [String] { (0..<problem.objectives).map { "f\($0 + 1)" } }

func spec(_ problem: Problem, algorithm: AlgorithmSpec, seed: UInt64) -> StudySpec {
    let metrics = names(problem)
    let objective = Objective(metric: metrics[0], goal: .minimize,
                              additionalMetrics: metrics.dropFirst().map { MetricSpec(name: $0, goal: .minimize) }, referencePoint: problem.reference)
    let space = SearchSpace((0..<problem.dimensions).map { ParameterSpec.double("x\($0)", min: 0, max: 1) })
    return StudySpec(name: problem.name, searchSpace: space, objective: objective, algorithm: algorithm, seed: seed)
}

func point(_ assignment: ParameterAssignment, dimensions: Int) -> [Double] {
    (0..<dimensions).map { assignment["x\($0)"]?.doubleValue ?? .nan }
}

/// Runs `count` sequential trials; returns the trials and the seconds each suggestion took.
/// The designer of `spec`, with the acquisition options above for the several-objective GP.
func designer(_ spec: StudySpec, cache: GaussianProcessCache?) throws -> any Designer {
    if case .gaussianProcess(let settings) = spec.algorithm, spec.objective.ranksByMoreThanOneMetric {
        return try MultiObjectiveGaussianProcessDesigner(spec: spec, settings: settings, cache: cache, acquisition: acquisition)
    }
    return try DesignerFactory.make(for: spec, cache: cache)
}

func run(_ spec: StudySpec, count: Int, evaluate: ([Double]) -> [String: Double]) throws -> (trials: [Trial], seconds: [Double]) {
    let designer = try designer(spec, cache: usesCache ? GaussianProcessCache() : nil)
    var history: [Trial] = []
    var seconds: [Double] = []
    let dimensions = spec.searchSpace.parameters.count
    while history.count < count {
        let start = now()
        guard let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: history.count)).first else { break }
        seconds.append(now() - start)
        history.append(Trial(id: history.count + 1, study: spec.name, parameters: assignment, state: .completed,
                             createdAt: Date(timeIntervalSince1970: 0),
                             finalMeasurement: TrialMeasurement(metrics: evaluate(point(assignment, dimensions: dimensions)))))
    }
    return (history, seconds)
}

func hypervolume(_ trials: [Trial], objective: Objective) -> Double {
    let outcomes = TrialOutcomes(finalMetrics: trials.map { ($0.id, $0.finalMeasurement?.metrics ?? [:]) }, objective: objective)
    guard let reference = objective.maximizationReferencePoint else { return 0 }
    return Hypervolume.of(outcomes.vectors, reference: reference)
}

let gp = AlgorithmSpec.gaussianProcess(GaussianProcessSettings())
print("MultiObjectiveBenchmark: \(seeds) seeds (\(firstSeed)…\(firstSeed + seeds - 1)), \(budget) trials; OpenBLAS \(LinearAlgebraRuntime.kernelName)")
print("GP: \(usesCache ? "hyperparameter cache per study" : "no cache"); acquisition \(acquisition)")

if runs("--quality") {
    print("\n## Hypervolume of the front after \(budget) trials (larger is better; reference point per problem)")
    print("problem | reference | GP median | GP worst | random median | random worst | GP s/trial")
    for problem in problems where problemFilter?.contains(problem.name) ?? true {
        var volumes: [String: [Double]] = ["gp": [], "random": []]
        var gpSeconds: [Double] = []
        for seed in firstSeed..<(firstSeed + seeds) {
            for (label, algorithm) in [("gp", gp), ("random", AlgorithmSpec.random)] {
                let study = spec(problem, algorithm: algorithm, seed: UInt64(seed))
                let result = try run(study, count: budget) { x in Dictionary(uniqueKeysWithValues: zip(names(problem), problem.evaluate(x))) }
                volumes[label, default: []].append(hypervolume(result.trials, objective: study.objective))
                if label == "gp" { gpSeconds += result.seconds }
            }
        }
        let g = volumes["gp"] ?? [], r = volumes["random"] ?? []
        if arguments.contains("--per-seed") { print("  \(problem.name) GP per seed: \(g.map { format($0) }.joined(separator: ", "))") }
        print("\(problem.name) | \(problem.reference.map { format($0, 1) }.joined(separator: ",")) | \(format(median(g))) | \(format(g.min() ?? .nan)) | "
            + "\(format(median(r))) | \(format(r.min() ?? .nan)) | \(format(gpSeconds.reduce(0, +) / Double(max(gpSeconds.count, 1)), 3))")
    }
}

if runs("--constrained") {
    // Branin on [−5, 10] × [0, 15] subject to (x1 − 2.5)² + (x2 − 7.5)² ≤ 50 (Gelbart et al. 2014); the constrained
    // minimum is Branin's own at (π, 2.275), 0.397887.
    print("\n## Branin with a disk constraint, \(budget) trials: regret of the best feasible trial (smaller is better)")
    print("algorithm | median regret | worst regret | median feasible trials")
    let objective = Objective(metric: "branin", goal: .minimize,
                              additionalMetrics: [MetricSpec(name: "disk", constraint: OutcomeConstraint(.atMost, 50))])
    let space = SearchSpace([.double("x0", min: -5, max: 10), .double("x1", min: 0, max: 15)])
    for (label, algorithm) in [("gp", gp), ("random", AlgorithmSpec.random), ("tpe", AlgorithmSpec.treeParzen(TreeParzenSettings()))] {
        var regrets: [Double] = []
        var feasibleCounts: [Double] = []
        for seed in firstSeed..<(firstSeed + seeds) {
            let study = StudySpec(name: "branin-disk", searchSpace: space, objective: objective, algorithm: algorithm, seed: UInt64(seed))
            let result = try run(study, count: budget) { x in
                let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
                let term = x[1] - b * x[0] * x[0] + c * x[0] - 6
                return ["branin": term * term + 10 * (1 - t) * cos(x[0]) + 10,
                        "disk": (x[0] - 2.5) * (x[0] - 2.5) + (x[1] - 7.5) * (x[1] - 7.5)]
            }
            let feasible = result.trials.filter { objective.isFeasible($0.finalMeasurement?.metrics ?? [:]) }
            regrets.append((feasible.compactMap { $0.finalValue(of: "branin") }.min() ?? .infinity) - 0.397887357729738)
            feasibleCounts.append(Double(feasible.count))
        }
        print("\(label) | \(format(median(regrets), 5)) | \(format(regrets.max() ?? .nan, 5)) | \(format(median(feasibleCounts), 1))")
    }
}

if runs("--latency") {
    print("\n## Suggestion latency (one suggestion after N completed trials, 6-D, median of 3)")
    print("Without a cache every suggestion refits every model; with one, the first suggestion (on N - 1 trials) fits and")
    print("the 3 timed ones on N trials reuse its hyperparameters, as consecutive suggestions of a study do.")
    print("objectives | trials | median seconds, no cache | median seconds, cache | cache-filling suggestion")
    for problem in [problems[0], problems[3]] {
        for trials in [100, 1000] {
            // The history: random points with their true values (what the designer sees is all that matters).
            let random = try run(spec(problem, algorithm: .random, seed: 99), count: trials) { x in
                Dictionary(uniqueKeysWithValues: zip(names(problem), problem.evaluate(x)))
            }
            let study = spec(problem, algorithm: gp, seed: 99)
            let uncached = try designer(study, cache: nil)
            var samples: [Double] = []
            for offset in 0..<3 {
                let start = now()
                _ = try uncached.suggest(DesignRequest(count: 1, history: random.trials, trialCount: random.trials.count + offset))
                samples.append(now() - start)
            }
            let cached = try designer(study, cache: GaussianProcessCache())
            let fillStart = now()
            _ = try cached.suggest(DesignRequest(count: 1, history: Array(random.trials.dropLast()), trialCount: random.trials.count - 1))
            let fill = now() - fillStart
            var cachedSamples: [Double] = []
            for offset in 0..<3 {
                let start = now()
                _ = try cached.suggest(DesignRequest(count: 1, history: random.trials, trialCount: random.trials.count + offset))
                cachedSamples.append(now() - start)
            }
            print("\(problem.objectives) | \(trials) | \(format(median(samples), 3)) | \(format(median(cachedSamples), 3)) | \(format(fill, 3))")
        }
    }
}

/// The front algorithm before the flat and staircase versions (commit 181e324), kept here as the "before" of the
/// front benchmark: arrays sorted lexicographically, and with three objectives each point tested against the front.
func previousNonDominatedIndices(_ points: [[Double]]) -> [Int] {
    guard let dimensions = points.first?.count, points.count > 1 else { return Array(points.indices) }
    func greater(_ a: [Double], _ b: [Double]) -> Bool {
        for k in a.indices where a[k] != b[k] { return a[k] > b[k] }
        return false
    }
    let order = points.indices.sorted { greater(points[$0], points[$1]) || (points[$0] == points[$1] && $0 < $1) }
    var kept: [Int] = []
    if dimensions == 2 {
        var highest = -Double.infinity
        var last: [Double]?
        for index in order where points[index][1] > highest || points[index] == last {
            kept.append(index)
            highest = Swift.max(highest, points[index][1])
            last = points[index]
        }
    } else {
        var front: [[Double]] = []
        for index in order where !front.contains(where: { ParetoFront.dominates($0, points[index]) }) {
            kept.append(index)
            front.append(points[index])
        }
    }
    return kept.sorted()
}

if runs("--front") {
    // --front-postgres URL (or AUGUR_TEST_POSTGRES_URL, as scripts/with-postgres.sh sets) adds a PostgreSQL run.
    var stores: [(name: String, make: () throws -> any StudyStore)] = []
    let kept = arguments.firstIndex(of: "--front-keep").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    let directory = kept.map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("augur-mo-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { if kept == nil { try? FileManager.default.removeItem(at: directory) } }
    stores.append(("SQLite file", { try SQLiteStudyStore(path: directory.appendingPathComponent("bench.sqlite").path) }))
    let postgresURL = arguments.firstIndex(of: "--front-postgres").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        ?? ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"]
    if let postgresURL { stores.append(("PostgreSQL", { try PostgresStudyStore(url: postgresURL) })) }
    func timed(_ body: () async throws -> Int) async throws -> (seconds: Double, count: Int) {
        var samples: [Double] = []
        var count = 0
        for _ in 0..<5 {
            let start = now()
            count = try await body()
            samples.append(now() - start)
        }
        return (median(samples), count)
    }
    for (storeName, make) in stores {
        print("\n## Pareto front of a study with \(frontTrials) completed trials (\(storeName); median of 5)")
        let store = try make()
        let service = StudyService(store: store, designers: { try RandomDesigner(spec: $0) })
        var generator = SeededGenerator(seed: 5)
        let fillStart = now()
        var studies: [(name: String, problem: Problem)] = []
        for problem in [problems[0], problems[3]] {
            var several = spec(problem, algorithm: .random, seed: 1)
            several.name = "front-\(problem.objectives)"
            several.objective.referencePoint = nil
            several.objective.additionalMetrics.append(MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 0.9)))
            // Room above the filled trials for the completions timed below.
            several.budget = Budget(maxTrials: 2 * frontTrials, parallelTrials: 2 * frontTrials)
            studies.append((several.name, problem))
            var single = several
            single.name = "single-\(problem.objectives)"
            single.objective = Objective(metric: "f1", goal: .minimize, additionalMetrics: (names(problem).dropFirst() + ["memory"]).map { MetricSpec(name: $0) })
            for study in [several, single] where problem.objectives == 2 || study.name == several.name {
                if kept != nil, try await store.study(named: study.name) != nil {
                    let counts = try await store.trialCounts(study: study.name)
                    if counts.completed == frontTrials && counts.total == frontTrials { continue }
                    try await store.deleteStudy(named: study.name)
                }
                _ = try await service.createStudy(study)
                var created = 0
                while created < frontTrials {
                    let batch = min(1000, frontTrials - created)
                    let points: [ParameterAssignment] = (0..<batch).map { _ in
                        Dictionary(uniqueKeysWithValues: (0..<6).map { ("x\($0)", ParameterValue.double(generator.nextUnit())) })
                    }
                    let trials = try await store.assignTrials(study: study.name, worker: "filler", leaseExpiresAt: nil, history: .countsOnly) { _ in
                        AssignmentPlan(create: points)
                    }
                    for trial in trials {
                        let values = problem.evaluate(point(trial.parameters, dimensions: 6))
                        var metrics = Dictionary(uniqueKeysWithValues: zip(names(problem), values))
                        metrics["memory"] = Double(trial.id % 10) / 10
                        _ = try await store.finishTrial(study: study.name, trial: trial.id, state: .completed,
                                                        finalMeasurement: TrialMeasurement(metrics: metrics), reason: nil)
                    }
                    created += trials.count
                }
            }
        }
        print("filled (or found) \(studies.count + 1) studies of \(frontTrials) trials in \(format(now() - fillStart, 1)) s")
        print("objectives | query | median ms | result")
        for (study, problem) in studies {
            guard let objective = try await store.study(named: study)?.spec.objective else { continue }
            let metrics = names(problem) + ["memory"]
            let objectivesLabel = "\(problem.objectives)"
            // Before: decode every final measurement, rank with the previous algorithm.
            let oldRead = try await timed { try await store.completedFinalMetrics(study: study, metrics: metrics).count }
            let rows = try await store.completedFinalMetrics(study: study, metrics: metrics)
            let oldOutcomes = TrialOutcomes(finalMetrics: rows, objective: objective)
            let oldVectors = oldOutcomes.vectors
            let oldFront = try await timed { previousNonDominatedIndices(oldVectors).count }
            let oldTotal = try await timed {
                let outcomes = TrialOutcomes(finalMetrics: try await store.completedFinalMetrics(study: study, metrics: metrics), objective: objective)
                return previousNonDominatedIndices(outcomes.vectors).count
            }
            // After: the final-values column, the flat front, and the whole service call.
            let newRead = try await timed { try await store.completedFinalValues(study: study, metrics: metrics).ids.count }
            let table = try await store.completedFinalValues(study: study, metrics: metrics)
            let newFront = try await timed {
                TrialOutcomes(ids: table.ids, metrics: table.metrics, table: table.values, objective: objective).frontPositions.count
            }
            // The code before front candidates: every completed trial read on every call (the service's previous
            // `paretoFront`, step for step).
            let previous = try await timed {
                let table = try await store.completedFinalValues(study: study, metrics: metrics)
                let outcomes = TrialOutcomes(ids: table.ids, metrics: table.metrics, table: table.values, objective: objective)
                let positions = outcomes.frontPositions
                let trials = try await store.trials(study: study, ids: positions.map { outcomes.ids[$0] })
                if let reference = outcomes.derivedReference { _ = Hypervolume.of(positions.map(outcomes.vector), reference: reference) }
                return trials.count
            }
            // Front candidates: the filler finished the trials through the store, so all are candidates (as in a
            // database upgraded to schema 7/8); the first call prunes, later ones read the candidates left.
            let unpruned = try await store.frontCandidateValues(study: study, metrics: metrics).table.ids.count
            var start = now()
            let firstFront = try await service.paretoFront(study: study).trials.count
            let firstFrontSeconds = now() - start
            let candidates = try await store.frontCandidateValues(study: study, metrics: metrics).table.ids.count
            let front = try await timed { try await service.paretoFront(study: study).trials.count }
            let candidateRead = try await timed { try await store.frontCandidateValues(study: study, metrics: metrics).table.ids.count }
            // Deleting a pruned trial changes nothing; deleting a candidate un-prunes the study, and the next
            // bestTrials prunes again.
            let candidateIDs = try await store.frontCandidateValues(study: study, metrics: metrics).table.ids
            let prunedID = (1...).first { !candidateIDs.contains($0) } ?? 1
            start = now()
            try await store.deleteTrial(study: study, trial: prunedID)
            let prunedDeletion = now() - start
            start = now()
            try await store.deleteTrial(study: study, trial: candidateIDs.last ?? 1)
            let deletion = now() - start
            start = now()
            let firstBest = try await service.bestTrials(study: study, count: 10).count
            let firstBestSeconds = now() - start
            let best = try await timed { try await service.bestTrials(study: study, count: 10).count }
            // Completions through the service: every `completionsPerPrune`-th prunes the candidates.
            var completionTimes: [(seconds: Double, completed: Int)] = []
            let points: [ParameterAssignment] = (0..<160).map { _ in
                Dictionary(uniqueKeysWithValues: (0..<6).map { ("x\($0)", ParameterValue.double(generator.nextUnit())) })
            }
            let extra = try await store.assignTrials(study: study, worker: "timer", leaseExpiresAt: nil, history: .countsOnly) { _ in
                AssignmentPlan(create: points)
            }
            for trial in extra {
                var metrics = Dictionary(uniqueKeysWithValues: zip(names(problem), problem.evaluate(point(trial.parameters, dimensions: 6))))
                metrics["memory"] = Double(trial.id % 10) / 10
                let start = now()
                try await service.completeTrial(study: study, trial: trial.id, .measurement(TrialMeasurement(metrics: metrics)))
                completionTimes.append((now() - start, try await store.trialCounts(study: study).completed))
            }
            let pruning = completionTimes.filter { $0.completed % StudyService.completionsPerPrune == 0 }.map(\.seconds)
            let plain = completionTimes.filter { $0.completed % StudyService.completionsPerPrune != 0 }.map(\.seconds)
            let mean = completionTimes.map(\.seconds).reduce(0, +) / Double(max(1, completionTimes.count))
            print("\(objectivesLabel) | before: completedFinalMetrics (decode every final measurement) | \(format(oldRead.seconds * 1000, 1)) | \(oldRead.count) rows")
            print("\(objectivesLabel) | before: previous front algorithm on the feasible trials | \(format(oldFront.seconds * 1000, 1)) | \(oldFront.count) trials")
            print("\(objectivesLabel) | before: read + outcomes + front | \(format(oldTotal.seconds * 1000, 1)) | \(oldTotal.count) trials")
            print("\(objectivesLabel) | after: completedFinalValues (final_values column) | \(format(newRead.seconds * 1000, 1)) | \(newRead.count) rows")
            print("\(objectivesLabel) | after: outcomes + front from the table | \(format(newFront.seconds * 1000, 1)) | \(newFront.count) trials")
            print("\(objectivesLabel) | previous StudyService.paretoFront (every completed trial read) | \(format(previous.seconds * 1000, 1)) | \(previous.count) trials")
            print("\(objectivesLabel) | candidates: first paretoFront (prunes \(unpruned) candidates to \(candidates); one call) | \(format(firstFrontSeconds * 1000, 1)) | \(firstFront) trials")
            print("\(objectivesLabel) | candidates: StudyService.paretoFront, later calls | \(format(front.seconds * 1000, 1)) | \(front.count) trials")
            print("\(objectivesLabel) | candidates: frontCandidateValues | \(format(candidateRead.seconds * 1000, 1)) | \(candidateRead.count) rows")
            print("\(objectivesLabel) | deleteTrial of a pruned trial (one call) | \(format(prunedDeletion * 1000, 1)) |")
            print("\(objectivesLabel) | deleteTrial of a candidate (un-prunes the study; one call) | \(format(deletion * 1000, 1)) |")
            print("\(objectivesLabel) | candidates: first bestTrials(10) after the deletion (prunes again; one call) | \(format(firstBestSeconds * 1000, 1)) | \(firstBest) trials")
            print("\(objectivesLabel) | candidates: StudyService.bestTrials(10), later calls | \(format(best.seconds * 1000, 1)) | \(best.count) trials")
            print("\(objectivesLabel) | completeTrial, \(plain.count) without pruning (median) | \(format(median(plain) * 1000, 2)) |")
            print("\(objectivesLabel) | completeTrial, \(pruning.count) that pruned (median; every \(StudyService.completionsPerPrune)th) | \(format(median(pruning) * 1000, 2)) |")
            print("\(objectivesLabel) | completeTrial, mean of all \(completionTimes.count) | \(format(mean * 1000, 2)) |")
        }
        let indexed = try await timed { try await service.bestTrials(study: "single-2", count: 10).count }
        print("1 | comparison: bestTrials(10), one objective (objective_value index) | \(format(indexed.seconds * 1000, 2)) | \(indexed.count) trials")
        if storeName == "PostgreSQL" && kept == nil {
            for study in ["front-2", "front-3", "single-2"] { try await store.deleteStudy(named: study) }
        }
    }
}
