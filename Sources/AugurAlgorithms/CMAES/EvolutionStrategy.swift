import AugurCore
import Foundation

/// The state of one CMA-ES run (Hansen's tutorial, arXiv:1604.00772, with the active negative weights of the
/// `cmaes` package that Optuna's `CmaEsSampler` uses) on the box [0, 1]^n.
///
/// A value: `tell` returns nothing but mutates; the designer rebuilds it from the study's history on every call
/// (memoizing each tell, a pure function of the state and the solutions).
struct EvolutionStrategy: Sendable, Hashable {
    static let epsilon = 1e-8

    let dimension: Int
    let populationSize: Int
    let parentCount: Int
    /// Recombination weights: positive for the best `parentCount`, negative (active update) for the rest.
    let weights: [Double]
    let effectiveParents: Double
    let rankOneRate: Double
    let rankMuRate: Double
    let cumulationRate: Double
    let sigmaCumulationRate: Double
    let sigmaDamping: Double
    /// E‖N(0, I)‖.
    let expectedNorm: Double

    private(set) var mean: [Double]
    private(set) var sigma: Double
    private(set) var covariance: [[Double]]
    private(set) var sigmaPath: [Double]
    private(set) var covariancePath: [Double]
    /// Generations told so far.
    private(set) var generation = 0
    /// `B` and `D` of `C = B·diag(D²)·Bᵀ`.
    private(set) var eigenvectors: [[Double]]
    private(set) var axisLengths: [Double]

    // Termination (the `cmaes` package's `should_stop`).
    private let initialSigma: Double
    private let historyLength: Int
    private var bestAndWorst: [Double]

    init(mean: [Double], sigma: Double, populationSize: Int? = nil) {
        let n = mean.count
        dimension = n
        let lambda = Swift.max(populationSize ?? Self.defaultPopulationSize(dimension: n), 2)
        self.populationSize = lambda
        let mu = lambda / 2
        parentCount = mu
        let raw = (1...lambda).map { Foundation.log((Double(lambda) + 1) / 2) - Foundation.log(Double($0)) }
        let positive = raw.prefix(mu)
        let negative = raw.dropFirst(mu)
        let muEff = Foundation.pow(positive.reduce(0, +), 2) / positive.reduce(0) { $0 + $1 * $1 }
        let muEffMinus = negative.isEmpty ? 0 : Foundation.pow(negative.reduce(0, +), 2) / negative.reduce(0) { $0 + $1 * $1 }
        effectiveParents = muEff
        let d = Double(n)
        let alphaCov = 2.0
        let c1 = alphaCov / (Foundation.pow(d + 1.3, 2) + muEff)
        let cmu = Swift.min(1 - c1 - 1e-8, alphaCov * (muEff - 2 + 1 / muEff) / (Foundation.pow(d + 2, 2) + alphaCov * muEff / 2))
        rankOneRate = c1
        rankMuRate = cmu
        let minAlpha = Swift.min(1 + c1 / cmu, 1 + 2 * muEffMinus / (muEff + 2), (1 - c1 - cmu) / (d * cmu))
        let positiveSum = raw.filter { $0 > 0 }.reduce(0, +)
        let negativeSum = raw.filter { $0 < 0 }.reduce(0) { $0 + Swift.abs($1) }
        weights = raw.map { $0 >= 0 ? $0 / positiveSum : minAlpha * $0 / Swift.max(negativeSum, .leastNormalMagnitude) }
        sigmaCumulationRate = (muEff + 2) / (d + muEff + 5)
        sigmaDamping = 1 + 2 * Swift.max(0, ((muEff - 1) / (d + 1)).squareRoot() - 1) + sigmaCumulationRate
        cumulationRate = (4 + muEff / d) / (d + 4 + 2 * muEff / d)
        expectedNorm = d.squareRoot() * (1 - 1 / (4 * d) + 1 / (21 * d * d))

        self.mean = mean
        self.sigma = sigma
        initialSigma = sigma
        covariance = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        sigmaPath = [Double](repeating: 0, count: n)
        covariancePath = [Double](repeating: 0, count: n)
        eigenvectors = covariance
        axisLengths = [Double](repeating: 1, count: n)
        historyLength = 10 + Int((30 * d / Double(lambda)).rounded(.up))
        // Every slot is written before `shouldStop` reads them (after `historyLength` generations); zeros, not NaN, so
        // that equal states compare equal (the designer memoizes tells).
        bestAndWorst = [Double](repeating: 0, count: 2 * historyLength)
    }

    /// `4 + ⌊3 ln n⌋`.
    static func defaultPopulationSize(dimension: Int) -> Int {
        4 + Int((3 * Foundation.log(Double(Swift.max(dimension, 1)))).rounded(.down))
    }

    /// A draw `mean + sigma · B·D·z` inside [0, 1]^n: up to 100 draws, then the last one clipped (the `cmaes`
    /// package's `ask` with bounds).
    func sample(using generator: inout SeededGenerator) -> [Double] {
        var x: [Double] = []
        for _ in 0..<100 {
            x = draw(using: &generator)
            if x.allSatisfy({ $0 >= 0 && $0 <= 1 }) { return x }
        }
        return x.map { Swift.min(Swift.max($0, 0), 1) }
    }

    private func draw(using generator: inout SeededGenerator) -> [Double] {
        let z = (0..<dimension).map { _ in generator.nextGaussian() }
        var x = mean
        for i in 0..<dimension {
            var y = 0.0
            for k in 0..<dimension { y += eigenvectors[i][k] * axisLengths[k] * z[k] }
            x[i] += sigma * y
        }
        return x
    }

    /// One generation's update from `populationSize` evaluated points (`loss`: smaller is better).
    mutating func tell(_ solutions: [(point: [Double], loss: Double)]) {
        let n = dimension
        generation += 1
        let sorted = solutions.enumerated().sorted { ($0.element.loss, $0.offset) < ($1.element.loss, $1.offset) }.map(\.element)
        let slot = 2 * (generation % historyLength)
        bestAndWorst[slot] = sorted.first?.loss ?? .nan
        bestAndWorst[slot + 1] = sorted.last?.loss ?? .nan

        let steps = sorted.map { solution in (0..<n).map { (solution.point[$0] - mean[$0]) / sigma } }
        var weightedStep = [Double](repeating: 0, count: n)
        for (k, step) in steps.prefix(parentCount).enumerated() {
            for i in 0..<n { weightedStep[i] += weights[k] * step[i] }
        }
        for i in 0..<n { mean[i] += sigma * weightedStep[i] }

        // C^(-1/2) · y_w
        let whitenedStep = inverseSquareRoot(times: weightedStep)
        let sigmaRate = sigmaCumulationRate
        let sigmaScale = (sigmaRate * (2 - sigmaRate) * effectiveParents).squareRoot()
        for i in 0..<n { sigmaPath[i] = (1 - sigmaRate) * sigmaPath[i] + sigmaScale * whitenedStep[i] }
        let pathNorm = sigmaPath.reduce(0) { $0 + $1 * $1 }.squareRoot()
        sigma *= Foundation.exp((sigmaRate / sigmaDamping) * (pathNorm / expectedNorm - 1))
        sigma = Swift.min(sigma, 1e32)

        let heldLeft = pathNorm / (1 - Foundation.pow(1 - sigmaRate, Double(2 * (generation + 1)))).squareRoot()
        let held = heldLeft < (1.4 + 2 / Double(n + 1)) * expectedNorm ? 1.0 : 0.0
        let pathScale = (cumulationRate * (2 - cumulationRate) * effectiveParents).squareRoot()
        for i in 0..<n { covariancePath[i] = (1 - cumulationRate) * covariancePath[i] + held * pathScale * weightedStep[i] }

        var rankMu = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (k, step) in steps.enumerated() where k < weights.count {
            var weight = weights[k]
            if weight < 0 {
                let whitened = inverseSquareRoot(times: step)
                weight *= Double(n) / (whitened.reduce(0) { $0 + $1 * $1 } + Self.epsilon)
            }
            for i in 0..<n { for j in 0..<n { rankMu[i][j] += weight * step[i] * step[j] } }
        }
        let lostHeld = (1 - held) * cumulationRate * (2 - cumulationRate)
        let decay = 1 + rankOneRate * lostHeld - rankOneRate - rankMuRate * weights.reduce(0, +)
        for i in 0..<n {
            for j in 0..<n {
                covariance[i][j] = decay * covariance[i][j] + rankOneRate * covariancePath[i] * covariancePath[j]
                    + rankMuRate * rankMu[i][j]
            }
        }
        decompose()
    }

    /// `C^(-1/2) · v = B · diag(1/D) · Bᵀ · v`.
    private func inverseSquareRoot(times v: [Double]) -> [Double] {
        let n = dimension
        var projected = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var sum = 0.0
            for i in 0..<n { sum += eigenvectors[i][k] * v[i] }
            projected[k] = sum / axisLengths[k]
        }
        return (0..<n).map { i in (0..<n).reduce(0) { $0 + eigenvectors[i][$1] * projected[$1] } }
    }

    /// Symmetrizes C and refreshes B and D (eigenvalues below zero become `epsilon`).
    private mutating func decompose() {
        let n = dimension
        for i in 0..<n { for j in (i + 1)..<Swift.max(n, i + 1) {
            let average = (covariance[i][j] + covariance[j][i]) / 2
            covariance[i][j] = average
            covariance[j][i] = average
        } }
        let eigen = SymmetricEigen(covariance)
        eigenvectors = eigen.vectors
        axisLengths = eigen.values.map { ($0 < 0 ? Self.epsilon : $0).squareRoot() }
    }

    /// Whether the run has converged or stalled (the `cmaes` package's criteria): the best and worst values of the
    /// recent generations within 1e-12, the step size below 1e-12 of its start in every coordinate, the step size
    /// times an axis above 1e4, a step that no longer moves the mean along a coordinate or an axis, or a
    /// covariance condition number above 1e14.
    var shouldStop: Bool {
        let n = dimension
        let diagonal = (0..<n).map { covariance[$0][$0] }
        if generation > historyLength, let high = bestAndWorst.max(), let low = bestAndWorst.min(), high - low < 1e-12 {
            return true
        }
        let tolerance = 1e-12 * initialSigma
        if diagonal.allSatisfy({ sigma * $0 < tolerance }) && covariancePath.allSatisfy({ sigma * $0 < tolerance }) {
            return true
        }
        if sigma * (axisLengths.max() ?? 0) > 1e4 { return true }
        if (0..<n).contains(where: { mean[$0] == mean[$0] + 0.2 * sigma * diagonal[$0].squareRoot() }) { return true }
        let axis = generation % n
        if (0..<n).allSatisfy({ mean[$0] == mean[$0] + 0.1 * sigma * axisLengths[axis] * eigenvectors[$0][axis] }) { return true }
        if let largest = axisLengths.max(), let smallest = axisLengths.min(), largest / smallest > 1e14 { return true }
        return false
    }
}
