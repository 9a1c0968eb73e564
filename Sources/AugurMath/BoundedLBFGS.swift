import Foundation

/// Limited-memory BFGS for box-constrained minimization (a projected L-BFGS in the spirit of L-BFGS-B).
///
/// Each iteration fixes the variables that sit on a bound with the gradient pushing outward (the active set), builds
/// the quasi-Newton direction on the others with the two-loop recursion, and searches along the projection of that
/// direction onto the box with a backtracking line search that enforces the Armijo condition on the projected step
/// (cubic/quadratic interpolation, safeguarded). Curvature pairs that fail `sᵀy > 0` are skipped, and a direction
/// that is not a descent direction falls back to the projected steepest descent.
///
/// The objective returns `f(x)` and writes `∇f(x)` into its second argument. A non-finite value is treated as
/// "too far": the line search shortens the step, so an objective may return `.infinity` outside its domain.
public struct BoundedLBFGS: Sendable {
    /// Tuning of the iteration.
    public struct Options: Sendable, Hashable {
        /// Curvature pairs kept.
        public var memory: Int
        /// Iterations before giving up.
        public var maxIterations: Int
        /// Objective evaluations before giving up.
        public var maxEvaluations: Int
        /// Converged when the projected gradient's largest entry is below this.
        public var gradientTolerance: Double
        /// Converged when an iteration lowers `f` by less than this fraction of `max(|f|, 1)`.
        public var relativeTolerance: Double

        public init(memory: Int = 10, maxIterations: Int = 200, maxEvaluations: Int = 1000, gradientTolerance: Double = 1e-6,
                    relativeTolerance: Double = 1e-10) {
            self.memory = memory
            self.maxIterations = maxIterations
            self.maxEvaluations = maxEvaluations
            self.gradientTolerance = gradientTolerance
            self.relativeTolerance = relativeTolerance
        }
    }

    /// Why the iteration stopped.
    public enum Termination: String, Sendable, Hashable {
        /// The projected gradient is below `gradientTolerance`.
        case gradientConverged
        /// `f` stopped decreasing by more than `relativeTolerance`.
        case valueConverged
        case iterationLimit
        case evaluationLimit
        /// No step along the steepest-descent direction lowered `f` (a kink, a plateau or a non-finite region).
        case lineSearchFailed
    }

    /// The best point found.
    public struct Result: Sendable {
        public var point: [Double]
        public var value: Double
        public var gradient: [Double]
        public var iterations: Int
        public var evaluations: Int
        public var termination: Termination
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Minimizes `objective` over the box `[lower, upper]` starting from `start` (projected onto the box first).
    public func minimize(from start: [Double], lower: [Double], upper: [Double],
                         objective: (_ point: [Double], _ gradient: inout [Double]) -> Double) -> Result {
        let n = start.count
        precondition(lower.count == n && upper.count == n, "Bounds must have one entry per variable")
        precondition(zip(lower, upper).allSatisfy { $0 <= $1 }, "Each lower bound must not exceed its upper bound")

        var x = project(start, lower, upper)
        var gradient = [Double](repeating: 0, count: n)
        var evaluations = 1
        var value = objective(x, &gradient)
        if !value.isFinite || !gradient.allSatisfy(\.isFinite) {
            return Result(point: x, value: value, gradient: gradient, iterations: 0, evaluations: evaluations, termination: .lineSearchFailed)
        }
        guard n > 0 else {
            return Result(point: x, value: value, gradient: gradient, iterations: 0, evaluations: evaluations, termination: .gradientConverged)
        }

        var steps: [[Double]] = []
        var gradientChanges: [[Double]] = []
        var curvatures: [Double] = []
        var iteration = 0
        var candidate = [Double](repeating: 0, count: n)
        var candidateGradient = [Double](repeating: 0, count: n)

        while true {
            if projectedGradientNorm(x, gradient, lower, upper) <= options.gradientTolerance {
                return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                              termination: .gradientConverged)
            }
            if iteration >= options.maxIterations {
                return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                              termination: .iterationLimit)
            }
            iteration += 1

            // Variables pinned at a bound by the gradient are held fixed this iteration.
            var free = [Bool](repeating: true, count: n)
            for i in 0..<n {
                let atLower = x[i] <= lower[i] && gradient[i] > 0
                let atUpper = x[i] >= upper[i] && gradient[i] < 0
                if atLower || atUpper || lower[i] == upper[i] { free[i] = false }
            }
            var direction = twoLoopDirection(gradient, free, steps, gradientChanges, curvatures)
            var slope = dot(direction, gradient)
            var usedSteepest = steps.isEmpty
            if !(slope < 0) || !slope.isFinite {
                steps.removeAll()
                gradientChanges.removeAll()
                curvatures.removeAll()
                direction = twoLoopDirection(gradient, free, [], [], [])
                slope = dot(direction, gradient)
                usedSteepest = true
                if !(slope < 0) {
                    return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                                  termination: .gradientConverged)
                }
            }

            // The first step of steepest descent is scaled to a unit move of the largest variable at most.
            var step = 1.0
            if usedSteepest {
                let largest = direction.reduce(0) { Swift.max($0, abs($1)) }
                let width = zip(lower, upper).reduce(0.0) { Swift.max($0, Swift.min($1.1 - $1.0, 1)) }
                step = largest > 0 ? Swift.min(1, Swift.max(width, 1e-8) / largest) : 1
            }

            var accepted = false
            var candidateValue = Double.infinity
            for _ in 0..<40 {
                for i in 0..<n {
                    candidate[i] = Swift.min(Swift.max(x[i] + step * direction[i], lower[i]), upper[i])
                }
                var decrease = 0.0
                for i in 0..<n { decrease += gradient[i] * (candidate[i] - x[i]) }
                if decrease >= 0 {
                    // The projection removed every descending component; nothing to gain along this path.
                    break
                }
                if evaluations >= options.maxEvaluations { break }
                evaluations += 1
                candidateValue = objective(candidate, &candidateGradient)
                if candidateValue.isFinite && candidateGradient.allSatisfy(\.isFinite) && candidateValue <= value + 1e-4 * decrease {
                    accepted = true
                    break
                }
                // Quadratic interpolation of the step along the path, kept within [0.1, 0.5] of the current step.
                var next = 0.5 * step
                if candidateValue.isFinite {
                    let curvature = candidateValue - value - decrease
                    if curvature > 0 {
                        next = -decrease * step / (2 * curvature)
                    }
                }
                step = Swift.min(Swift.max(next, 0.1 * step), 0.5 * step)
            }

            if !accepted {
                if evaluations >= options.maxEvaluations {
                    return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                                  termination: .evaluationLimit)
                }
                if usedSteepest {
                    return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                                  termination: .lineSearchFailed)
                }
                // Forget the curvature history and retry from steepest descent.
                steps.removeAll()
                gradientChanges.removeAll()
                curvatures.removeAll()
                continue
            }

            var s = [Double](repeating: 0, count: n)
            var y = [Double](repeating: 0, count: n)
            for i in 0..<n {
                s[i] = candidate[i] - x[i]
                y[i] = candidateGradient[i] - gradient[i]
            }
            let sy = dot(s, y)
            if sy > 1e-12 * Swift.max(dot(y, y), 1e-300) && sy.isFinite {
                if steps.count == options.memory {
                    steps.removeFirst()
                    gradientChanges.removeFirst()
                    curvatures.removeFirst()
                }
                steps.append(s)
                gradientChanges.append(y)
                curvatures.append(sy)
            }
            let previous = value
            x = candidate
            gradient = candidateGradient
            value = candidateValue
            if previous - value <= options.relativeTolerance * Swift.max(abs(previous), abs(value), 1) {
                return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                              termination: .valueConverged)
            }
            if evaluations >= options.maxEvaluations {
                return Result(point: x, value: value, gradient: gradient, iterations: iteration, evaluations: evaluations,
                              termination: .evaluationLimit)
            }
        }
    }

    /// `-H·g` restricted to the free variables, `H` the L-BFGS inverse-Hessian approximation.
    private func twoLoopDirection(_ gradient: [Double], _ free: [Bool], _ steps: [[Double]], _ gradientChanges: [[Double]],
                                  _ curvatures: [Double]) -> [Double] {
        let n = gradient.count
        var q = gradient
        for i in 0..<n where !free[i] { q[i] = 0 }
        let m = steps.count
        var alphas = [Double](repeating: 0, count: m)
        for k in stride(from: m - 1, through: 0, by: -1) {
            var a = 0.0
            for i in 0..<n where free[i] { a += steps[k][i] * q[i] }
            a /= curvatures[k]
            alphas[k] = a
            for i in 0..<n where free[i] { q[i] -= a * gradientChanges[k][i] }
        }
        if let last = gradientChanges.last, let lastCurvature = curvatures.last {
            let gamma = lastCurvature / Swift.max(dot(last, last), 1e-300)
            for i in 0..<n { q[i] *= gamma }
        }
        for k in 0..<m {
            var b = 0.0
            for i in 0..<n where free[i] { b += gradientChanges[k][i] * q[i] }
            b /= curvatures[k]
            for i in 0..<n where free[i] { q[i] += (alphas[k] - b) * steps[k][i] }
        }
        for i in 0..<n { q[i] = free[i] ? -q[i] : 0 }
        return q
    }

    private func project(_ x: [Double], _ lower: [Double], _ upper: [Double]) -> [Double] {
        (0..<x.count).map { Swift.min(Swift.max($0 < x.count ? x[$0] : 0, lower[$0]), upper[$0]) }
    }

    private func projectedGradientNorm(_ x: [Double], _ gradient: [Double], _ lower: [Double], _ upper: [Double]) -> Double {
        var largest = 0.0
        for i in 0..<x.count {
            let moved = Swift.min(Swift.max(x[i] - gradient[i], lower[i]), upper[i]) - x[i]
            largest = Swift.max(largest, abs(moved))
        }
        return largest
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }
}
