import AugurMath
import Foundation

/// The negative log posterior of the hyperparameters, `−log p(y | X, θ) − log p(θ)`, with its analytic gradient.
///
/// With `K_y = K + σₙ² I`, `α = K_y⁻¹ (y − m)` and `W = ααᵀ − K_y⁻¹`, each partial derivative of the log marginal
/// likelihood is `½ tr(W ∂K_y/∂θ)`. For the lengthscales the trace over all pairs collapses to BLAS: with
/// `M = W ∘ G` (`G` the kernel's radial derivative) and `Z` the scaled inputs,
/// `∂/∂ log ℓₖ = Σᵢ zᵢₖ² (M·1)ᵢ − Σᵢ zᵢₖ (M Z)ᵢₖ`, one `dgemm` for every dimension at once.
///
/// With input warping (``HyperparameterPrior/warpedFeatures``) the kernel sees `uᵢₖ = w(xᵢₖ)`, and the same two
/// terms give the derivative by each warped input, `∂/∂uᵢₖ = −(zᵢₖ (M·1)ᵢ − (M Z)ᵢₖ) / ℓₖ`; the chain rule through
/// ``InputWarp`` turns it into `∂/∂ log a` and `∂/∂ log b` at O(n) per warped feature.
///
/// For the additive form (``Matern52Kernel/Form/additive``) each lengthscale moves only its own term:
/// `∂Kᵢⱼ/∂ log ℓₖ = σ²/d · 5/3 (1 + s) e⁻ˢ uᵢⱼₖ²` with `u = (xᵢₖ − xⱼₖ)/ℓₖ`, `s = √5 |u|`, summed against `W` per dimension.
/// The additive form supports the warp too: the kernel sees the warped inputs, and the derivative of the negative
/// log likelihood by a warped input is `σ²/d · 5/3 / ℓₖ · Σⱼ Wᵢⱼ (1 + s) e⁻ˢ uᵢⱼₖ` (O(n²) per warped feature),
/// chained through ``InputWarp`` as in the product form.
struct MarginalLikelihood: Sendable {
    let points: Matrix
    let values: [Double]
    let prior: HyperparameterPrior
    let form: Matern52Kernel.Form
    /// How many of the additive covariance's exponentials the gradient may reuse (``Matern52Kernel/exponentialsLimit``;
    /// the tests lower it to check that computing them again gives the same).
    var exponentialsLimit = Matern52Kernel.exponentialsLimit

    init(points: Matrix, values: [Double], prior: HyperparameterPrior, form: Matern52Kernel.Form = .product) {
        self.points = points
        self.values = values
        self.prior = prior
        self.form = form
    }

    /// `−log p(y | X, θ) − log p(θ)` at `theta`, its gradient written into `gradient`; `+∞` when the covariance
    /// cannot be factored.
    func negativeLogPosterior(_ theta: [Double], gradient: inout [Double]) -> Double {
        let n = points.rows
        let d = points.columns
        for i in 0..<gradient.count { gradient[i] = 0 }
        let hyperparameters = prior.hyperparameters(theta)
        let kernel = hyperparameters.kernel
        let signal = kernel.signalVariance
        let noise = hyperparameters.noiseVariance
        let mean = hyperparameters.mean
        if form == .additive { return additiveNegativeLogPosterior(theta, hyperparameters: hyperparameters, gradient: &gradient) }

        let scaled = kernel.scaled(hyperparameters.inputWarp.map { $0.warped(points) } ?? points)
        let norms = Matern52Kernel.rowSquaredNorms(scaled)
        var covariance = scaled.outerGram(alpha: -2)
        var radial = Matrix(rows: n, columns: n)
        covariance.elements.withUnsafeMutableBufferPointer { k in
            radial.elements.withUnsafeMutableBufferPointer { g in
                for j in 0..<n {
                    k[j + j * n] = signal
                    g[j + j * n] = 5.0 / 3.0 * signal
                    for i in (j + 1)..<Swift.max(n, j + 1) {
                        let r2 = Swift.max(k[i + j * n] + norms[i] + norms[j], 0)
                        let s = Matern52Kernel.sqrt5 * r2.squareRoot()
                        let e = Foundation.exp(-s)
                        let value = signal * (1 + s + s * s / 3) * e
                        let derivative = 5.0 / 3.0 * signal * (1 + s) * e
                        k[i + j * n] = value
                        k[j + i * n] = value
                        g[i + j * n] = derivative
                        g[j + i * n] = derivative
                    }
                }
            }
        }
        var noisy = covariance
        noisy.addToDiagonal(noise)
        guard let cholesky = try? CholeskyFactor(noisy) else { return .infinity }
        let residuals = values.map { $0 - mean }
        let alpha = cholesky.solve(residuals)
        var fit = 0.0
        for i in 0..<n { fit += residuals[i] * alpha[i] }
        let value = 0.5 * fit + 0.5 * cholesky.logDeterminant + 0.5 * Double(n) * Foundation.log(2 * Double.pi)
        guard value.isFinite else { return .infinity }

        // W = ααᵀ − K⁻¹, overwritten into the inverse; M = W ∘ G into `radial`.
        var weights = cholesky.inverse()
        var signalTrace = 0.0
        var noiseTrace = 0.0
        var rowSums = [Double](repeating: 0, count: n)
        weights.elements.withUnsafeMutableBufferPointer { w in
            radial.elements.withUnsafeMutableBufferPointer { g in
                covariance.elements.withUnsafeBufferPointer { k in
                    for j in 0..<n {
                        let alphaJ = alpha[j]
                        var rowSum = 0.0
                        for i in 0..<n {
                            let index = i + j * n
                            let weight = alpha[i] * alphaJ - w[index]
                            signalTrace += weight * k[index]
                            let product = weight * g[index]
                            g[index] = i == j ? 0 : product
                            rowSum += i == j ? 0 : product
                        }
                        rowSums[j] = rowSum
                        noiseTrace += alphaJ * alphaJ - w[j + j * n]
                    }
                }
            }
        }
        let weightedScaled = radial * scaled
        for k in 0..<d {
            var derivative = 0.0
            let column = k * n
            for i in 0..<n {
                let z = scaled.elements[column + i]
                derivative += z * z * rowSums[i] - z * weightedScaled.elements[column + i]
            }
            gradient[k] = -derivative
        }
        gradient[d] = -0.5 * signalTrace
        gradient[d + 1] = -0.5 * noise * noiseTrace
        gradient[d + 2] = -alpha.reduce(0, +)
        if let warp = hyperparameters.inputWarp {
            let lengthscales = kernel.lengthscales
            for (index, k) in warp.features.enumerated() {
                let (a, b) = warp.concentrations(index)
                let column = k * n
                var byLogA = 0.0
                var byLogB = 0.0
                for i in 0..<n {
                    let z = scaled.elements[column + i]
                    let byInput = (z * rowSums[i] - weightedScaled.elements[column + i]) / lengthscales[k]
                    let partials = InputWarp.valueAndLogConcentrationPartials(points.elements[column + i], a: a, b: b)
                    byLogA += byInput * partials.byLogA
                    byLogB += byInput * partials.byLogB
                }
                gradient[d + 3 + 2 * index] = byLogA
                gradient[d + 4 + 2 * index] = byLogB
            }
        }
        return value + prior.negativeLogDensity(theta, gradient: &gradient)
    }

    /// ``negativeLogPosterior(_:gradient:)`` over the variables of `tying` (``HyperparameterPrior/tiedLengthscales``):
    /// the full vector is `tying.expanded(reduced)`, each group's partial derivative is the sum of its members', and
    /// the prior of a group's lengthscale counts once.
    func negativeLogPosterior(reduced: [Double], tying: HyperparameterPrior.Tying, gradient: inout [Double]) -> Double {
        let theta = tying.expanded(reduced)
        var full = [Double](repeating: 0, count: theta.count)
        let value = prior.removingRepeatedLengthscaleTerms(theta, value: negativeLogPosterior(theta, gradient: &full), gradient: &full)
        let folded = tying.reducedGradient(full)
        for index in gradient.indices { gradient[index] = folded[index] }
        return value
    }

    /// ``negativeLogPosterior(_:gradient:)`` for the additive form.
    private func additiveNegativeLogPosterior(_ theta: [Double], hyperparameters: GaussianProcessHyperparameters,
                                              gradient: inout [Double]) -> Double {
        let n = points.rows
        let d = points.columns
        var kernel = hyperparameters.kernel
        kernel.form = .additive
        let noise = hyperparameters.noiseVariance
        let scaled = kernel.scaled(hyperparameters.inputWarp.map { $0.warped(points) } ?? points)
        let (covariance, exponentials) = kernel.additiveSymmetricCovariance(scaled: scaled, keepingExponentials: true,
                                                                                limit: exponentialsLimit)
        var noisy = covariance
        noisy.addToDiagonal(noise)
        guard let cholesky = try? CholeskyFactor(noisy) else { return .infinity }
        let residuals = values.map { $0 - hyperparameters.mean }
        let alpha = cholesky.solve(residuals)
        var fit = 0.0
        for i in 0..<n { fit += residuals[i] * alpha[i] }
        let value = 0.5 * fit + 0.5 * cholesky.logDeterminant + 0.5 * Double(n) * Foundation.log(2 * Double.pi)
        guard value.isFinite else { return .infinity }

        // W = ααᵀ − K⁻¹, overwritten into the inverse (both triangles).
        var weights = cholesky.inverse()
        var signalTrace = 0.0
        var noiseTrace = 0.0
        weights.elements.withUnsafeMutableBufferPointer { w in
            covariance.elements.withUnsafeBufferPointer { k in
                for j in 0..<n {
                    for i in 0..<n {
                        let index = i + j * n
                        w[index] = alpha[i] * alpha[j] - w[index]
                        signalTrace += w[index] * k[index]
                    }
                    noiseTrace += w[j + j * n]
                }
            }
        }
        let weight = kernel.signalVariance / Double(Swift.max(d, 1))
        weights.elements.withUnsafeBufferPointer { w in
            scaled.elements.withUnsafeBufferPointer { z in
                // The covariance's exponentials in the order they were kept (or computed again past the limit).
                var pair = 0
                for dimension in 0..<d {
                    let column = dimension * n
                    var derivative = 0.0
                    // Both triangles count: ½ tr(W ∂K) over i ≠ j is the sum over i < j.
                    for j in 0..<n {
                        let zj = z[column + j]
                        for i in (j + 1)..<Swift.max(n, j + 1) {
                            let u = z[column + i] - zj
                            let s = Matern52Kernel.sqrt5 * Swift.abs(u)
                            let exponential: Double
                            if let exponentials {
                                exponential = exponentials[pair]
                                pair += 1
                            } else {
                                exponential = Foundation.exp(-s)
                            }
                            derivative += w[i + j * n] * (1 + s) * exponential * u * u
                        }
                    }
                    gradient[dimension] = -5.0 / 3.0 * weight * derivative
                }
            }
        }
        gradient[d] = -0.5 * signalTrace
        gradient[d + 1] = -0.5 * noise * noiseTrace
        gradient[d + 2] = -alpha.reduce(0, +)
        if let warp = hyperparameters.inputWarp {
            let lengthscales = kernel.lengthscales
            weights.elements.withUnsafeBufferPointer { w in
                scaled.elements.withUnsafeBufferPointer { z in
                    for (index, k) in warp.features.enumerated() {
                        let (a, b) = warp.concentrations(index)
                        let column = k * n
                        let factor = 5.0 / 3.0 * weight / lengthscales[k]
                        var byLogA = 0.0
                        var byLogB = 0.0
                        for i in 0..<n {
                            let zi = z[column + i]
                            var sum = 0.0
                            for j in 0..<n where j != i {
                                let u = zi - z[column + j]
                                let s = Matern52Kernel.sqrt5 * Swift.abs(u)
                                sum += w[i + j * n] * (1 + s) * Foundation.exp(-s) * u
                            }
                            let byInput = factor * sum
                            let partials = InputWarp.valueAndLogConcentrationPartials(points.elements[column + i], a: a, b: b)
                            byLogA += byInput * partials.byLogA
                            byLogB += byInput * partials.byLogB
                        }
                        gradient[d + 3 + 2 * index] = byLogA
                        gradient[d + 4 + 2 * index] = byLogB
                    }
                }
            }
        }
        return value + prior.negativeLogDensity(theta, gradient: &gradient)
    }
}
