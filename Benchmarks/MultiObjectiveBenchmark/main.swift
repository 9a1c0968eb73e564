import AugurAlgorithms
import AugurCore
import AugurMath
import AugurService
import AugurStorage
import Foundation

// Several objectives and outcome constraints: front quality against random search (ZDT1-3, DTLZ2), a constrained
// problem (Branin with a disk constraint), suggestion latency with 2 and 3 objectives, and the Pareto-front query on
// a study of 100,000 trials. Parts: --quality, --constrained, --latency, --front (default: all).
// --seeds N (default 10, seeds 1…N) and --trials N (default 100) size the quality parts; --front-trials N (100,000).
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
func run(_ spec: StudySpec, count: Int, evaluate: ([Double]) -> [String: Double]) throws -> (trials: [Trial], seconds: [Double]) {
    let designer = try DesignerFactory.make(for: spec)
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
print("MultiObjectiveBenchmark: \(seeds) seeds (1…\(seeds)), \(budget) trials; OpenBLAS \(LinearAlgebraRuntime.kernelName)")

if runs("--quality") {
    print("\n## Hypervolume of the front after \(budget) trials (larger is better; reference point per problem)")
    print("problem | reference | GP median | GP worst | random median | random worst | GP s/trial")
    for problem in problems {
        var volumes: [String: [Double]] = ["gp": [], "random": []]
        var gpSeconds: [Double] = []
        for seed in 1...seeds {
            for (label, algorithm) in [("gp", gp), ("random", AlgorithmSpec.random)] {
                let study = spec(problem, algorithm: algorithm, seed: UInt64(seed))
                let result = try run(study, count: budget) { x in Dictionary(uniqueKeysWithValues: zip(names(problem), problem.evaluate(x))) }
                volumes[label, default: []].append(hypervolume(result.trials, objective: study.objective))
                if label == "gp" { gpSeconds += result.seconds }
            }
        }
        let g = volumes["gp"] ?? [], r = volumes["random"] ?? []
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
        for seed in 1...seeds {
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
    print("objectives | trials | median seconds")
    for problem in [problems[0], problems[3]] {
        for trials in [100, 1000] {
            // The history: random points with their true values (what the designer sees is all that matters).
            let random = try run(spec(problem, algorithm: .random, seed: 99), count: trials) { x in
                Dictionary(uniqueKeysWithValues: zip(names(problem), problem.evaluate(x)))
            }
            let designer = try DesignerFactory.make(for: spec(problem, algorithm: gp, seed: 99))
            var samples: [Double] = []
            for offset in 0..<3 {
                let start = now()
                _ = try designer.suggest(DesignRequest(count: 1, history: random.trials, trialCount: random.trials.count + offset))
                samples.append(now() - start)
            }
            print("\(problem.objectives) | \(trials) | \(format(median(samples), 3))")
        }
    }
}

if runs("--front") {
    print("\n## Pareto front of a study with \(frontTrials) completed trials (SQLite file; median of 5)")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-mo-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteStudyStore(path: directory.appendingPathComponent("bench.sqlite").path)
    let service = StudyService(store: store, designers: { try RandomDesigner(spec: $0) })
    var several = spec(problems[0], algorithm: .random, seed: 1)
    several.name = "several"
    several.objective.additionalMetrics.append(MetricSpec(name: "memory", constraint: OutcomeConstraint(.atMost, 0.9)))
    several.budget = Budget(maxTrials: frontTrials, parallelTrials: frontTrials)
    var single = several
    single.name = "single"
    single.objective = Objective(metric: "f1", goal: .minimize, additionalMetrics: [MetricSpec(name: "f2"), MetricSpec(name: "memory")])
    var generator = SeededGenerator(seed: 5)
    let fillStart = now()
    for study in [several, single] {
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
                let values = problems[0].evaluate(point(trial.parameters, dimensions: 6))
                _ = try await store.finishTrial(study: study.name, trial: trial.id, state: .completed,
                                                finalMeasurement: TrialMeasurement(metrics: ["f1": values[0], "f2": values[1], "memory": Double(trial.id % 10) / 10]),
                                                reason: nil)
            }
            created += trials.count
        }
    }
    print("filled 2 × \(frontTrials) trials in \(format(now() - fillStart, 1)) s")
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
    let front = try await timed { try await service.paretoFront(study: "several").trials.count }
    let best = try await timed { try await service.bestTrials(study: "several", count: 10).count }
    let compact = try await timed { try await store.completedFinalMetrics(study: "several", metrics: ["f1", "f2", "memory"]).count }
    let whole = try await timed { try await store.trials(study: "several", query: TrialQuery(states: [.completed], includeMeasurements: false)).count }
    let indexed = try await timed { try await service.bestTrials(study: "single", count: 10).count }
    print("query | median seconds | result")
    print("paretoFront (2 objectives + constraint, with hypervolume) | \(format(front.seconds, 3)) | \(front.count) trials")
    print("bestTrials(10), same study | \(format(best.seconds, 3)) | \(best.count) trials")
    print("  of which completedFinalMetrics (compact read) | \(format(compact.seconds, 3)) | \(compact.count) rows")
    print("  comparison: loading every completed trial (trials(), no measurements) | \(format(whole.seconds, 3)) | \(whole.count) trials")
    print("comparison: bestTrials(10), one objective (objective_value index) | \(format(indexed.seconds, 4)) | \(indexed.count) trials")
}
