import AugurCore
import BenchmarkFunctions
import Testing

/// The benchmark suite's functions: each reaches its stated minimum at its known minimizer, and no point of the box
/// goes below it (so a reported regret is never negative).
@Suite struct TestFunctionTests {
    /// Known minimizers (from the literature, refined with scipy's L-BFGS-B and Nelder–Mead).
    static let minimizers: [String: [Double]] = [
        "Branin": [Double.pi, 2.275],
        "Hartmann-3": [0.114614, 0.555649, 0.852547],
        "Hartmann-6": [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
        "Rosenbrock-4": [1, 1, 1, 1],
        "Ackley-5": [0, 0, 0, 0, 0],
        "Levy-6": [1, 1, 1, 1, 1, 1],
        "Styblinski-Tang-8": [Double](repeating: -2.903534027771178, count: 8),
        "Rastrigin-4": [0, 0, 0, 0],
        "Michalewicz-5": [2.2029055205479007, 1.570796329188057, 1.2849915716386469, 1.92305846944195, 1.7204697726155709],
        "Shekel-10": [4.0007465333401875, 4.00059293611356, 3.999663397398068, 3.999509797414232],
        "Griewank-8": [Double](repeating: 0, count: 8),
        "Schwefel-4": [Double](repeating: 420.9687463, count: 4),
        "Six-hump camel": [0.08984201328221107, -0.7126564027941272],
        "Eggholder": [512, 404.23180515],
        "Hartmann-6 shifted": [0.45169, 0.450011, 0.276874, 0.575332, 0.661652, 0.3573],
        "Ackley-10": [Double](repeating: 0, count: 10),
        "Levy-10": [Double](repeating: 1, count: 10),
        "Mixed int/categorical": [0.11817980613193557, 0.5548214282481301, 17, 1],
    ]

    @Test func theSuiteHasEighteenFunctionsWithDistinctNames() {
        #expect(TestFunction.suite.count == 18)
        #expect(Set(TestFunction.suite.map(\.name)).count == 18)
        #expect(Array(TestFunction.suite.prefix(8)).map(\.name) == TestFunction.all.map(\.name))
    }

    @Test(arguments: TestFunction.suite.map(\.name))
    func reachesItsMinimumAtTheKnownMinimizer(name: String) throws {
        let function = try #require(TestFunction.suite.first { $0.name == name })
        let minimizer = try #require(Self.minimizers[name])
        #expect(minimizer.count == function.dimensions)
        #expect(function.kinds.count == function.dimensions)
        for k in 0..<function.dimensions {
            #expect(minimizer[k] >= function.lower[k] && minimizer[k] <= function.upper[k])
        }
        let value = function.evaluate(minimizer)
        // Literature minimizers carry 4–6 digits.
        let tolerance = 1e-4 * Swift.max(1, abs(function.minimum))
        #expect(abs(value - function.minimum) <= tolerance, "\(name): f(x*) = \(value), stated minimum \(function.minimum)")
    }

    /// The centre-adverse Hartmann-6 (a control outside the suite): the global minimum stays in the box, at Hartmann-6's
    /// minimizer moved by the shift, and its second basin (−3.203) lies nearer the centre of the box than the minimum.
    @Test func theCentreAdverseHartmannKeepsItsMinimumAndPutsTheSecondBasinNearTheCentre() {
        let function = TestFunction.hartmann6CentreAdverse
        let shift = [0.095, -0.15, -0.35, -0.074, 0.36, 0.34]
        let minimizer = zip(Self.minimizers["Hartmann-6"] ?? [], shift).map { $0 + $1 }
        let secondBasin = zip([0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381], shift).map { $0 + $1 }
        #expect(minimizer.count == 6 && minimizer.allSatisfy { (0...1).contains($0) })
        #expect(abs(function.evaluate(minimizer) - function.minimum) <= 1e-4 * abs(function.minimum))
        let second = function.evaluate(secondBasin)
        #expect(second < -3.0 && second > function.minimum + 0.1, "f(second basin) = \(second)")
        func distanceFromCentre(_ x: [Double]) -> Double { x.map { abs($0 - 0.5) }.max() ?? 0 }
        #expect(distanceFromCentre(secondBasin) < 0.25)
        #expect(distanceFromCentre(minimizer) > 0.45)
    }

    @Test(arguments: TestFunction.suite.map(\.name))
    func noPointOfTheBoxIsBelowTheMinimum(name: String) throws {
        let function = try #require(TestFunction.suite.first { $0.name == name })
        var generator = SeededGenerator(seed: 16, stream: UInt64(name.utf8.count))
        for _ in 0..<20_000 {
            let x = (0..<function.dimensions).map { k -> Double in
                let u = generator.nextUnit()
                switch function.kinds[k] {
                case .continuous: return function.lower[k] + u * (function.upper[k] - function.lower[k])
                case .integer, .categorical: return Swift.min((function.lower[k] + u * (function.upper[k] - function.lower[k] + 1)).rounded(.down), function.upper[k])
                }
            }
            let value = function.evaluate(x)
            #expect(value >= function.minimum - 1e-9, "\(name) at \(x): \(value) < \(function.minimum)")
            if value < function.minimum - 1e-9 { return }
        }
    }

    @Test func theMixedProblemsBestCategoryAndIntegerAreTheSecondAndSeventeen() {
        let f = TestFunction.mixedHartmann
        let best = f.evaluate([0.1182, 0.5548, 17, 1])
        for category in [0.0, 2, 3] { #expect(f.evaluate([0.1182, 0.5548, 17, category]) > best) }
        for n in [16.0, 18] { #expect(f.evaluate([0.1182, 0.5548, n, 1]) > best) }
    }
}
