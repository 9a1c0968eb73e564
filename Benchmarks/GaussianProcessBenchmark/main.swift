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
let named = ["--run-latency", "--scale", "--batch", "--ask-tell", "--acquisition-gap"]
let parts = arguments.filter { ["--latency", "--quality", "--blas"].contains($0) || named.contains($0) }
// `--run-latency` and `--scale` (issue #16, part 3: they take minutes), `--batch` (batch suggestions) and
// `--ask-tell` (a study driven over stdin) and `--acquisition-gap` (issue #16) run only when named.
func runs(_ part: String) -> Bool { (parts.isEmpty && !named.contains(part)) || parts.contains(part) }

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

/// The functions `--functions` can name: the suite, the other mixed spaces and the centre-adverse Hartmann-6 control.
let namedFunctions = TestFunction.suite + [TestFunction.mixedLevy, TestFunction.mixedDiscrete, TestFunction.hartmann6CentreAdverse]

func studySpec(_ function: TestFunction, seed: UInt64, initialTrials: Int = 10) -> StudySpec {
    let parameters = (0..<function.dimensions).map { k -> ParameterSpec in
        switch function.kinds[k] {
        case .continuous: return .double("x\(k)", min: function.lower[k], max: function.upper[k])
        case .integer: return .integer("x\(k)", min: Int(function.lower[k]), max: Int(function.upper[k]))
        case .categorical(let count): return .categorical("x\(k)", (0..<count).map { "c\($0)" })
        }
    }
    return StudySpec(name: "bench", searchSpace: SearchSpace(parameters), objective: Objective(metric: "y", goal: .minimize),
                     algorithm: .gaussianProcess(GaussianProcessSettings(initialTrials: initialTrials)), seed: seed)
}

func point(_ assignment: ParameterAssignment, _ function: TestFunction) -> [Double] {
    (0..<function.dimensions).map { k in
        switch function.kinds[k] {
        case .continuous, .integer: return assignment["x\(k)"]?.doubleValue ?? 0
        case .categorical:
            guard case .string(let name)? = assignment["x\(k)"] else { return 0 }
            return Double(name.dropFirst()) ?? 0
        }
    }
}

func completedTrial(id: Int, _ x: [Double], _ value: Double, kinds: [TestFunction.Kind]? = nil) -> Trial {
    var parameters = ParameterAssignment()
    for (k, coordinate) in x.enumerated() {
        switch kinds?[k] ?? .continuous {
        case .continuous: parameters["x\(k)"] = .double(coordinate)
        case .integer: parameters["x\(k)"] = .integer(Int(coordinate))
        case .categorical: parameters["x\(k)"] = .string("c\(Int(coordinate))")
        }
    }
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

// MARK: Latency over a whole run, refits included (issue #16, part 3)

/// CPU seconds used by the calling thread only: the suggestion's own work, without a background refit's.
func threadCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

/// The peak resident set of this process, in MB.
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// How the hyperparameters are kept fresh in a run: `inline` is the code before issue #16 part 3 (refit inside the
/// suggestion once the history grew 10%, factor afresh on every suggestion); `background` extends the factor and
/// refits on another thread (`DispatchQueue`, standing in for the service's refit pool); `synchronous` extends the
/// factor and runs each requested refit right after the suggestion that asked for it (deterministic: what the
/// background refit gives when it finishes before the next suggestion; the quality comparison uses it).
enum RefitMode: String, CaseIterable {
    case inline, background, synchronous

    func cache() -> GaussianProcessCache {
        switch self {
        case .inline: GaussianProcessCache(refitsInBackground: false, extendsFactor: false)
        case .background, .synchronous: GaussianProcessCache(refitsInBackground: true, extendsFactor: true)
        }
    }
}

let refitQueue = DispatchQueue(label: "gp-refit", qos: .utility)

/// Runs what a suggestion left in `cache` as `mode` says.
func serviceRefits(_ cache: GaussianProcessCache, _ mode: RefitMode) {
    guard let refit = cache.takePendingRefit() else { return }
    switch mode {
    case .inline, .synchronous: refit.run()
    case .background: refitQueue.async { refit.run() }
    }
}

/// The search options the quality and latency runs can compare by name (`--variants`).
let variants: [String: GaussianProcessDesigner.SearchOptions] = [
    "none": GaussianProcessDesigner.SearchOptions(),
    "standard": .standard,
    // The default until 2026-12-07, before the additive kernel: every fit the product kernel's.
    "standard-product": .productOnly,
    // The default from the additive kernel's adoption until the exploring steps' cap's (both 2026-12-07) is the variant
    // `additive-evidence-after50` below.
    "standard-vizier": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true),
    "diverse": GaussianProcessDesigner.SearchOptions(diverseRefinements: 4),
    "period5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5),
    "none+discrete": GaussianProcessDesigner.SearchOptions(discreteNeighbourhood: true),
    "stagnation15": GaussianProcessDesigner.SearchOptions(stagnationLimit: 15),
    "tabu5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 0, explorationRadius: 0.25),
    "tabu3": GaussianProcessDesigner.SearchOptions(explorationPeriod: 3, explorationBeta: 0, explorationRadius: 0.25),
    "tabu5ucb": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 3, explorationRadius: 0.25),
    "diverse+period5": GaussianProcessDesigner.SearchOptions(diverseRefinements: 4, explorationPeriod: 5),
    "diverse+stagnation15": GaussianProcessDesigner.SearchOptions(diverseRefinements: 4, stagnationLimit: 15),
    "thompson5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, thompsonExploration: true),
    "standard+restart10": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, restartAfter: 10),
    "thompson5+restart10": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, thompsonExploration: true,
                                                                 restartAfter: 10),
    "plugin": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, incumbentFromModel: true),
    "plateauTies": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, plateauTolerance: 0.5),
    "plateauMean5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, exploitationPeriod: 5),
    "plateauNew": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, plateauTolerance: 0.5,
                                                        plateauPrefersNewDiscrete: true),
    "plateauNoise": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, noiseFloor: 0.01),
    "plateauTies+mean5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, plateauTolerance: 0.5,
                                                               exploitationPeriod: 5),
    "hedge5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationPortfolio: .improvement),
    "hedge5hit": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationPortfolio: .newBest),
    "hedge5block": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationPortfolio: .blockImprovement),
    "hedge5block+refined": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                                 explorationPortfolio: .blockImprovement, refinedThompson: true),
    "warp-halfrank": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .halfRank),
    "warp-standardize": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .standardize),
    "warp-robust": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .robustHalfRank),
    "warp-log": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .logWarp),
    "warp-standardize-beta1.5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 1.5, discreteNeighbourhood: true,
                                                                      outputWarping: .standardize),
    "warp-explore-standardize": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                                      explorationWarping: .standardize),
    "warp-explore-standardize-ei": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 0, discreteNeighbourhood: true,
                                                                         explorationWarping: .standardize),
    "warp-explore-standardize-beta1.5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 1.5,
                                                                              discreteNeighbourhood: true, explorationWarping: .standardize),
    "warp-shape": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, outputWarping: .byShape),
    "warp-explore-shape": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                                explorationWarping: .byShape),
    "warp-standardize-beta5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 5, discreteNeighbourhood: true,
                                                                    outputWarping: .standardize),
    "warpsel-evidence": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                              warpingSelection: [.vizier, .standardize]),
    "warpsel-loo": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                         warpingSelection: [.vizier, .standardize], warpingCriterion: .leaveOneOutRanks),
    "inwarp-all": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                        inputWarping: .allSteps),
    "inwarp-regular": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                            inputWarping: .regularSteps),
    "inwarp-scaled": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                           inputWarping: .scaledSpaces),
    "eagle": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, evolutionaryPeriod: 1),
    "eagle-p2": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, evolutionaryPeriod: 2),
    "eagle-p5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, evolutionaryPeriod: 5),
    // Exploring steps in a box around another basin's best point, rotating over the basins (`BasinRegions`).
    "turbo-basin-ucb": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                             basinExploration: .init()),
    "turbo-basin-ei": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 0, discreteNeighbourhood: true,
                                                            explorationWarping: .byShape, basinExploration: .init()),
    "turbo-basin-mix": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                             basinExploration: .init(includesWholeSpace: true)),
    "turbo-basin-wide": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                              basinExploration: .init(side: 0.4, includesWholeSpace: true)),
    "turbo-basin-r05-ei": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 0, discreteNeighbourhood: true,
                                                                explorationWarping: .byShape, basinExploration: .init(radius: 0.5)),
    "turbo-basin-r05-mix": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                                 basinExploration: .init(radius: 0.5, includesWholeSpace: true)),
    "turbo-alloc-ucb": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                             basinExploration: .init(allocatesByAcquisition: true)),
    "turbo-alloc-ei": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, explorationBeta: 0, discreteNeighbourhood: true,
                                                            explorationWarping: .byShape, basinExploration: .init(allocatesByAcquisition: true)),
    "turbo-side5": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                         basinExploration: .init(period: 5)),
    "turbo-side5-r05": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                             basinExploration: .init(radius: 0.5, period: 5)),
    "turbo-side3": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                         basinExploration: .init(period: 3)),
    // The additive kernel (issue #16 round 3): on the exploring steps only, chosen by evidence there, chosen by evidence on
    // every step, imposed on every step.
    "additive-explore": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                              explorationKernel: .additive),
    "additive-explore-evidence": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                                       explorationWarping: .byShape, explorationKernel: .byEvidence),
    "additive-evidence": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                               kernel: .byEvidence),
    "additive-loo": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                          kernel: .byLeaveOneOut),
    "additive-evidence-m0.05": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                                     kernel: .byEvidence, additiveEvidenceMargin: 0.05),
    "additive-evidence-m0.1": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                                    kernel: .byEvidence, additiveEvidenceMargin: 0.1),
    "additive-evidence-m0.2": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                                    kernel: .byEvidence, additiveEvidenceMargin: 0.2),
    // The evidence choice only on fits past 50 observations (the product kernel before, as in `standard`).
    "additive-evidence-after50": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                                       explorationWarping: .byShape, kernel: .byEvidence,
                                                                       additiveAfter: 50),
    "additive-evidence-after50-m0.1": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true,
                                                                            explorationWarping: .byShape, kernel: .byEvidence,
                                                                            additiveEvidenceMargin: 0.1, additiveAfter: 50),
    "additive-all": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, explorationWarping: .byShape,
                                                          kernel: .additive),
    // Issue #16 round 4: `standard` with the exploring steps' lengthscales capped at c or scaled by s (the fit, the cache
    // and the regular steps keep theirs).
    "explore-cap0.5": withExplorationLengthscales(cap: 0.5),
    "explore-cap1": withExplorationLengthscales(cap: 1),
    "explore-cap2": withExplorationLengthscales(cap: 2),
    "explore-cap-scale0.5": withExplorationLengthscales(scale: 0.5),
    "explore-cap-scale0.7": withExplorationLengthscales(scale: 0.7),
    // The cap only on exploring models of up to 50 observations (where the additive kernel is not yet chosen), only
    // past 50, or only on product-kernel models.
    "explore-cap1-upto50": withExplorationLengthscales(cap: 1, observations: 0...50),
    "explore-cap0.5-upto50": withExplorationLengthscales(cap: 0.5, observations: 0...50),
    "explore-cap1-past50": withExplorationLengthscales(cap: 1, observations: 51...Int.max),
    "explore-cap0.5-past50": withExplorationLengthscales(cap: 0.5, observations: 51...Int.max),
    "explore-cap2-past50": withExplorationLengthscales(cap: 2, observations: 51...Int.max),
    "explore-cap1-product": withExplorationLengthscales(cap: 1, productOnly: true),
    // Round 5: the default's cap (0.5, to 200 observations) from an earlier start.
    "explore-cap0.5-from31": withExplorationLengthscales(cap: 0.5, observations: 31...200),
    "explore-cap0.5-from41": withExplorationLengthscales(cap: 0.5, observations: 41...200),
    // Round 7: the default with one lengthscale per categorical parameter (an overlap kernel on the one-hot block).
    "tied-categories": {
        var search = GaussianProcessDesigner.SearchOptions.standard
        search.tiedCategoryLengthscales = true
        return search
    }(),
    // The default search of the time (product kernel) with a larger initial design (`initialDesigns`).
    "eagle-init2d": .productOnly,
    "eagle-init3d": .productOnly,
    // The very expensive search `--acquisition-gap` measures the others against: 50,000 candidates, 50 gradient starts.
    "eagle-reference": GaussianProcessDesigner.SearchOptions(explorationPeriod: 5, discreteNeighbourhood: true, acquisitionCandidates: 50_000,
                                                             refinementStarts: 50),
    // The default search plus axis-line candidates (`axisLineValues` positions per line, through the best trial or three,
    // on every model-based suggestion or only on the exploring ones).
    "lines16": withAxisLines(values: 16),
    "lines32": withAxisLines(values: 32),
    "lines16-top3": withAxisLines(values: 16, trials: 3),
    "lines16-explore": withAxisLines(values: 16, exploringOnly: true),
    "lines32-explore": withAxisLines(values: 32, exploringOnly: true),
    // Axis-line steps: every fifth model suggestion (2, 7, 12, …) searches the lines through the best trial alone.
    "linestep5": withAxisLineSteps(period: 5),
    "linestep5-ucb": withAxisLineSteps(period: 5, beta: 3),
    "linestep5-top3-ucb": withAxisLineSteps(period: 5, beta: 3, trials: 3),
    "linestep3-ucb": withAxisLineSteps(period: 3, beta: 3),
    "linestep5-mean": withAxisLineSteps(period: 5, beta: 0),
    "linestep5-top3": withAxisLineSteps(period: 5, trials: 3),
    // The control for `linestep5-mean`: the default with an exploiting step (the posterior mean over the whole
    // candidate set) every fifth model suggestion instead of a line step.
    "lines-control-mean5": {
        var search = GaussianProcessDesigner.SearchOptions.productOnly
        search.exploitationPeriod = 5
        return search
    }(),
]

/// ``GaussianProcessDesigner/SearchOptions/productOnly`` (the default when they were measured) with axis-line steps
/// (and no lines on the other steps).
func withAxisLineSteps(period: Int, beta: Double? = nil, trials: Int = 1) -> GaussianProcessDesigner.SearchOptions {
    var search = GaussianProcessDesigner.SearchOptions.productOnly
    search.axisLineTrials = trials
    search.axisLinePeriod = period
    search.axisLineBeta = beta
    return search
}

/// The default's other options with the exploring steps' lengthscales multiplied by `scale` and capped at `cap`, on exploring models of
/// `observations` observations (and only product-kernel ones with `productOnly`) (issue #16 round 4).
func withExplorationLengthscales(cap: Double? = nil, scale: Double = 1, observations: ClosedRange<Int> = 0...Int.max,
                                 productOnly: Bool = false) -> GaussianProcessDesigner.SearchOptions {
    var search = GaussianProcessDesigner.SearchOptions.standard
    search.explorationLengthscaleCap = cap
    search.explorationLengthscaleScale = scale
    search.explorationLengthscaleObservations = observations
    search.explorationLengthscaleProductOnly = productOnly
    return search
}

/// ``GaussianProcessDesigner/SearchOptions/productOnly`` (the default when they were measured) with axis-line candidates.
func withAxisLines(values: Int, trials: Int = 1, exploringOnly: Bool = false) -> GaussianProcessDesigner.SearchOptions {
    var search = GaussianProcessDesigner.SearchOptions.productOnly
    search.axisLineValues = values
    search.axisLineTrials = trials
    search.axisLinesWhenExploringOnly = exploringOnly
    return search
}

/// Variants that change the number of initial (quasi-random) trials from the default 10, as a function of the
/// dimension; the quality runs use it.
let initialDesigns: [String: (Int) -> Int] = [
    "eagle-init2d": { Swift.max(10, 2 * $0 + 2) },
    "eagle-init3d": { Swift.max(10, 3 * $0) },
]

/// One sequential run on `function` from `start` (a history of completed trials) for `count` suggestions; each
/// suggestion's wall and thread-CPU milliseconds.
func timedRun(_ function: TestFunction, start: [Trial], count: Int, mode: RefitMode, seed: UInt64,
              search: GaussianProcessDesigner.SearchOptions = .standard) throws -> (wall: [Double], cpu: [Double], best: Double) {
    let spec = studySpec(function, seed: seed)
    guard case .gaussianProcess(let settings) = spec.algorithm else { return ([], [], .nan) }
    let cache = mode.cache()
    let designer = try GaussianProcessDesigner(spec: spec, settings: settings, cache: cache, search: search)
    var history = start
    var wall: [Double] = []
    var cpu: [Double] = []
    var best = start.compactMap { $0.finalMeasurement?.metrics["y"] }.min() ?? .infinity
    for _ in 0..<count {
        let trialCount = history.count
        let startTime = now()
        let startCPU = threadCPUTime()
        guard let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: trialCount)).first else { break }
        wall.append((now() - startTime) * 1000)
        cpu.append((threadCPUTime() - startCPU) * 1000)
        serviceRefits(cache, mode)
        let x = point(assignment, function)
        let value = function.evaluate(x)
        best = Swift.min(best, value)
        history.append(completedTrial(id: trialCount + 1, x, value))
    }
    refitQueue.sync {}
    return (wall, cpu, best)
}

func levy(_ dimensions: Int) -> TestFunction {
    TestFunction(name: "Levy-\(dimensions)", lower: [Double](repeating: -10, count: dimensions),
                 upper: [Double](repeating: 10, count: dimensions), minimum: 0, evaluate: TestFunction.levy6.evaluate)
}

func printLatencyRow(_ label: String, _ wall: [Double], _ cpu: [Double]) {
    print(label.padding(toLength: 28, withPad: " ", startingAt: 0)
          + String(format: "  %6d  %8.1f  %8.1f  %8.1f  %8.1f  %8.1f  %8.1f  %8.1f  %8.1f", wall.count, percentile(wall, 0.5), percentile(wall, 0.9),
                   percentile(wall, 0.99), wall.max() ?? .nan, percentile(cpu, 0.5), percentile(cpu, 0.99), cpu.max() ?? .nan,
                   wall.reduce(0, +) / 1000))
}

if runs("--run-latency") {
    // `--run-trials N` (default 1,000), `--dims D` (10), `--modes inline,background,...` (inline and background),
    // `--variants NAME,...` (the search options, default `standard`; a name other than `standard` labels its rows).
    let trials = argumentValue("--run-trials").flatMap { Int($0) } ?? 1_000
    let dimensions = argumentValue("--dims").flatMap { Int($0) } ?? 10
    let modes = argumentValue("--modes").map { $0.split(separator: ",").compactMap { RefitMode(rawValue: String($0)) } } ?? [.inline, .background]
    let variantNames = argumentValue("--variants")?.split(separator: ",").map(String.init) ?? ["standard"]
    // `--latency-function NAME` runs on a suite function instead (its own dimension).
    let named = argumentValue("--latency-function").flatMap { name in TestFunction.suite.first { $0.name == name } }
    let function = named ?? levy(dimensions)
    print("## Latency per suggestion over a run from 0 to \(trials) trials, \(named?.name ?? "\(dimensions)-D Levy"), refits included (ms)")
    print("mode                           count    p50_wall  p90_wall  p99_wall  max_wall   p50_cpu   p99_cpu   max_cpu  total_s")
    for variantName in variantNames {
        guard let search = variants[variantName] else {
            print("unknown variant \(variantName); known: \(variants.keys.sorted().joined(separator: ", "))")
            continue
        }
        for mode in modes {
            let label = variantNames == ["standard"] ? mode.rawValue : "\(variantName)/\(mode.rawValue)"
            let processCPU = cpuTime()
            let run = try timedRun(function, start: [], count: trials, mode: mode, seed: 3, search: search)
            let totalCPU = cpuTime() - processCPU
            printLatencyRow(label, run.wall, run.cpu)
            for (low, high) in [(0, 200), (200, 500), (500, 1_000), (1_000, 2_000)] where low < run.wall.count {
                let upper = Swift.min(high, run.wall.count)
                printLatencyRow("  \(label) trials \(low)-\(upper)", Array(run.wall[low..<upper]), Array(run.cpu[low..<upper]))
            }
            // What the refits cost the process besides the suggestions (in `background` mode on the other thread).
            let suggestionCPU = run.cpu.reduce(0, +) / 1000
            print(String(format: "  %@: process CPU %.1f s, suggestions %.1f s, refits and the rest %.1f s; best %.4g", label,
                         totalCPU, suggestionCPU, totalCPU - suggestionCPU, run.best))
            fflush(nil)
        }
    }
    print("")
}

if runs("--scale") {
    // `--scale-trials N` (default 10,000) uniform random observations of `--dims D` (10)-D Levy, then `--scale-count`
    // (default 50) sequential suggestions with background refits, after one unmeasured cold start, for each of
    // `--variants NAME,...` (default `standard`; the peak RSS is the process's, so it only grows across variants).
    let trials = argumentValue("--scale-trials").flatMap { Int($0) } ?? 10_000
    let dimensions = argumentValue("--dims").flatMap { Int($0) } ?? 10
    let count = argumentValue("--scale-count").flatMap { Int($0) } ?? 50
    let function = levy(dimensions)
    var generator = SeededGenerator(seed: 7, stream: UInt64(trials))
    let history = (0..<trials).map { index -> Trial in
        let x = (0..<dimensions).map { function.lower[$0] + generator.nextUnit() * (function.upper[$0] - function.lower[$0]) }
        return completedTrial(id: index + 1, x, function.evaluate(x))
    }
    let model = trials > GaussianProcessDesigner.localModelThreshold ? "local GP on \(GaussianProcessDesigner.localModelSize)" : "exact GP"
    print("## Latency per suggestion at \(trials) trials, \(dimensions)-D Levy, background refits, \(model) (ms)")
    print("mode                           count    p50_wall  p90_wall  p99_wall  max_wall   p50_cpu   p99_cpu   max_cpu  total_s")
    let variantNames = argumentValue("--variants")?.split(separator: ",").map(String.init) ?? ["standard"]
    for variantName in variantNames {
        guard let search = variants[variantName] else {
            print("unknown variant \(variantName); known: \(variants.keys.sorted().joined(separator: ", "))")
            continue
        }
        let label = variantNames == ["standard"] ? "background" : "\(variantName)/background"
        let coldStart = now()
        let warm = try timedRun(function, start: history, count: count + 1, mode: .background, seed: 3, search: search)
        printLatencyRow(label, Array(warm.wall.dropFirst()), Array(warm.cpu.dropFirst()))
        print(String(format: "first suggestion (empty cache): %.0f ms; whole section %.1f s; peak RSS %.0f MB", warm.wall.first ?? .nan,
                     now() - coldStart, peakResidentMegabytes()))
        fflush(nil)
    }
    print("")
}

// MARK: Quality

// `--seeds A-B` picks the quality seeds (default 1–5), `--suite` the issue #16 suite of 18 functions instead of the
// classic 8, `--functions NAME,...` some of them by name, `--variants NAME,...` the search options compared (see
// `variants`), and `--per-seed` prints one line per run as "run <variant> <function> <seed> <regret> <seconds>";
// `--acquisitions` adds to each such line how many suggestions each acquisition made (the `augur.gp` metadata), as
// `logei=72,ucb(beta=3)=12,thompson=6`. `--line-moves` adds `lines=M/I`: M model-based suggestions that moved one
// coordinate of the best point so far by at least 0.2 of its range and every other by less than 0.02 (an axis-line
// move, whichever candidate it came from), I of them improving on that best point.

func argumentValue(_ name: String) -> String? {
    CommandLine.arguments.firstIndex(of: name).flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil }
}


func randomPoint(_ function: TestFunction, _ generator: inout SeededGenerator) -> [Double] {
    (0..<function.dimensions).map { k in
        let u = generator.nextUnit()
        switch function.kinds[k] {
        case .continuous: return function.lower[k] + u * (function.upper[k] - function.lower[k])
        case .integer, .categorical: return Swift.min((function.lower[k] + u * (function.upper[k] - function.lower[k] + 1)).rounded(.down), function.upper[k])
        }
    }
}

if runs("--quality") {
    let seedRange: ClosedRange<Int> = argumentValue("--seeds").flatMap { text -> ClosedRange<Int>? in
        let bounds = text.split(separator: "-").compactMap { Int($0) }
        return bounds.count == 2 && bounds[0] <= bounds[1] ? bounds[0]...bounds[1] : nil
    } ?? (quick ? 1...2 : 1...5)
    let budget = argumentValue("--budget").flatMap { Int($0) } ?? (quick ? 50 : 100)
    // `--refit-modes inline,synchronous` compares how hyperparameters are kept fresh (see `RefitMode`); default: the
    // designer's own cache, as before.
    // `--local T,S` makes the model local (an exact GP on S observations) past T, instead of 2,000 and 1,000.
    let localModel: (threshold: Int, size: Int)? = argumentValue("--local").flatMap { text in
        let numbers = text.split(separator: ",").compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }
    let refitModes: [RefitMode?] = argumentValue("--refit-modes").map { $0.split(separator: ",").compactMap { RefitMode(rawValue: String($0)) } } ?? [nil]
    let perSeed = arguments.contains("--per-seed")
    let countsAcquisitions = arguments.contains("--acquisitions")
    let countsLineMoves = arguments.contains("--line-moves")
    var functions = arguments.contains("--suite") ? TestFunction.suite : arguments.contains("--mixed") ? TestFunction.mixed : TestFunction.all
    if let names = argumentValue("--functions")?.split(separator: ",").map(String.init) {
        functions = namedFunctions.filter { names.contains($0.name) }
    }
    let variantNames = argumentValue("--variants")?.split(separator: ",").map(String.init) ?? ["standard"]
    print("## Optimization quality: final regret over seeds \(seedRange.lowerBound)-\(seedRange.upperBound) at \(budget) trials (lower is better)")
    print("variant               function               GP_median     GP_worst  random_median  GP_wins  GP_seconds_per_run")
    for function in functions {
        for refitMode in refitModes {
        for variantName in variantNames {
            guard let search = variants[variantName] else {
                print("unknown variant \(variantName); known: \(variants.keys.sorted().joined(separator: ", "))")
                continue
            }
            let label = (refitMode.map { "\(variantName)/\($0.rawValue)" } ?? variantName) + (localModel.map { "/local\($0.threshold),\($0.size)" } ?? "")
            var gpRegrets: [Double] = []
            var randomRegrets: [Double] = []
            var seconds: [Double] = []
            for seed in seedRange {
                let spec = studySpec(function, seed: UInt64(seed), initialTrials: initialDesigns[variantName]?(function.dimensions) ?? 10)
                guard case .gaussianProcess(var settings) = spec.algorithm else { continue }
                // `--acquisition NAME[:BETA]`: the study's acquisition function (and UCB's β) instead of the default.
                if let choice = argumentValue("--acquisition")?.split(separator: ":"), let first = choice.first,
                   let function = AcquisitionFunction(rawValue: String(first)) {
                    settings.acquisition = function
                    if choice.count > 1, let beta = Double(choice[1]) { settings.ucbBeta = beta }
                }
                let cache = refitMode?.cache() ?? GaussianProcessCache()
                var designer = try GaussianProcessDesigner(spec: spec, settings: settings, cache: cache, search: search)
                if let localModel { designer.localModel = localModel }
                var history: [Trial] = []
                var best = Double.infinity
                var acquisitions: [String: Int] = [:]
                var bestPoint: [Double]?
                var lineMoves = (moves: 0, improving: 0)
                let start = now()
                for trial in 0..<budget {
                    guard let proposal = try designer.propose(DesignRequest(count: 1, history: history, trialCount: trial)).first else { break }
                    let assignment = proposal.parameters
                    if countsAcquisitions, case .text(let name)? = proposal.metadata.first(where: { $0.key == "acquisition" })?.value {
                        acquisitions[name, default: 0] += 1
                    }
                    if let refitMode { serviceRefits(cache, refitMode) }
                    let x = point(assignment, function)
                    let value = function.evaluate(x)
                    if countsLineMoves, trial >= settings.initialTrials, let bestPoint {
                        let moved = (0..<function.dimensions).map { abs(x[$0] - bestPoint[$0]) / (function.upper[$0] - function.lower[$0]) }
                        if moved.filter({ $0 >= 0.02 }).count == 1, (moved.max() ?? 0) >= 0.2 {
                            lineMoves.moves += 1
                            if value < best { lineMoves.improving += 1 }
                        }
                    }
                    if value < best { bestPoint = x }
                    best = Swift.min(best, value)
                    history.append(completedTrial(id: trial + 1, x, value, kinds: function.kinds))
                }
                seconds.append(now() - start)
                gpRegrets.append(best - function.minimum)

                var generator = SeededGenerator(seed: UInt64(seed), stream: 99)
                var randomBest = Double.infinity
                for _ in 0..<budget {
                    randomBest = Swift.min(randomBest, function.evaluate(randomPoint(function, &generator)))
                }
                randomRegrets.append(randomBest - function.minimum)
                if perSeed {
                    print("run \(label) \(function.name.replacingOccurrences(of: " ", with: "_")) \(seed) "
                          + String(format: "%.6e %.6e %.2f", best - function.minimum, randomBest - function.minimum, seconds.last ?? 0)
                          + (countsAcquisitions ? " " + acquisitions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") : "")
                          + (countsLineMoves ? " lines=\(lineMoves.moves)/\(lineMoves.improving)" : ""))
                    // Flushed (all streams: `stdout` itself is not concurrency-safe to name), so a long run shows progress.
                    fflush(nil)
                }
            }
            let wins = zip(gpRegrets, randomRegrets).filter { $0 <= $1 }.count
            print(label.padding(toLength: 20, withPad: " ", startingAt: 0) + "  "
                  + function.name.padding(toLength: 21, withPad: " ", startingAt: 0)
                  + String(format: "  %10.3e  %10.3e  %12.3e  %4d/%d  %8.2f", percentile(gpRegrets, 0.5), gpRegrets.max() ?? .nan,
                           percentile(randomRegrets, 0.5), wins, gpRegrets.count, percentile(seconds, 0.5)))
        }
        }
    }
    print("")
}

// MARK: How far the acquisition search is from the acquisition's maximum (issue #16, part 1)

// `--acquisition-gap` runs the default designer (without a cache, so that each suggestion is a pure function of the
// seed and the history) for `--budget` trials (100) on `--functions` (default: the issue #16 screen set) and
// `--seeds` (1000-1001); every `--gap-every`-th model-based suggestion (4) it also asks each of `--variants`
// (standard,eagle) and `eagle-reference` for that suggestion, with the same history, and compares the acquisition
// value each reaches (the `acquisition_value` of its explanation: log EI in nats, or UCB in standardized units on an
// exploring step; all fit the same model, so the values are comparable) and each proposal's distance from the best trial
// (root-mean-square per coordinate, in widths of the box). "gap" is the reference's value minus the
// variant's; one line per state with `--per-seed`, and per function the states where the gap exceeds 0.01 and 0.1,
// the median and largest gap, and the seconds per suggestion.
if runs("--acquisition-gap") {
    let seedRange: ClosedRange<Int> = argumentValue("--seeds").flatMap { text -> ClosedRange<Int>? in
        let bounds = text.split(separator: "-").compactMap { Int($0) }
        return bounds.count == 2 && bounds[0] <= bounds[1] ? bounds[0]...bounds[1] : nil
    } ?? 1000...1001
    let budget = argumentValue("--budget").flatMap { Int($0) } ?? 100
    let every = Swift.max(argumentValue("--gap-every").flatMap { Int($0) } ?? 4, 1)
    let screen = ["Hartmann-6", "Rastrigin-4", "Shekel-10", "Eggholder", "Schwefel-4", "Michalewicz-5", "Levy-6", "Hartmann-3", "Levy-10",
                  "Styblinski-Tang-8", "Ackley-5"]
    let names = argumentValue("--functions")?.split(separator: ",").map(String.init) ?? screen
    let functions = namedFunctions.filter { names.contains($0.name) }
    let compared = (argumentValue("--variants")?.split(separator: ",").map(String.init) ?? ["standard", "eagle"]).filter { variants[$0] != nil }
    let reference = "eagle-reference"
    func acquisitionValue(_ proposal: DesignProposal?) -> Double {
        guard let entry = proposal?.metadata.first(where: { $0.key == "acquisition_value" }), case .text(let text) = entry.value else { return .nan }
        return Double(text) ?? .nan
    }
    print("## Acquisition gap: the reference search (50,000 candidates, 50 gradient starts) minus each search, seeds "
          + "\(seedRange.lowerBound)-\(seedRange.upperBound), every \(every)th model suggestion of \(budget) trials")
    print("function               variant          states  gap>0.01  gap>0.1  median_gap   max_gap  seconds_per_suggestion")
    for function in functions {
        var gaps: [String: [Double]] = [:]
        var seconds: [String: Double] = [:]
        for seed in seedRange {
            let spec = studySpec(function, seed: UInt64(seed))
            guard case .gaussianProcess(let settings) = spec.algorithm else { continue }
            var designers: [String: GaussianProcessDesigner] = [:]
            for name in compared + [reference] {
                designers[name] = try GaussianProcessDesigner(spec: spec, settings: settings, search: variants[name] ?? .standard)
            }
            let trajectory = try GaussianProcessDesigner(spec: spec, settings: settings, search: .standard)
            var history: [Trial] = []
            for trial in 0..<budget {
                let request = DesignRequest(count: 1, history: history, trialCount: trial)
                var next: ParameterAssignment?
                if trial >= settings.initialTrials, (trial - settings.initialTrials) % every == 0 {
                    var values: [String: Double] = [:]
                    var distances: [String: Double] = [:]
                    let incumbent = history.min { ($0.finalMeasurement?.metrics["y"] ?? .infinity) < ($1.finalMeasurement?.metrics["y"] ?? .infinity) }
                        .map { point($0.parameters, function) }
                    for name in compared + [reference] {
                        guard let designer = designers[name] else { continue }
                        let start = now()
                        let proposal = try designer.propose(request).first
                        seconds[name, default: 0] += now() - start
                        values[name] = acquisitionValue(proposal)
                        if let incumbent, let proposal {
                            // Root-mean-square distance per coordinate from the best trial, in widths of the box.
                            let x = point(proposal.parameters, function)
                            distances[name] = ((0..<function.dimensions).reduce(0) { sum, k in
                                let delta = (x[k] - incumbent[k]) / (function.upper[k] - function.lower[k])
                                return sum + delta * delta
                            } / Double(function.dimensions)).squareRoot()
                        }
                        if name == "standard" { next = proposal?.parameters }
                    }
                    let best = values[reference] ?? .nan
                    for name in compared { gaps[name, default: []].append(best - (values[name] ?? .nan)) }
                    if arguments.contains("--per-seed") {
                        print("gap \(function.name.replacingOccurrences(of: " ", with: "_")) \(seed) \(trial) "
                              + (compared + [reference]).map { "\($0)=" + String(format: "%.6g", values[$0] ?? .nan) }.joined(separator: " ")
                              + " distance " + (compared + [reference]).map { String(format: "%.3f", distances[$0] ?? .nan) }.joined(separator: " "))
                        fflush(nil)
                    }
                }
                guard let assignment = try next ?? trajectory.suggest(request).first else { break }
                let x = point(assignment, function)
                history.append(completedTrial(id: trial + 1, x, function.evaluate(x), kinds: function.kinds))
            }
        }
        for name in compared {
            let values = (gaps[name] ?? []).filter { !$0.isNaN }
            print(function.name.padding(toLength: 21, withPad: " ", startingAt: 0) + "  " + name.padding(toLength: 15, withPad: " ", startingAt: 0)
                  + String(format: "  %6d  %8d  %7d  %10.4f  %8.4f  %10.3f", values.count, values.filter { $0 > 0.01 }.count,
                           values.filter { $0 > 0.1 }.count, percentile(values, 0.5), values.max() ?? .nan,
                           (seconds[name] ?? 0) / Double(Swift.max(values.count, 1))))
        }
        print(function.name.padding(toLength: 21, withPad: " ", startingAt: 0) + "  " + reference.padding(toLength: 15, withPad: " ", startingAt: 0)
              + String(format: "  %6d  %8@  %7@  %10@  %8@  %10.3f", (gaps[compared.first ?? ""] ?? []).count, "-" as NSString, "-" as NSString, "-" as NSString,
                       "-" as NSString,
                       (seconds[reference] ?? 0) / Double(Swift.max((gaps[compared.first ?? ""] ?? []).count, 1))))
        fflush(nil)
    }
    print("")
}

// MARK: Batch suggestions

// `--batch` compares batches of `--batch-sizes` (default 1,4,8) at equal trial counts: each round asks for a batch
// given the history, evaluates all of it, and adds it. `--seeds` and `--functions` as for `--quality`.
if runs("--batch") {
    let seedRange: ClosedRange<Int> = argumentValue("--seeds").flatMap { text -> ClosedRange<Int>? in
        let bounds = text.split(separator: "-").compactMap { Int($0) }
        return bounds.count == 2 && bounds[0] <= bounds[1] ? bounds[0]...bounds[1] : nil
    } ?? 0...9
    let budget = quick ? 48 : 96
    let batchSizes = argumentValue("--batch-sizes")?.split(separator: ",").compactMap { Int($0) } ?? [1, 4, 8]
    let names = argumentValue("--functions")?.split(separator: ",").map(String.init) ?? ["Branin", "Hartmann-6", "Ackley-5", "Mixed int/categorical"]
    let functions = namedFunctions.filter { names.contains($0.name) }
    // `--variants NAME,...` (default `standard`): the search options compared; a name other than `standard` labels the rows.
    let variantNames = argumentValue("--variants")?.split(separator: ",").map(String.init) ?? ["standard"]
    print("## Batch suggestions: final regret over seeds \(seedRange.lowerBound)-\(seedRange.upperBound) at \(budget) trials (lower is better)")
    print("function               batch  median_regret  worst_regret  duplicates  seconds_per_run")
    for function in functions {
        for variantName in variantNames {
            guard let search = variants[variantName] else {
                print("unknown variant \(variantName); known: \(variants.keys.sorted().joined(separator: ", "))")
                continue
            }
            let prefix = variantNames == ["standard"] ? "" : "\(variantName)/"
            for batchSize in batchSizes {
                var regrets: [Double] = []
                var seconds: [Double] = []
                var duplicates = 0
                for seed in seedRange {
                    let spec = studySpec(function, seed: UInt64(seed))
                    guard case .gaussianProcess(let settings) = spec.algorithm else { continue }
                    let designer = try GaussianProcessDesigner(spec: spec, settings: settings, cache: GaussianProcessCache(), search: search)
                    var history: [Trial] = []
                    var seen = Set<ParameterAssignment>()
                    var best = Double.infinity
                    let start = now()
                    while history.count < budget {
                        let batch = try designer.suggest(DesignRequest(count: Swift.min(batchSize, budget - history.count), history: history,
                                                                       trialCount: history.count))
                        guard !batch.isEmpty else { break }
                        for assignment in batch {
                            if !seen.insert(assignment).inserted { duplicates += 1 }
                            let x = point(assignment, function)
                            let value = function.evaluate(x)
                            best = Swift.min(best, value)
                            history.append(completedTrial(id: history.count + 1, x, value, kinds: function.kinds))
                        }
                    }
                    seconds.append(now() - start)
                    regrets.append(best - function.minimum)
                    if arguments.contains("--per-seed") {
                        print("run \(prefix)batch\(batchSize) \(function.name.replacingOccurrences(of: " ", with: "_")) \(seed) "
                              + String(format: "%.6e %.2f", best - function.minimum, seconds.last ?? 0))
                        fflush(nil)
                    }
                }
                print((prefix + function.name).padding(toLength: 21, withPad: " ", startingAt: 0)
                      + String(format: "  %5d  %13.3e  %12.3e  %10d  %15.2f", batchSize, percentile(regrets, 0.5), regrets.max() ?? .nan, duplicates,
                               percentile(seconds, 0.5)))
                fflush(nil)
            }
        }
    }
    print("")
}

// MARK: Ask and tell over standard input

// `--ask-tell` runs one study for a driver on the other end of a pipe (Benchmarks/sklearn_tuning_benchmark.py): the
// first input line is a JSON object `{"seed": 0, "variant": "standard", "parameters": [{"name": "C", "type":
// "double", "min": 0.001, "max": 1000, "log": true}, {"name": "depth", "type": "integer", "min": 1, "max": 12},
// {"name": "kernel", "type": "categorical", "values": ["rbf", "poly"]}]}`; then the program writes one suggestion
// per line as a JSON object of parameter values and reads the objective value (minimized) as the next line, until
// its input ends. The driver evaluates the objective; Augur only suggests, as it would through `augur serve`.
if runs("--ask-tell") {
    struct AskTellParameter: Decodable {
        var name: String
        var type: String
        var min: Double?
        var max: Double?
        var log: Bool?
        var values: [String]?
    }
    struct AskTellStudy: Decodable {
        var seed: UInt64
        var variant: String?
        var parameters: [AskTellParameter]
    }
    guard let line = readLine(), let study = try? JSONDecoder().decode(AskTellStudy.self, from: Data(line.utf8)) else {
        FileHandle.standardError.write(Data("--ask-tell: the first input line must be the study as JSON\n".utf8))
        exit(2)
    }
    let parameters = study.parameters.map { parameter -> ParameterSpec in
        let scale: ScaleType = parameter.log == true ? .log : .linear
        switch parameter.type {
        case "integer": return .integer(parameter.name, min: Int(parameter.min ?? 0), max: Int(parameter.max ?? 1), scale: scale)
        case "categorical": return .categorical(parameter.name, parameter.values ?? [])
        default: return .double(parameter.name, min: parameter.min ?? 0, max: parameter.max ?? 1, scale: scale)
        }
    }
    let spec = StudySpec(name: "ask-tell", searchSpace: SearchSpace(parameters), objective: Objective(metric: "y", goal: .minimize),
                         algorithm: .gaussianProcess(GaussianProcessSettings()), seed: study.seed)
    guard case .gaussianProcess(let settings) = spec.algorithm, let search = variants[study.variant ?? "standard"] else { exit(2) }
    let designer = try GaussianProcessDesigner(spec: spec, settings: settings, cache: GaussianProcessCache(), search: search)
    var history: [Trial] = []
    while true {
        let start = now()
        guard let assignment = try designer.suggest(DesignRequest(count: 1, history: history, trialCount: history.count)).first else { break }
        let seconds = now() - start
        var object: [String: Any] = [:]
        for (name, value) in assignment {
            switch value {
            case .double(let x): object[name] = x
            case .integer(let x): object[name] = x
            case .string(let text): object[name] = text
            }
        }
        object["_seconds"] = seconds
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
        fflush(nil)
        guard let reply = readLine(), let value = Double(reply.trimmingCharacters(in: .whitespaces)) else { break }
        history.append(Trial(id: history.count + 1, study: "ask-tell", parameters: assignment, state: .completed,
                             finalMeasurement: TrialMeasurement(metrics: ["y": value])))
    }
    exit(0)
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
