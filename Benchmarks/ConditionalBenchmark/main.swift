import AugurAlgorithms
import AugurCore
import Foundation

// Augur's designers on a conditional search space: an optimizer choice with per-optimizer learning rates (and a
// momentum that exists only for SGD with momentum), for comparison with Optuna's RandomSampler and TPESampler, which
// search the same space define-by-run (Benchmarks/optuna_conditional_benchmark.py; Benchmarks/conditional_benchmark.sh
// runs both and prints the table).
//
//   ConditionalBenchmark [--seeds 101-115] [--trials 60] [--algorithms random,quasirandom,tpe,multivariate-tpe,gp,cmaes,gp-tied]
//
// Prints one tab-separated line per run: algorithm, seed, final regret, mean CPU seconds per suggestion.
//
// The problem (a synthetic validation loss; the same formula as the Python side's):
//   optimizer ∈ {sgd, momentum, adam}; weight_decay ∈ [1e-6, 1e-2] (log) always
//   sgd:      lr_sgd ∈ [1e-4, 1] (log)          loss 0.30 + 0.08 (log10 lr + 1)²
//   momentum: lr_momentum ∈ [1e-4, 1] (log),   loss 0.24 + 0.08 (log10 lr + 2)² + 4 (beta − 0.9)²
//             beta ∈ [0.5, 0.99]
//   adam:     lr_adam ∈ [1e-5, 1e-1] (log)     loss 0.20 + 0.15 (log10 lr + 3.3)²
//   every branch adds 0.01 (log10 weight_decay + 4)²; the minimum, 0.20, is adam at lr 10^−3.3 and decay 1e−4.

func option(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else { return nil }
    return CommandLine.arguments[index + 1]
}

func seeds(_ text: String) -> [UInt64] {
    text.split(separator: ",").flatMap { part -> [UInt64] in
        let bounds = part.split(separator: "-").compactMap { UInt64($0) }
        if bounds.count == 2, bounds[0] <= bounds[1] { return Array(bounds[0]...bounds[1]) }
        return bounds
    }
}

/// CPU seconds used by the process (the Python side measures the same with `time.process_time`).
func cpuTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func algorithm(_ name: String) -> AlgorithmSpec? {
    switch name {
    case "random": .random
    case "quasirandom": .quasiRandom(.halton)
    case "tpe": .treeParzen(TreeParzenSettings())
    case "multivariate-tpe": .treeParzen(TreeParzenSettings(multivariate: true))
    case "gp", "gp-tied": .gaussianProcess(GaussianProcessSettings())
    case "cmaes": .cmaes(CMAESSettings())
    default: nil
    }
}

let space = SearchSpace([
    .categorical("optimizer", ["sgd", "momentum", "adam"]),
    .double("lr_sgd", min: 1e-4, max: 1, scale: .log).when("optimizer", in: [.string("sgd")]),
    .double("lr_momentum", min: 1e-4, max: 1, scale: .log).when("optimizer", in: [.string("momentum")]),
    .double("beta", min: 0.5, max: 0.99).when("optimizer", in: [.string("momentum")]),
    .double("lr_adam", min: 1e-5, max: 1e-1, scale: .log).when("optimizer", in: [.string("adam")]),
    .double("weight_decay", min: 1e-6, max: 1e-2, scale: .log),
])
let minimum = 0.20

func loss(_ assignment: ParameterAssignment) -> Double {
    func value(_ name: String) -> Double { assignment[name]?.doubleValue ?? .nan }
    let decay = 0.01 * pow(log10(value("weight_decay")) + 4, 2)
    switch assignment["optimizer"]?.stringValue {
    case "sgd": return 0.30 + 0.08 * pow(log10(value("lr_sgd")) + 1, 2) + decay
    case "momentum": return 0.24 + 0.08 * pow(log10(value("lr_momentum")) + 2, 2) + 4 * pow(value("beta") - 0.9, 2) + decay
    default: return 0.20 + 0.15 * pow(log10(value("lr_adam")) + 3.3, 2) + decay
    }
}

/// A study of `budget` trials, one at a time: the final regret and the mean CPU seconds per suggestion.
/// `gp-tied` is `gp` with one lengthscale per categorical (`SearchOptions.tiedCategoryLengthscales`, issue #16 round 7).
func optimize(algorithm: AlgorithmSpec, name: String, seed: UInt64, budget: Int) throws -> (regret: Double, seconds: Double) {
    let spec = StudySpec(name: "bench", searchSpace: space, objective: Objective(metric: "loss", goal: .minimize),
                         algorithm: algorithm, seed: seed)
    let designer: any Designer
    if name == "gp-tied" {
        var search = GaussianProcessDesigner.SearchOptions.standard
        search.tiedCategoryLengthscales = true
        designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(), search: search)
    } else {
        designer = try DesignerFactory.make(for: spec)
    }
    var history: [Trial] = []
    var best = Double.infinity
    var suggesting = 0.0
    for trial in 0..<budget {
        let start = cpuTime()
        guard let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: trial)).first else { break }
        suggesting += cpuTime() - start
        guard space.isValid(assignment) else {
            FileHandle.standardError.write(Data("\(algorithm.name) suggested \(assignment), not a point of the space\n".utf8))
            exit(1)
        }
        let value = loss(assignment)
        best = min(best, value)
        history.append(Trial(id: trial + 1, study: "bench", parameters: assignment, state: .completed,
                             endedAt: Date(timeIntervalSinceReferenceDate: Double(trial)),
                             finalMeasurement: TrialMeasurement(metrics: ["loss": value])))
    }
    return (best - minimum, suggesting / Double(max(budget, 1)))
}

let seedList = seeds(option("--seeds") ?? "101-115")
let budget = Int(option("--trials") ?? "") ?? 60
let algorithmNames = (option("--algorithms") ?? "random,quasirandom,tpe,multivariate-tpe,gp,cmaes").split(separator: ",").map(String.init)

// Warm up on a seed that is not reported, as the Python side does.
for name in algorithmNames {
    if let algorithm = algorithm(name) { _ = try optimize(algorithm: algorithm, name: name, seed: 0, budget: 20) }
}

print("algorithm\tseed\tregret\tseconds_per_suggestion")
for name in algorithmNames {
    guard let algorithm = algorithm(name) else {
        FileHandle.standardError.write(Data("unknown algorithm \(name); use random, quasirandom, tpe, multivariate-tpe, gp or cmaes\n".utf8))
        exit(2)
    }
    for seed in seedList {
        let (regret, seconds) = try optimize(algorithm: algorithm, name: name, seed: seed, budget: budget)
        print("\(name)\t\(seed)\t\(regret)\t\(seconds)")
    }
}
