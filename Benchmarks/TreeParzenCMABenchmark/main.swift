import AugurAlgorithms
import AugurCore
import BenchmarkFunctions
import Foundation

// TPE and CMA-ES on the classic functions, one trial at a time, for comparison with Optuna's TPESampler and
// CmaEsSampler (Benchmarks/optuna_tpe_cmaes_benchmark.py runs those on the same functions, seeds and budget;
// Benchmarks/tpe_cmaes_benchmark.sh runs both and prints the table).
//
//   TreeParzenCMABenchmark [--seeds 1-10|1,5,9] [--trials 100] [--algorithms tpe,multivariate-tpe,cmaes]
//                          [--suite classic|wider|all] [--functions Branin,Levy-6]
//
// `--suite classic` (the default) is the 8 classic functions, `wider` the 10 of the issue #16 suite (Michalewicz-5 …
// the mixed int/categorical problem), `all` both; `--functions` picks by name among them.
//
// Prints one tab-separated line per run: algorithm, function, seed, final regret, mean CPU seconds per suggestion.

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

/// CPU seconds used by the process: on a shared machine this is the work done, free of the time spent waiting for a
/// core (the Python side measures the same with `time.process_time`).
func cpuTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func algorithm(_ name: String) -> AlgorithmSpec? {
    switch name {
    case "tpe": .treeParzen(TreeParzenSettings())
    case "multivariate-tpe": .treeParzen(TreeParzenSettings(multivariate: true))
    case "cmaes": .cmaes(CMAESSettings())
    default: nil
    }
}

let seedList = seeds(option("--seeds") ?? "1-10")
let budget = Int(option("--trials") ?? "") ?? 100
let algorithmNames = (option("--algorithms") ?? "tpe,multivariate-tpe,cmaes").split(separator: ",").map(String.init)
let functionNames = option("--functions").map { Set($0.split(separator: ",").map(String.init)) }
let suite: [TestFunction]
switch option("--suite") ?? "classic" {
case "classic": suite = TestFunction.all
case "wider": suite = Array(TestFunction.suite.dropFirst(TestFunction.all.count))
case "all": suite = TestFunction.suite
case let other:
    FileHandle.standardError.write(Data("unknown suite \(other); use classic, wider or all\n".utf8))
    exit(2)
}
let functions = suite.filter { functionNames?.contains($0.name) ?? true }

/// A study of `budget` trials, one at a time: the final regret and the mean CPU seconds per suggestion.
func optimize(_ function: TestFunction, algorithm: AlgorithmSpec, seed: UInt64, budget: Int) throws -> (regret: Double, seconds: Double) {
    let parameters = (0..<function.dimensions).map { k -> ParameterSpec in
        switch function.kinds[k] {
        case .continuous: return .double("x\(k)", min: function.lower[k], max: function.upper[k])
        case .integer: return .integer("x\(k)", min: Int(function.lower[k]), max: Int(function.upper[k]))
        case .categorical(let count): return .categorical("x\(k)", (0..<count).map { "c\($0)" })
        }
    }
    let spec = StudySpec(name: "bench", searchSpace: SearchSpace(parameters), objective: Objective(metric: "y", goal: .minimize),
                         algorithm: algorithm, seed: seed)
    let designer = try DesignerFactory.make(for: spec)
    var history: [Trial] = []
    var best = Double.infinity
    var suggesting = 0.0
    for trial in 0..<budget {
        let start = cpuTime()
        guard let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: trial)).first else { break }
        suggesting += cpuTime() - start
        let x = (0..<function.dimensions).map { k -> Double in
            guard case .categorical = function.kinds[k] else { return assignment["x\(k)"]?.doubleValue ?? 0 }
            guard case .string(let name)? = assignment["x\(k)"] else { return 0 }
            return Double(name.dropFirst()) ?? 0
        }
        let value = function.evaluate(x)
        best = min(best, value)
        history.append(Trial(id: trial + 1, study: "bench", parameters: assignment, state: .completed,
                             endedAt: Date(timeIntervalSinceReferenceDate: Double(trial)),
                             finalMeasurement: TrialMeasurement(metrics: ["y": value])))
    }
    return (best - function.minimum, suggesting / Double(max(budget, 1)))
}

// Warm up (lazy symbol binding, first page faults) on a seed that is not reported, as the Python side does.
for name in algorithmNames {
    if let algorithm = algorithm(name) { _ = try optimize(.branin, algorithm: algorithm, seed: 0, budget: 30) }
}

print("algorithm\tfunction\tseed\tregret\tseconds_per_suggestion")
for name in algorithmNames {
    guard let algorithm = algorithm(name) else {
        FileHandle.standardError.write(Data("unknown algorithm \(name); use tpe, multivariate-tpe or cmaes\n".utf8))
        exit(2)
    }
    for function in functions {
        for seed in seedList {
            let (regret, seconds) = try optimize(function, algorithm: algorithm, seed: seed, budget: budget)
            print("\(name)\t\(function.name)\t\(seed)\t\(regret)\t\(seconds)")
        }
    }
}
