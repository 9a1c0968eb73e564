import AugurCore
import AugurMath
import Foundation

/// A Gaussian process conditioned on observations: the Cholesky factor of `K + σₙ² I` and `α = (K + σₙ² I)⁻¹ (y − m)`.
///
/// The model knows nothing of studies: points are rows of a matrix of features in the unit cube, values are
/// standardized numbers where larger is better. With input warping (``GaussianProcessHyperparameters/inputWarp``) the
/// kernel sees every point, trained on or queried, through ``InputWarp``; `points` stay the unwarped features.
public struct GaussianProcessModel: Sendable {
    /// The training inputs, one row per observation.
    public let points: Matrix
    /// The training outputs.
    public let values: [Double]
    public let hyperparameters: GaussianProcessHyperparameters
    /// The kernel's structure: ``Matern52Kernel/Form/product`` (ARD) or ``Matern52Kernel/Form/additive``.
    public let form: Matern52Kernel.Form
    let kernel: Matern52Kernel
    /// `points` as the kernel sees them (warped, if the hyperparameters warp inputs).
    let inputs: Matrix
    let scaledPoints: Matrix
    let cholesky: CholeskyFactor
    let alpha: [Double]

    /// Conditions the process with fixed `hyperparameters` on `values` at `points`.
    ///
    /// - Throws: ``LinearAlgebraError`` when the covariance cannot be factored even with jitter.
    public init(points: Matrix, values: [Double], hyperparameters: GaussianProcessHyperparameters,
                form: Matern52Kernel.Form = .product) throws(LinearAlgebraError) {
        precondition(points.rows == values.count, "One value per point")
        var kernel = hyperparameters.kernel
        kernel.form = form
        var covariance = kernel.covariance(hyperparameters.inputWarp.map { $0.warped(points) } ?? points)
        covariance.addToDiagonal(hyperparameters.noiseVariance)
        let cholesky = try CholeskyFactor(covariance)
        self.init(points: points, values: values, hyperparameters: hyperparameters, form: form, cholesky: cholesky)
    }

    private init(points: Matrix, values: [Double], hyperparameters: GaussianProcessHyperparameters, form: Matern52Kernel.Form,
                 cholesky: CholeskyFactor) {
        self.points = points
        self.values = values
        self.hyperparameters = hyperparameters
        self.form = form
        var kernel = hyperparameters.kernel
        kernel.form = form
        self.kernel = kernel
        self.inputs = hyperparameters.inputWarp.map { $0.warped(points) } ?? points
        self.scaledPoints = kernel.scaled(inputs)
        self.cholesky = cholesky
        let mean = hyperparameters.mean
        self.alpha = cholesky.solve(values.map { $0 - mean })
    }

    /// The model with `newPoints` (one row each) observed as well, with the same hyperparameters, and `values` for
    /// every point, old and new (warped values all change when one is added): the Cholesky factor is extended by a
    /// rank-k update in O(n²k) (``CholeskyFactor/appending(border:corner:)``) instead of factored again in O(n³).
    ///
    /// - Throws: ``LinearAlgebraError`` when the new block cannot be factored even with jitter.
    public func appending(points newPoints: Matrix, values: [Double]) throws(LinearAlgebraError) -> GaussianProcessModel {
        let n = points.rows
        let k = newPoints.rows
        let d = points.columns
        precondition(newPoints.columns == d && values.count == n + k, "New points need every coordinate, and every point a value")
        let scaledNew = kernel.scaled(warpedInputs(newPoints))
        let border = kernel.crossCovariance(scaledA: scaledPoints, scaledB: scaledNew)
        var corner = kernel.crossCovariance(scaledA: scaledNew, scaledB: scaledNew)
        for i in 0..<k { corner[i, i] = kernel.signalVariance }
        corner.addToDiagonal(hyperparameters.noiseVariance)
        let extended = try cholesky.appending(border: border, corner: corner)
        var elements = [Double](repeating: 0, count: (n + k) * d)
        points.elements.withUnsafeBufferPointer { old in
            newPoints.elements.withUnsafeBufferPointer { new in
                for column in 0..<d {
                    for i in 0..<n { elements[i + column * (n + k)] = old[i + column * n] }
                    for i in 0..<k { elements[n + i + column * (n + k)] = new[i + column * k] }
                }
            }
        }
        return GaussianProcessModel(points: Matrix(rows: n + k, columns: d, elements: elements), values: values,
                                    hyperparameters: hyperparameters, form: form, cholesky: extended)
    }

    /// Fits the hyperparameters by maximum a posteriori estimation (log marginal likelihood plus `prior`) from each of
    /// `starts` with L-BFGS-B, keeps the best, and conditions on the data with them, with a kernel of `form`.
    ///
    /// - Throws: ``LinearAlgebraError`` when no start gives a covariance that can be factored.
    public static func fit(points: Matrix, values: [Double], prior: HyperparameterPrior, starts: [[Double]],
                           options: BoundedLBFGS.Options, form: Matern52Kernel.Form = .product) throws(LinearAlgebraError) -> GaussianProcessModel {
        let likelihood = MarginalLikelihood(points: points, values: values, prior: prior, form: form)
        let optimizer = BoundedLBFGS(options: options)
        var best: (theta: [Double], value: Double)?
        if let tying = prior.tying {
            // One variable per group of tied lengthscales.
            for start in starts where start.count == tying.source.count {
                let result = optimizer.minimize(from: tying.reduced(start), lower: tying.reduced(prior.lowerBounds),
                                                upper: tying.reduced(prior.upperBounds)) { reduced, gradient in
                    likelihood.negativeLogPosterior(reduced: reduced, tying: tying, gradient: &gradient)
                }
                if result.value.isFinite, result.value < (best?.value ?? .infinity) {
                    best = (tying.expanded(result.point), result.value)
                }
            }
        } else {
            for start in starts {
                let result = optimizer.minimize(from: start, lower: prior.lowerBounds, upper: prior.upperBounds) { theta, gradient in
                    likelihood.negativeLogPosterior(theta, gradient: &gradient)
                }
                if result.value.isFinite, result.value < (best?.value ?? .infinity) {
                    best = (result.point, result.value)
                }
            }
        }
        let theta = best?.theta ?? prior.defaultStart
        return try GaussianProcessModel(points: points, values: values, hyperparameters: prior.hyperparameters(theta), form: form)
    }

    /// The negative log posterior of the hyperparameters on this model's data (lower is better); for tests and
    /// diagnostics.
    public static func negativeLogPosterior(points: Matrix, values: [Double], prior: HyperparameterPrior, theta: [Double],
                                            form: Matern52Kernel.Form = .product, gradient: inout [Double]) -> Double {
        MarginalLikelihood(points: points, values: values, prior: prior, form: form).negativeLogPosterior(theta, gradient: &gradient)
    }

    /// Posterior mean and variance of the latent function (without observation noise) at each row of `queries`.
    public func predict(_ queries: Matrix) -> (mean: [Double], variance: [Double]) {
        let m = queries.rows
        let n = points.rows
        guard m > 0 else { return ([], []) }
        let scaledQueries = kernel.scaled(warpedInputs(queries))
        let crossTransposed = kernel.crossCovariance(scaledA: scaledPoints, scaledB: scaledQueries)
        var mean = crossTransposed.multiplied(by: alpha, transposingSelf: true)
        let offset = hyperparameters.mean
        for j in 0..<m { mean[j] += offset }
        let whitened = cholesky.solveTriangular(crossTransposed)
        let signal = kernel.signalVariance
        var variance = [Double](repeating: signal, count: m)
        whitened.elements.withUnsafeBufferPointer { v in
            for j in 0..<m {
                var sum = 0.0
                let column = j * n
                for i in 0..<n { sum += v[column + i] * v[column + i] }
                variance[j] = Swift.max(signal - sum, 1e-12 * signal)
            }
        }
        return (mean, variance)
    }

    /// One joint draw of the latent function at the rows of `queries` from the posterior (Thompson sampling):
    /// `μ + L z` with `L Lᵀ` the posterior covariance `K** − K*ᵀ (K + σₙ²I)⁻¹ K*` (factored with escalating jitter,
    /// O(m³) for m queries) and `z` standard normal from `generator`; `nil` when even the jitter does not make the
    /// covariance factorable.
    public func posteriorSample(_ queries: Matrix, using generator: inout SeededGenerator) -> [Double]? {
        let m = queries.rows
        guard m > 0 else { return [] }
        let scaledQueries = kernel.scaled(warpedInputs(queries))
        let crossTransposed = kernel.crossCovariance(scaledA: scaledPoints, scaledB: scaledQueries)
        var mean = crossTransposed.multiplied(by: alpha, transposingSelf: true)
        let offset = hyperparameters.mean
        for j in 0..<m { mean[j] += offset }
        let whitened = cholesky.solveTriangular(crossTransposed)
        var covariance = kernel.crossCovariance(scaledA: scaledQueries, scaledB: scaledQueries)
        let explained = whitened.innerGram()
        for index in 0..<(m * m) { covariance.elements[index] -= explained.elements[index] }
        guard let factor = try? CholeskyFactor(covariance, initialJitter: 1e-9 * kernel.signalVariance) else { return nil }
        let draws = (0..<m).map { _ in generator.nextGaussian() }
        let correlated = factor.lowerTriangular.multiplied(by: draws)
        return (0..<m).map { mean[$0] + correlated[$0] }
    }

    /// `queries` as the kernel sees them.
    func warpedInputs(_ queries: Matrix) -> Matrix {
        hyperparameters.inputWarp.map { $0.warped(queries) } ?? queries
    }

    /// Posterior mean and variance at one point with their gradients with respect to the point's coordinates (with
    /// input warping, through the warp: the gradients in the warped inputs times `w'`, for either form).
    public func predictWithGradient(at unwarpedPoint: [Double]) -> (mean: Double, variance: Double, meanGradient: [Double], varianceGradient: [Double]) {
        let n = points.rows
        let d = points.columns
        let point = hyperparameters.inputWarp.map { $0.warped(unwarpedPoint) } ?? unwarpedPoint
        if form == .additive {
            var additive = additivePredictWithGradient(at: point)
            if let warp = hyperparameters.inputWarp {
                let slopes = warp.derivatives(at: unwarpedPoint)
                for k in 0..<d {
                    additive.meanGradient[k] *= slopes[k]
                    additive.varianceGradient[k] *= slopes[k]
                }
            }
            return additive
        }
        let lengthscales = kernel.lengthscales
        var scaledPoint = [Double](repeating: 0, count: d)
        for k in 0..<d { scaledPoint[k] = point[k] / lengthscales[k] }
        var crossCovariance = [Double](repeating: 0, count: n)
        var radial = [Double](repeating: 0, count: n)
        let signal = kernel.signalVariance
        scaledPoints.elements.withUnsafeBufferPointer { z in
            var squaredDistances = [Double](repeating: 0, count: n)
            for k in 0..<d {
                let coordinate = scaledPoint[k]
                let column = k * n
                for i in 0..<n {
                    let difference = coordinate - z[column + i]
                    squaredDistances[i] += difference * difference
                }
            }
            for i in 0..<n {
                let s = Matern52Kernel.sqrt5 * squaredDistances[i].squareRoot()
                let e = Foundation.exp(-s)
                crossCovariance[i] = signal * (1 + s + s * s / 3) * e
                radial[i] = -5.0 / 3.0 * signal * (1 + s) * e
            }
        }
        var mean = hyperparameters.mean
        for i in 0..<n { mean += crossCovariance[i] * alpha[i] }
        let solved = cholesky.solve(crossCovariance)
        var explained = 0.0
        for i in 0..<n { explained += crossCovariance[i] * solved[i] }
        let rawVariance = signal - explained
        let variance = Swift.max(rawVariance, 1e-12 * signal)

        // ∂k(x, xᵢ)/∂xₖ = radialᵢ (xₖ − xᵢₖ) / ℓₖ²
        var meanWeights = [Double](repeating: 0, count: n)
        var varianceWeights = [Double](repeating: 0, count: n)
        var meanWeightSum = 0.0
        var varianceWeightSum = 0.0
        for i in 0..<n {
            meanWeights[i] = alpha[i] * radial[i]
            varianceWeights[i] = -2 * solved[i] * radial[i]
            meanWeightSum += meanWeights[i]
            varianceWeightSum += varianceWeights[i]
        }
        let meanProjection = inputs.multiplied(by: meanWeights, transposingSelf: true)
        let varianceProjection = inputs.multiplied(by: varianceWeights, transposingSelf: true)
        var meanGradient = [Double](repeating: 0, count: d)
        var varianceGradient = [Double](repeating: 0, count: d)
        for k in 0..<d {
            let inverseSquare = 1 / (lengthscales[k] * lengthscales[k])
            meanGradient[k] = (point[k] * meanWeightSum - meanProjection[k]) * inverseSquare
            varianceGradient[k] = rawVariance > 1e-12 * signal ? (point[k] * varianceWeightSum - varianceProjection[k]) * inverseSquare : 0
        }
        if let warp = hyperparameters.inputWarp {
            let slopes = warp.derivatives(at: unwarpedPoint)
            for k in 0..<d {
                meanGradient[k] *= slopes[k]
                varianceGradient[k] *= slopes[k]
            }
        }
        return (mean, variance, meanGradient, varianceGradient)
    }

    /// The model with one more observation, `value` at `point`, and the same hyperparameters: an O(n²) bordered
    /// Cholesky update. Used for fantasies (pending trials and earlier members of a batch).
    public func conditioned(on point: [Double], value: Double) -> GaussianProcessModel {
        let n = points.rows
        let d = points.columns
        let query = Matrix(rows: 1, columns: d, elements: point)
        let border = kernel.crossCovariance(scaledA: scaledPoints, scaledB: kernel.scaled(warpedInputs(query))).elements
        let extended = cholesky.appending(border: border, corner: kernel.signalVariance + hyperparameters.noiseVariance)
        var elements = [Double](repeating: 0, count: (n + 1) * d)
        points.elements.withUnsafeBufferPointer { old in
            for k in 0..<d {
                for i in 0..<n { elements[i + k * (n + 1)] = old[i + k * n] }
                elements[n + k * (n + 1)] = point[k]
            }
        }
        return GaussianProcessModel(points: Matrix(rows: n + 1, columns: d, elements: elements), values: values + [value],
                                    hyperparameters: hyperparameters, form: form, cholesky: extended)
    }

    /// ``predictWithGradient(at:)`` for the additive form: `∂k(x, xᵢ)/∂xₖ = −σ²/d · 5/3 (1 + s) e⁻ˢ (xₖ − xᵢₖ)/ℓₖ²` with
    /// `s = √5 |xₖ − xᵢₖ|/ℓₖ`, one profile per observation and dimension; `point` is already warped (the gradients are
    /// in the warped inputs, the caller multiplies them by the warp's slopes).
    func additivePredictWithGradient(at point: [Double]) -> (mean: Double, variance: Double, meanGradient: [Double], varianceGradient: [Double]) {
        let n = points.rows
        let d = points.columns
        let lengthscales = kernel.lengthscales
        let signal = kernel.signalVariance
        let weight = signal / Double(Swift.max(d, 1))
        var crossCovariance = [Double](repeating: 0, count: n)
        // ∂k(x, xᵢ)/∂xₖ, observation-major: entry i + k·n.
        var partials = [Double](repeating: 0, count: n * d)
        scaledPoints.elements.withUnsafeBufferPointer { z in
            for k in 0..<d {
                let coordinate = point[k] / lengthscales[k]
                let column = k * n
                let factor = -5.0 / 3.0 * weight / lengthscales[k]
                for i in 0..<n {
                    let u = coordinate - z[column + i]
                    let s = Matern52Kernel.sqrt5 * Swift.abs(u)
                    let e = Foundation.exp(-s)
                    crossCovariance[i] += weight * (1 + s + s * s / 3) * e
                    partials[column + i] = factor * (1 + s) * e * u
                }
            }
        }
        var mean = hyperparameters.mean
        for i in 0..<n { mean += crossCovariance[i] * alpha[i] }
        let solved = cholesky.solve(crossCovariance)
        var explained = 0.0
        for i in 0..<n { explained += crossCovariance[i] * solved[i] }
        let rawVariance = signal - explained
        let variance = Swift.max(rawVariance, 1e-12 * signal)
        let partialMatrix = Matrix(rows: n, columns: d, elements: partials)
        let meanGradient = partialMatrix.multiplied(by: alpha, transposingSelf: true)
        var varianceGradient = partialMatrix.multiplied(by: solved, transposingSelf: true)
        for k in 0..<d { varianceGradient[k] = rawVariance > 1e-12 * signal ? -2 * varianceGradient[k] : 0 }
        return (mean, variance, meanGradient, varianceGradient)
    }
}
