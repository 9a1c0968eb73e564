import AugurCore
import Foundation

/// A seeded set of synthetic learning curves with known final values.
///
/// Trial `i` of seed `s` draws, from `SeededGenerator(seed: s, stream: i)`:
/// - an asymptote `a ~ U(0.10, 0.60)` (the loss it would reach with unlimited training),
/// - a gap `b ~ U(0.20, 1.00)` and a rate `c ~ U(0.20, 1.20)`,
///
/// and reports at steps `t = 1 … steps` the loss `a + b * t^(-c) + noise * N(0, 1)`. Its true final value is the
/// noise-free `a + b * steps^(-c)`. Each step takes it `U(0.5, 2.0)` seconds of simulated time (drawn last), so
/// parallel workers reach rungs in a different order than trials were started. Because `a`, `b` and `c` are independent, slow learners with a low asymptote
/// exist and early values only partly predict final ones, as in real hyperparameter sweeps.
struct SyntheticCurves: Sendable {
    struct Curve: Sendable, Codable {
        var asymptote: Double
        var gap: Double
        var rate: Double
        /// The observed (noisy) loss at steps 1, 2, ….
        var observed: [Double]
        /// The noise-free loss at the last step.
        var trueFinal: Double
        /// Simulated seconds per step.
        var stepSeconds: Double
    }

    let seed: UInt64
    let steps: Int
    let noise: Double
    let curves: [Curve]

    init(seed: UInt64, trials: Int, steps: Int, noise: Double) {
        self.seed = seed
        self.steps = steps
        self.noise = noise
        var curves: [Curve] = []
        for index in 0..<trials {
            var random = SeededGenerator(seed: seed, stream: UInt64(index))
            let asymptote = 0.10 + 0.50 * random.nextUnit()
            let gap = 0.20 + 0.80 * random.nextUnit()
            let rate = 0.20 + 1.00 * random.nextUnit()
            let loss = { (step: Int) in asymptote + gap * pow(Double(step), -rate) }
            let observed = (1...steps).map { loss($0) + noise * random.nextGaussian() }
            let stepSeconds = 0.5 + 1.5 * random.nextUnit()
            curves.append(Curve(asymptote: asymptote, gap: gap, rate: rate, observed: observed, trueFinal: loss(steps), stepSeconds: stepSeconds))
        }
        self.curves = curves
    }

    /// The smallest true final value of any trial: what running every trial to the end finds.
    var bestTrueFinal: Double { curves.map(\.trueFinal).min() ?? .nan }
}
