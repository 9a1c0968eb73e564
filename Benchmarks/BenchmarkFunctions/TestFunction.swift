import Foundation

// The 8 classic functions shared by GaussianProcessBenchmark and TreeParzenCMABenchmark, and the wider suite of
// issue #16 (in Python, the same functions are in optuna_gp_benchmark.py).

/// A standard global-optimization test function on a box, to be minimized, with its known minimum.
public struct TestFunction: Sendable {
    /// How one coordinate is searched.
    public enum Kind: Sendable, Equatable {
        /// A double in `[lower, upper]`.
        case continuous
        /// An integer in `[lower, upper]`; the function receives it as a whole `Double`.
        case integer
        /// A categorical with `count` values; the function receives the value's index as a `Double`
        /// (`lower` is 0, `upper` is `count − 1`).
        case categorical(count: Int)
    }

    public var name: String
    public var lower: [Double]
    public var upper: [Double]
    public var minimum: Double
    /// One kind per coordinate (all `.continuous` unless given).
    public var kinds: [Kind]
    public var evaluate: @Sendable ([Double]) -> Double

    public init(name: String, lower: [Double], upper: [Double], minimum: Double, kinds: [Kind]? = nil,
                evaluate: @escaping @Sendable ([Double]) -> Double) {
        self.name = name
        self.lower = lower
        self.upper = upper
        self.minimum = minimum
        self.kinds = kinds ?? [Kind](repeating: .continuous, count: lower.count)
        self.evaluate = evaluate
    }

    public var dimensions: Int { lower.count }

    public static let branin = TestFunction(name: "Branin", lower: [-5, 0], upper: [10, 15], minimum: 0.397887357729738) { x in
        let a = 1.0, b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, r = 6.0, s = 10.0, t = 1 / (8 * Double.pi)
        let term = x[1] - b * x[0] * x[0] + c * x[0] - r
        return a * term * term + s * (1 - t) * cos(x[0]) + s
    }

    public static let hartmann3 = TestFunction(name: "Hartmann-3", lower: [0, 0, 0], upper: [1, 1, 1], minimum: -3.86278214782076) { x in
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a = [[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]]
        let p = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.03815, 0.5743, 0.8828]]
        var value = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<3 { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            value -= alpha[i] * exp(-inner)
        }
        return value
    }

    public static let hartmann6 = TestFunction(name: "Hartmann-6", lower: [Double](repeating: 0, count: 6), upper: [Double](repeating: 1, count: 6),
                                        minimum: -3.322368011391339) { x in
        let alpha = [1.0, 1.2, 3.0, 3.2]
        let a = [[10.0, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3.0, 3.5, 1.7, 10, 17, 8], [17.0, 8, 0.05, 10, 0.1, 14]]
        let p = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
                 [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
        var value = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<6 { inner += a[i][j] * (x[j] - p[i][j]) * (x[j] - p[i][j]) }
            value -= alpha[i] * exp(-inner)
        }
        return value
    }

    public static let rosenbrock4 = TestFunction(name: "Rosenbrock-4", lower: [Double](repeating: -5, count: 4), upper: [Double](repeating: 10, count: 4),
                                          minimum: 0) { x in
        var value = 0.0
        for i in 0..<(x.count - 1) {
            value += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2)
        }
        return value
    }

    public static let ackley5 = TestFunction(name: "Ackley-5", lower: [Double](repeating: -32.768, count: 5), upper: [Double](repeating: 32.768, count: 5),
                                      minimum: 0) { x in
        let d = Double(x.count)
        let sumSquares = x.reduce(0) { $0 + $1 * $1 }
        let sumCos = x.reduce(0) { $0 + cos(2 * Double.pi * $1) }
        return -20 * exp(-0.2 * (sumSquares / d).squareRoot()) - exp(sumCos / d) + 20 + exp(1)
    }

    public static let levy6 = TestFunction(name: "Levy-6", lower: [Double](repeating: -10, count: 6), upper: [Double](repeating: 10, count: 6), minimum: 0) { x in
        let w = x.map { 1 + ($0 - 1) / 4 }
        let n = w.count
        var value = pow(sin(Double.pi * w[0]), 2)
        for i in 0..<(n - 1) {
            value += pow(w[i] - 1, 2) * (1 + 10 * pow(sin(Double.pi * w[i] + 1), 2))
        }
        value += pow(w[n - 1] - 1, 2) * (1 + pow(sin(2 * Double.pi * w[n - 1]), 2))
        return value
    }

    public static let styblinskiTang8 = TestFunction(name: "Styblinski-Tang-8", lower: [Double](repeating: -5, count: 8),
                                              upper: [Double](repeating: 5, count: 8), minimum: -39.16616570377142 * 8) { x in
        0.5 * x.reduce(0) { $0 + pow($1, 4) - 16 * $1 * $1 + 5 * $1 }
    }

    public static let rastrigin4 = TestFunction(name: "Rastrigin-4", lower: [Double](repeating: -5.12, count: 4), upper: [Double](repeating: 5.12, count: 4),
                                         minimum: 0) { x in
        10 * Double(x.count) + x.reduce(0) { $0 + $1 * $1 - 10 * cos(2 * Double.pi * $1) }
    }

    public static let all: [TestFunction] = [branin, hartmann3, hartmann6, rosenbrock4, ackley5, levy6, styblinskiTang8, rastrigin4]

    // MARK: The wider suite (issue #16)

    /// Michalewicz (m = 10) in 5-D: steep ridges, d! local minima.
    public static let michalewicz5 = TestFunction(name: "Michalewicz-5", lower: [Double](repeating: 0, count: 5),
                                                  upper: [Double](repeating: Double.pi, count: 5), minimum: -4.6876581790881495) { x in
        var value = 0.0
        for (i, v) in x.enumerated() { value -= sin(v) * pow(sin(Double(i + 1) * v * v / Double.pi), 20) }
        return value
    }

    /// Shekel with 10 wells in 4-D: narrow basins of different depths.
    public static let shekel10 = TestFunction(name: "Shekel-10", lower: [Double](repeating: 0, count: 4), upper: [Double](repeating: 10, count: 4),
                                              minimum: -10.536409816692045) { x in
        let a: [[Double]] = [[4, 4, 4, 4], [1, 1, 1, 1], [8, 8, 8, 8], [6, 6, 6, 6], [3, 7, 3, 7], [2, 9, 2, 9], [5, 5, 3, 3], [8, 1, 8, 1],
                             [6, 2, 6, 2], [7, 3.6, 7, 3.6]]
        let c = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]
        var value = 0.0
        for i in 0..<10 {
            var squared = 0.0
            for j in 0..<4 { squared += (x[j] - a[i][j]) * (x[j] - a[i][j]) }
            value -= 1 / (c[i] + squared)
        }
        return value
    }

    /// Griewank in 8-D on [−600, 600]: a bowl with fine regular ripples.
    public static let griewank8 = TestFunction(name: "Griewank-8", lower: [Double](repeating: -600, count: 8), upper: [Double](repeating: 600, count: 8),
                                               minimum: 0) { x in
        var sum = 0.0
        var product = 1.0
        for (i, v) in x.enumerated() {
            sum += v * v / 4000
            product *= cos(v / Double(i + 1).squareRoot())
        }
        return sum - product + 1
    }

    /// Schwefel in 4-D: the best minimum lies far from the next best, near a corner of the box.
    public static let schwefel4 = TestFunction(name: "Schwefel-4", lower: [Double](repeating: -500, count: 4), upper: [Double](repeating: 500, count: 4),
                                               minimum: 0) { x in
        418.9828872724338 * Double(x.count) - x.reduce(0) { $0 + $1 * sin(abs($1).squareRoot()) }
    }

    /// The six-hump camel in 2-D: two global and four local minima.
    public static let sixHumpCamel = TestFunction(name: "Six-hump camel", lower: [-3, -2], upper: [3, 2], minimum: -1.0316284534898776) { x in
        let a = x[0], b = x[1]
        return (4 - 2.1 * a * a + a * a * a * a / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b
    }

    /// Eggholder in 2-D: many deep, irregular minima; the global one is on the box's edge.
    public static let eggholder = TestFunction(name: "Eggholder", lower: [-512, -512], upper: [512, 512], minimum: -959.6406627208507) { x in
        let a = x[0], b = x[1]
        return -(b + 47) * sin(abs(b + a / 2 + 47).squareRoot()) - a * sin(abs(a - (b + 47)).squareRoot())
    }

    /// Hartmann-6 with its inputs shifted by a fixed vector, so the optimum is no longer where the common
    /// implementations and initial designs happen to look first (at ≈ (0.452, 0.450, 0.277, 0.575, 0.662, 0.357)).
    public static let hartmann6Shifted = TestFunction(name: "Hartmann-6 shifted", lower: [Double](repeating: 0, count: 6),
                                                      upper: [Double](repeating: 1, count: 6), minimum: -3.322368011391339) { x in
        let shift = [0.25, 0.3, -0.2, 0.3, 0.35, -0.3]
        return hartmann6.evaluate((0..<6).map { x[$0] - shift[$0] })
    }

    /// Hartmann-6 with its inputs shifted so that its second basin (−3.203) lies near the centre of the box (L∞
    /// distance 0.23) and the global minimum at its edge (≈ (0.297, 0.000, 0.127, 0.201, 0.672, 0.997)): a control
    /// for searches that favour the centre (Vizier's seed trial at the centre and its trust region grown from it),
    /// which plain Hartmann-6 rewards (its global minimum is nearer the centre than its second basin).
    public static let hartmann6CentreAdverse = TestFunction(name: "Hartmann-6 centre-adverse", lower: [Double](repeating: 0, count: 6),
                                                            upper: [Double](repeating: 1, count: 6), minimum: -3.322368011391339) { x in
        let shift = [0.095, -0.15, -0.35, -0.074, 0.36, 0.34]
        return hartmann6.evaluate((0..<6).map { x[$0] - shift[$0] })
    }

    /// Ackley in 10-D.
    public static let ackley10 = TestFunction(name: "Ackley-10", lower: [Double](repeating: -32.768, count: 10),
                                              upper: [Double](repeating: 32.768, count: 10), minimum: 0, evaluate: ackley5.evaluate)

    /// Levy in 10-D.
    public static let levy10 = TestFunction(name: "Levy-10", lower: [Double](repeating: -10, count: 10), upper: [Double](repeating: 10, count: 10),
                                            minimum: 0, evaluate: levy6.evaluate)

    /// A mixed space: two doubles in [0, 1], an integer `n` in 1…20 and a categorical with 4 values.
    /// The value is Hartmann-3 at `(x0, x1, (n − 1)/19)` plus the category's offset (0.3, 0, 0.6, 1.0); the minimum is
    /// at `n = 17`, the second category.
    public static let mixedHartmann = TestFunction(name: "Mixed int/categorical", lower: [0, 0, 1, 0], upper: [1, 1, 20, 3],
                                                   minimum: -3.8524387723585076,
                                                   kinds: [.continuous, .continuous, .integer, .categorical(count: 4)]) { x in
        let offsets = [0.3, 0, 0.6, 1.0]
        let category = Swift.min(Swift.max(Int(x[3].rounded()), 0), 3)
        return hartmann3.evaluate([x[0], x[1], (x[2] - 1) / 19]) + offsets[category]
    }

    /// Levy-4 over two doubles and two integers in −10…10, with a categorical of 3 values that scales and shifts it
    /// (×1 + 0.5, ×1, ×2); the minimum 0 is at x = (1, 1, 1, 1) in the second or third category.
    public static let mixedLevy = TestFunction(name: "Mixed Levy", lower: [-10, -10, -10, -10, 0], upper: [10, 10, 10, 10, 2], minimum: 0,
                                               kinds: [.continuous, .continuous, .integer, .integer, .categorical(count: 3)]) { x in
        let category = Swift.min(Swift.max(Int(x[4].rounded()), 0), 2)
        return levy6.evaluate(Array(x.prefix(4))) * [1, 1, 2][category] + [0.5, 0, 0][category]
    }

    /// A discrete space: four integers in 0…15 and two categoricals of 4 values. A bowl with a ridge
    /// (`0.1·((a − 11)² + (b − 3)²) + 0.5·|c − d − 4| + 0.02·(a − c)²`), weighted by the first category, plus a table
    /// over both categories; the minimum 0 is at a = c = 11, b = 3, d = 7, categories 1 and 2.
    public static let mixedDiscrete = TestFunction(name: "Mixed discrete", lower: [0, 0, 0, 0, 0, 0], upper: [15, 15, 15, 15, 3, 3], minimum: 0,
                                                   kinds: [.integer, .integer, .integer, .integer, .categorical(count: 4), .categorical(count: 4)]) { x in
        let first = Swift.min(Swift.max(Int(x[4].rounded()), 0), 3)
        let second = Swift.min(Swift.max(Int(x[5].rounded()), 0), 3)
        let bowl = 0.1 * (pow(x[0] - 11, 2) + pow(x[1] - 3, 2)) + 0.5 * abs(x[2] - x[3] - 4) + 0.02 * pow(x[0] - x[2], 2)
        let table: [[Double]] = [[0.8, 0.6, 0.9, 1.2], [0.7, 0.4, 0, 0.3], [1.0, 0.5, 0.6, 0.9], [0.2, 1.1, 0.8, 0.5]]
        return bowl * [1, 2, 0.5, 1][first] + table[first][second]
    }

    /// The mixed spaces the issue #16 mixed-space work measured on.
    public static let mixed: [TestFunction] = [mixedHartmann, mixedLevy, mixedDiscrete]

    /// The issue #16 suite: the 8 classic functions and 10 more, among them one mixed integer/categorical space.
    public static let suite: [TestFunction] = all + [michalewicz5, shekel10, griewank8, schwefel4, sixHumpCamel, eggholder, hartmann6Shifted,
                                                     ackley10, levy10, mixedHartmann]
}
