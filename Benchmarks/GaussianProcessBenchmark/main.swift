import AugurAlgorithms
import AugurCore
import AugurMath
import BenchmarkFunctions
import CLinearAlgebra
import Foundation

// Gaussian-process optimization benchmark: suggestion latency, optimization quality against random search, and
// the BLAS/LAPACK throughput the model rests on. `--quick` runs a reduced version; `--latency`, `--quality` and
// `--blas` run one part only.

// OpenBLAS 0.3.21 does not recognize this VM's CPU and would run generic SSE3 kernels; single-threaded BLAS is the
// faster choice for the GP's matrices on two shared cores (set OPENBLAS_NUM_THREADS to override).
LinearAlgebraRuntime.reexecuteWithOptimizedKernelsIfNeeded(threads: 1)
print("OpenBLAS kernels: \(LinearAlgebraRuntime.kernelName), threads: \(LinearAlgebraRuntime.threadCount)")

let arguments = Set(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
// `--only N,D` restricts the latency table to N trials in D dimensions (for profiling).
let onlyCase: (trials: Int, dimensions: Int)? = CommandLine.arguments.firstIndex(of: "--only").flatMap { index in
    guard index + 1 < CommandLine.arguments.count else { return nil }
    let numbers = CommandLine.arguments[index + 1].split(separator: ",").compactMap { Int($0) }
    return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
}
let parts = arguments.filter { ["--latency", "--quality", "--blas"].contains($0) }
func runs(_ part: String) -> Bool { parts.isEmpty || parts.contains(part) }

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// CPU seconds used by the whole process (all threads): on a shared machine this is the work done, free of the
/// time spent waiting for a core.
func cpuTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let position = fraction * Double(sorted.count - 1)
    let low = Int(position.rounded(.down))
    let high = Swift.min(low + 1, sorted.count - 1)
    return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
}

func studySpec(_ function: TestFunction, seed: UInt64, initialTrials: Int = 10) -> StudySpec {
    let parameters = (0..<function.dimensions).map { ParameterSpec.double("x\($0)", min: function.lower[$0], max: function.upper[$0]) }
    return StudySpec(name: "bench", searchSpace: SearchSpace(parameters), objective: Objective(metric: "y", goal: .minimize),
                     algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: initialTrials)), seed: seed)
}

func point(_ assignment: ParameterAssignment, _ function: TestFunction) -> [Double] {
    (0..<function.dimensions).map { assignment["x\($0)"]?.doubleValue ?? 0 }
}

func completedTrial(id: Int, _ x: [Double], _ value: Double) -> Trial {
    var parameters = ParameterAssignment()
    for (k, coordinate) in x.enumerated() { parameters["x\(k)"] = .double(coordinate) }
    return Trial(id: id, study: "bench", parameters: parameters, state: .completed,
                 finalMeasurement: TrialMeasurement(metrics: ["y": value]))
}

// MARK: Latency

if runs("--latency") {
    print("## Suggestion latency (one suggestion: warp + hyperparameter fit + acquisition)")
    print("trials  dims  median_ms  p90_ms  cpu_median_ms  cpu_p90_ms  reps  policy")
    let trialCounts = onlyCase.map { [$0.trials] } ?? (quick ? [10, 100, 1000] : [10, 50, 100, 250, 500, 1000])
    let dimensionCounts = onlyCase.map { [$0.dimensions] } ?? (quick ? [6, 10] : [2, 6, 10, 20])
    for dimensions in dimensionCounts {
        // A smooth multimodal objective of the right dimension (Levy, scaled to the unit cube).
        let function = TestFunction(name: "Levy-\(dimensions)", lower: [Double](repeating: -10, count: dimensions),
                                    upper: [Double](repeating: 10, count: dimensions), minimum: 0, evaluate: TestFunction.levy6.evaluate)
        for n in trialCounts {
            var generator = SeededGenerator(seed: 7, stream: UInt64(n * 100 + dimensions))
            let history = (0..<n).map { index -> Trial in
                let x = (0..<dimensions).map { function.lower[$0] + generator.nextUnit() * (function.upper[$0] - function.lower[$0]) }
                return completedTrial(id: index + 1, x, function.evaluate(x))
            }
            let spec = studySpec(function, seed: 3)
            guard case .gaussianProcess(let settings) = spec.algorithm else { continue }
            let cache = GaussianProcessCache()
            let designer = try GaussianProcessDesigner(spec: spec, settings: settings, cache: cache)
            // Steady state of a running study: the previous suggestion (one trial fewer) filled the cache.
            _ = try designer.suggest(DesignRequest(count: 1, history: Array(history.dropLast()), trialCount: n - 1))
            let repetitions = onlyCase != nil ? 40 : n >= 500 ? (quick ? 3 : 5) : (quick ? 5 : 11)
            var times: [Double] = []
            var cpuTimes: [Double] = []
            for repetition in 0..<repetitions {
                let start = now()
                let cpuStart = cpuTime()
                _ = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: n + repetition))
                times.append((now() - start) * 1000)
                cpuTimes.append((cpuTime() - cpuStart) * 1000)
            }
            let policy = n > GaussianProcessDesigner.amortizationThreshold ? "cached hyperparameters" : "full refit"
            print(String(format: "%6d  %4d  %9.1f  %6.1f  %13.1f  %10.1f  %4d  %@", n, dimensions, percentile(times, 0.5), percentile(times, 0.9),
                         percentile(cpuTimes, 0.5), percentile(cpuTimes, 0.9), repetitions, policy))
            if n > GaussianProcessDesigner.amortizationThreshold {
                // The refit that happens once every 10% growth: warm-started from the previous fit.
                let refitCache = GaussianProcessCache()
                let refitDesigner = try GaussianProcessDesigner(spec: spec, settings: settings, cache: refitCache)
                _ = try refitDesigner.suggest(DesignRequest(count: 1, history: Array(history.prefix(n * 9 / 10)), trialCount: n * 9 / 10))
                let start = now()
                let cpuStart = cpuTime()
                _ = try refitDesigner.suggest(DesignRequest(count: 1, history: history, trialCount: n))
                print(String(format: "%6d  %4d  %9.1f  %6@  %13.1f  %10@  %4d  warm-started refit (every 10%% growth)", n, dimensions,
                             (now() - start) * 1000, "-" as NSString, (cpuTime() - cpuStart) * 1000, "-" as NSString, 1))
            }
        }
    }
    print("")
}

// MARK: Quality

if runs("--quality") {
    let seeds = quick ? 2 : 5
    let budget = quick ? 50 : 100
    print("## Optimization quality: median final regret over \(seeds) seeds at \(budget) trials (lower is better)")
    print("function             GP_median     random_median  GP_wins  GP_seconds_per_run")
    for function in TestFunction.all {
        var gpRegrets: [Double] = []
        var randomRegrets: [Double] = []
        var seconds: [Double] = []
        for seed in 1...seeds {
            let spec = studySpec(function, seed: UInt64(seed))
            guard case .gaussianProcess(let settings) = spec.algorithm else { continue }
            let designer = try GaussianProcessDesigner(spec: spec, settings: settings, cache: GaussianProcessCache())
            var history: [Trial] = []
            var best = Double.infinity
            let start = now()
            for trial in 0..<budget {
                guard let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: trial)).first else { break }
                let x = point(assignment, function)
                let value = function.evaluate(x)
                best = Swift.min(best, value)
                history.append(completedTrial(id: trial + 1, x, value))
            }
            seconds.append(now() - start)
            gpRegrets.append(best - function.minimum)

            var generator = SeededGenerator(seed: UInt64(seed), stream: 99)
            var randomBest = Double.infinity
            for _ in 0..<budget {
                let x = (0..<function.dimensions).map { function.lower[$0] + generator.nextUnit() * (function.upper[$0] - function.lower[$0]) }
                randomBest = Swift.min(randomBest, function.evaluate(x))
            }
            randomRegrets.append(randomBest - function.minimum)
        }
        let wins = zip(gpRegrets, randomRegrets).filter { $0 < $1 }.count
        let name = function.name.padding(toLength: 18, withPad: " ", startingAt: 0)
        print(name + String(format: "  %12.3e  %12.3e  %4d/%d  %8.2f", percentile(gpRegrets, 0.5), percentile(randomRegrets, 0.5), wins, seeds,
                                   percentile(seconds, 0.5)))
    }
    print("")
}

// MARK: BLAS and LAPACK throughput

if runs("--blas") {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let megahertz = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("cpu MHz") }
        .flatMap { Double($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
    // AVX-512 with two FMA units: 8 doubles × 2 (FMA) × 2 units per cycle.
    let peak = Double(cores) * megahertz / 1000 * 32
    print("## BLAS/LAPACK throughput (OpenBLAS, \(openblas_get_num_threads()) threads)")
    print(String(format: "nominal peak: %d cores x %.2f GHz x 32 DP flop/cycle (AVX-512, 2 FMA) = %.0f GFLOP/s", cores, megahertz / 1000, peak))
    print("operation            n     ms      GFLOP/s  %peak")
    for n in quick ? [500, 1000] : [250, 500, 1000, 2000] {
        var generator = SeededGenerator(seed: 1)
        let a = Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in generator.nextUnit() - 0.5 })
        var spd = a.outerGram()
        spd.addToDiagonal(Double(n))
        let repetitions = n <= 500 ? 10 : 3
        var gemmTimes: [Double] = []
        var choleskyTimes: [Double] = []
        var inverseTimes: [Double] = []
        for _ in 0..<repetitions {
            var start = now()
            _ = a * a
            gemmTimes.append(now() - start)
            start = now()
            let factor = try CholeskyFactor(spd)
            choleskyTimes.append(now() - start)
            start = now()
            _ = factor.inverse()
            inverseTimes.append(now() - start)
        }
        let size = Double(n)
        for (name, flops, times) in [("dgemm", 2 * size * size * size, gemmTimes), ("dpotrf (Cholesky)", size * size * size / 3, choleskyTimes),
                                     ("K^-1 from factor", 2 * size * size * size / 3, inverseTimes)] {
            let best = times.min() ?? .nan
            let rate = flops / best / 1e9
            print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "  %5d  %7.2f  %7.1f  %5.1f%%", n, best * 1000, rate, 100 * rate / peak))
        }
    }
}
