import Foundation

// The 8 classic functions shared by GaussianProcessBenchmark and TreeParzenCMABenchmark (and, in Python, by
// optuna_gp_benchmark.py).

/// A standard global-optimization test function on a box, to be minimized, with its known minimum.
public struct TestFunction: Sendable {
    public var name: String
    public var lower: [Double]
    public var upper: [Double]
    public var minimum: Double
    public var evaluate: @Sendable ([Double]) -> Double

    public init(name: String, lower: [Double], upper: [Double], minimum: Double, evaluate: @escaping @Sendable ([Double]) -> Double) {
        self.name = name
        self.lower = lower
        self.upper = upper
        self.minimum = minimum
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
}
