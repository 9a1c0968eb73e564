import AugurAlgorithms
import AugurCore
import AugurTraining
import Foundation

// Population-based training against random search at equal compute, on the training core (issue #18).
//
//   PopulationBasedBenchmark [--seeds 101-110] [--population 8] [--generations 10] [--epochs 1] [--truncation 0.25]
//                            [--resample P] [--batch 64] [--momentum 0.9]
//
// Each seed tunes an MLP on the shipped digits (a fixed 80/20 split per seed) over the learning rate and weight
// decay of SGD with momentum 0.9 and a constant learning rate, twice with the same budget of epochs:
//
// - PBT: `population` members for `generations` generations of `epochs` epochs each, with Augur's designer
//   (truncation threshold 0.25 by default, perturbation by 0.8 / 1.2) and the training core's checkpoints handed from parent to child
//   (in memory here; `augur run` keeps them in files);
// - random search: `population` trials of `generations × epochs` epochs each, drawn by Augur's random designer from
//   the streams PBT's generation 0 draws from, so both arms start from the same points and differ only in what PBT
//   does after the first generation.
//
// Both minimize the final validation loss. Prints one line per seed (best validation loss and the accuracy of that
// model, for both) and the median and worst over the seeds, as ratios PBT ÷ random.

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

let seedList = seeds(option("--seeds") ?? "101-110")
let population = Int(option("--population") ?? "") ?? 8
let generations = Int(option("--generations") ?? "") ?? 10
let epochsPerGeneration = Int(option("--epochs") ?? "") ?? 1
let truncation = Double(option("--truncation") ?? "") ?? 0.25
let resampleProbability = option("--resample").flatMap(Double.init)
let batchSize = Int(option("--batch") ?? "") ?? 64
let momentum = Double(option("--momentum") ?? "") ?? 0.9

let space = SearchSpace([
    .double("lr", min: 1e-3, max: 1, scale: .log),
    .double("wd", min: 1e-6, max: 1e-2, scale: .log),
])
let objective = Objective(metric: "validation_loss", goal: .minimize)

/// The outcome of one trained model: its last epoch's validation loss and accuracy, and the learning rates it was
/// trained with (one per PBT generation of its lineage; a single one for random search).
struct Score {
    var loss: Double
    var accuracy: Double
    var learningRates: [Double] = []
    /// The lowest validation loss of any epoch (what Katib records with its default `min` metric strategy).
    var bestEpochLoss: Double = .infinity
}

func configuration(_ parameters: ParameterAssignment, epochs: Int, seed: UInt64) -> TrainingConfiguration {
    var configuration = TrainingConfiguration()
    configuration.device = .cpu
    configuration.threads = 1
    configuration.hiddenLayers = [64, 64]
    configuration.optimizer = .sgd
    configuration.momentum = momentum
    configuration.schedule = .constant
    configuration.batchSize = batchSize
    configuration.learningRate = parameters["lr"]?.doubleValue ?? 0.01
    configuration.weightDecay = parameters["wd"]?.doubleValue ?? 0
    configuration.epochs = epochs
    configuration.seed = seed
    return configuration
}

/// Trains one trial; a diverged run scores an infinite loss.
func train(_ parameters: ParameterAssignment, epochs: Int, seed: UInt64, split: (training: Dataset, validation: Dataset),
           from checkpoint: TrainingCheckpoint?) throws -> (Score, TrainingCheckpoint?) {
    let result = try Trainer().train(training: split.training, validation: split.validation,
                                     configuration: configuration(parameters, epochs: epochs, seed: seed),
                                     resumingFrom: checkpoint, keepsCheckpoint: true)
    guard let last = result.finalReport, result.stopReason != .diverged, last.validationLoss.isFinite else {
        return (Score(loss: .infinity, accuracy: 0), nil)
    }
    var score = Score(loss: last.validationLoss, accuracy: last.validationAccuracy)
    score.bestEpochLoss = result.epochs.map(\.validationLoss).filter(\.isFinite).min() ?? .infinity
    return (score, result.checkpoint)
}

func finished(_ trial: inout Trial, _ score: Score) {
    trial.state = score.loss.isFinite ? .completed : .infeasible
    if score.loss.isFinite { trial.finalMeasurement = TrialMeasurement(metrics: ["validation_loss": score.loss]) }
}

func populationBased(seed: UInt64, split: (training: Dataset, validation: Dataset)) throws -> Score {
    let settings = PopulationBasedTrainingSettings(
        population: population, truncationThreshold: truncation, resampleProbability: resampleProbability)
    let spec = StudySpec(name: "pbt", searchSpace: space, objective: objective, algorithm: .populationBased(settings), seed: seed)
    let designer = try PopulationBasedDesigner(spec: spec, settings: settings)
    var trials: [Trial] = []
    var checkpoints: [Int: TrainingCheckpoint] = [:]
    var lineages: [Int: [Double]] = [:]
    var best = Score(loss: .infinity, accuracy: 0)
    for _ in 0..<generations {
        let proposals = try designer.propose(DesignRequest(count: population, history: trials, trialCount: trials.count))
        for proposal in proposals {
            let id = trials.count + 1
            var trial = Trial(id: id, study: "pbt", parameters: proposal.parameters, state: .active)
            let parent = PopulationMember(metadata: proposal.metadata)?.parent
            let (trained, checkpoint) = try train(proposal.parameters, epochs: epochsPerGeneration, seed: seed, split: split,
                                                  from: parent.flatMap { checkpoints[$0] })
            var score = trained
            checkpoints[id] = checkpoint
            lineages[id] = (parent.flatMap { lineages[$0] } ?? []) + [proposal.parameters["lr"]?.doubleValue ?? .nan]
            score.learningRates = lineages[id] ?? []
            finished(&trial, score)
            trials.append(trial)
            if score.loss < best.loss { best = score }
        }
    }
    return best
}

func randomSearch(seed: UInt64, split: (training: Dataset, validation: Dataset)) throws -> Score {
    let designer = try RandomDesigner(searchSpace: space, seed: seed)
    var best = Score(loss: .infinity, accuracy: 0)
    var bestEpochLoss = Double.infinity
    // Trials 1…population, drawn from the same streams as PBT's generation 0: both arms start from the same points.
    for parameters in try designer.suggest(DesignRequest(count: population, trialCount: 1)) {
        var score = try train(parameters, epochs: generations * epochsPerGeneration, seed: seed, split: split, from: nil).0
        score.learningRates = [parameters["lr"]?.doubleValue ?? .nan]
        bestEpochLoss = min(bestEpochLoss, score.bestEpochLoss)
        if score.loss < best.loss { best = score }
    }
    best.bestEpochLoss = bestEpochLoss
    return best
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

let digits = try Dataset.digits()
print("PBT vs random search, equal compute: \(population) × \(generations) generations × \(epochsPerGeneration) epochs "
    + "(PBT) vs \(population) trials × \(generations * epochsPerGeneration) epochs (random), "
    + "\(population * generations * epochsPerGeneration) epochs each; MLP 64×64 on digits, SGD momentum \(momentum), "
    + "batch \(batchSize), constant lr; truncation \(truncation), "
    + (resampleProbability.map { "resample probability \($0)" } ?? "perturbation 0.8 / 1.2"))
print("seed\tPBT loss\tPBT acc\trandom loss\trandom acc\tloss ratio PBT/random\trandom best-epoch loss\tratio PBT/that"
    + "\tPBT lr first→last\trandom lr")
var ratios: [Double] = []
var pbtLosses: [Double] = []
var randomLosses: [Double] = []
var pbtAccuracies: [Double] = []
var randomAccuracies: [Double] = []
var randomBestEpochLosses: [Double] = []
var bestEpochRatios: [Double] = []
let started = Date()
for seed in seedList {
    let split = digits.split(validationFraction: 0.2, seed: seed)
    let pbt = try populationBased(seed: seed, split: split)
    let random = try randomSearch(seed: seed, split: split)
    let ratio = pbt.loss / random.loss
    ratios.append(ratio)
    pbtLosses.append(pbt.loss)
    randomLosses.append(random.loss)
    pbtAccuracies.append(pbt.accuracy)
    randomAccuracies.append(random.accuracy)
    randomBestEpochLosses.append(random.bestEpochLoss)
    bestEpochRatios.append(pbt.loss / random.bestEpochLoss)
    print(String(format: "%llu\t%.4f\t%.4f\t%.4f\t%.4f\t%.3f\t%.4f\t%.3f\t%.3g→%.3g (%d gen.)\t%.3g", seed, pbt.loss,
                 pbt.accuracy, random.loss, random.accuracy, ratio, random.bestEpochLoss, pbt.loss / random.bestEpochLoss,
                 pbt.learningRates.first ?? .nan, pbt.learningRates.last ?? .nan,
                 pbt.learningRates.count, random.learningRates.first ?? .nan))
}
let wins = zip(pbtLosses, randomLosses).filter { $0 < $1 }.count
print(String(format: "median: PBT loss %.4f acc %.4f | random loss %.4f acc %.4f | ratio %.3f",
             median(pbtLosses), median(pbtAccuracies), median(randomLosses), median(randomAccuracies), median(ratios)))
print(String(format: "worst:  PBT loss %.4f acc %.4f | random loss %.4f acc %.4f | worst ratio %.3f",
             pbtLosses.max() ?? .nan, pbtAccuracies.min() ?? .nan, randomLosses.max() ?? .nan, randomAccuracies.min() ?? .nan,
             ratios.max() ?? .nan))
print("PBT better on \(wins) of \(seedList.count) seeds; \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
let bestEpochWins = zip(pbtLosses, randomBestEpochLosses).filter { $0 < $1 }.count
print(String(format: "against random search's best epoch (early stopping for free): random loss median %.4f, worst %.4f | "
    + "ratio median %.3f, worst %.3f | PBT better on %d of %d seeds", median(randomBestEpochLosses),
    randomBestEpochLosses.max() ?? .nan, median(bestEpochRatios), bestEpochRatios.max() ?? .nan, bestEpochWins, seedList.count))
