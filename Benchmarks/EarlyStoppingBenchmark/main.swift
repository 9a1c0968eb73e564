import AugurAlgorithms
import AugurCore
import Foundation

// Early-stopping benchmark: how many training steps each stopping policy saves on synthetic learning curves with
// known final values, and how close the best final value it keeps stays to running every trial to the end.
//
//   swift run -c release EarlyStoppingBenchmark [--seeds N] [--trials N] [--steps N] [--noise X] [--export FILE]
//
// --export writes every seed's curves as JSON for Benchmarks/optuna_pruners_benchmark.py.

struct Options {
    var seeds = 10
    var trials = 100
    var steps = 100
    var noise = 0.01
    var workerCounts = [1, 8]
    var exportPath: String?

    init(arguments: [String]) throws(UsageError) {
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw UsageError(message: "\(flag) needs a value") }
            switch flag {
            case "--seeds": seeds = try Self.positive(value, flag)
            case "--trials": trials = try Self.positive(value, flag)
            case "--steps": steps = try Self.positive(value, flag)
            case "--noise":
                guard let noise = Double(value), noise >= 0 else { throw UsageError(message: "--noise needs a number at least 0, not \(value)") }
                self.noise = noise
            case "--export": exportPath = value
            default: throw UsageError(message: "unknown option \(flag); use --seeds, --trials, --steps, --noise or --export")
            }
        }
    }

    static func positive(_ text: String, _ flag: String) throws(UsageError) -> Int {
        guard let value = Int(text), value > 0 else { throw UsageError(message: "\(flag) needs a positive whole number, not \(text)") }
        return value
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { "EarlyStoppingBenchmark: \(message)" }
}

struct Contender {
    var name: String
    var policy: (any StoppingPolicy)?
}

func contenders(steps: Int) -> [Contender] {
    [
        Contender(name: "no stopping", policy: nil),
        Contender(name: "median (min 3 trials, start step 5)",
                  policy: MedianStoppingPolicy(settings: MedianStoppingSettings(minTrialsRequired: 3, startStep: 5))),
        Contender(name: "median (min 3 trials, start step 10)",
                  policy: MedianStoppingPolicy(settings: MedianStoppingSettings(minTrialsRequired: 3, startStep: 10))),
        Contender(name: "ASHA (min 1, eta 3, 4 rungs)",
                  policy: SuccessiveHalvingPolicy(settings: SuccessiveHalvingSettings(minResource: 1, reductionFactor: 3, rungs: 4))),
        Contender(name: "ASHA (min 3, eta 3, 3 rungs)",
                  policy: SuccessiveHalvingPolicy(settings: SuccessiveHalvingSettings(minResource: 3, reductionFactor: 3, rungs: 3))),
        Contender(name: "Hyperband (r 1, R \(steps), eta 3)",
                  policy: HyperbandPolicy(settings: HyperbandSettings(minResource: 1, maxResource: steps, eta: 3))),
    ]
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

do {
    let options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
    let curveSets = (0..<options.seeds).map { SyntheticCurves(seed: UInt64($0), trials: options.trials, steps: options.steps, noise: options.noise) }
    if let path = options.exportPath {
        let export = CurveExport(steps: options.steps, noise: options.noise,
                                 sets: curveSets.map { CurveExport.CurveSet(seed: $0.seed, curves: $0.curves) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(export).write(to: URL(fileURLWithPath: path))
        print("wrote the curves of seeds 0..<\(options.seeds) to \(path)")
    }

    let fullSteps = options.trials * options.steps
    print("Early stopping on synthetic power-law curves: \(options.trials) trials x \(options.steps) steps, noise \(options.noise), seeds 0..<\(options.seeds)")
    print("means over seeds; wall = simulated seconds to finish all trials; best final = smallest true (noise-free) final loss")
    print("among trials that ran to the end; gap = its excess over the no-stopping run, relative; within 1% = seeds with gap <= 1%")
    print("")
    print(pad("policy", 38) + pad("workers", 9) + pad("steps (mean)", 14) + pad("saved", 8) + pad("fewer", 8)
        + pad("stopped", 9) + pad("wall (s)", 10) + pad("best final", 12) + pad("gap mean", 10) + pad("gap max", 9) + "within 1%")
    for workers in options.workerCounts {
        var baseline: [Double] = []
        for contender in contenders(steps: options.steps) {
            var steps = 0.0, stopped = 0.0, wall = 0.0, best = 0.0, gapSum = 0.0, gapMax = 0.0
            var within = 0
            for (seedIndex, curves) in curveSets.enumerated() {
                let outcome = StudySimulation(curves: curves, workers: workers).run(policy: contender.policy)
                if contender.policy == nil { baseline.append(outcome.bestTrueFinal) }
                let gap = (outcome.bestTrueFinal - baseline[seedIndex]) / baseline[seedIndex]
                steps += Double(outcome.totalSteps)
                stopped += Double(outcome.stoppedTrials)
                wall += outcome.makespan
                best += outcome.bestTrueFinal
                gapSum += gap
                gapMax = max(gapMax, gap)
                if gap <= 0.01 { within += 1 }
            }
            let seeds = Double(curveSets.count)
            let meanSteps = steps / seeds
            print(pad(contender.name, 38) + pad("\(workers)", 9) + pad(fixed(meanSteps, 0), 14)
                + pad(fixed(100 * (1 - meanSteps / Double(fullSteps)), 1) + "%", 8)
                + pad(fixed(Double(fullSteps) / meanSteps, 2) + "x", 8)
                + pad(fixed(stopped / seeds, 1), 9) + pad(fixed(wall / seeds, 0), 10) + pad(fixed(best / seeds, 4), 12)
                + pad(fixed(100 * gapSum / seeds, 2) + "%", 10) + pad(fixed(100 * gapMax, 2) + "%", 9)
                + "\(within)/\(curveSets.count)")
        }
        print("")
    }
} catch let error as UsageError {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("EarlyStoppingBenchmark: could not write the curves: \(error)\n".utf8))
    exit(1)
}
