import AugurMath
import Foundation
import Testing

@Suite struct BoundedLBFGSTests {
    static func rosenbrock(_ x: [Double], _ gradient: inout [Double]) -> Double {
        var value = 0.0
        for i in 0..<gradient.count { gradient[i] = 0 }
        for i in 0..<(x.count - 1) {
            let a = x[i + 1] - x[i] * x[i]
            let b = 1 - x[i]
            value += 100 * a * a + b * b
            gradient[i] += -400 * x[i] * a - 2 * b
            gradient[i + 1] += 200 * a
        }
        return value
    }

    @Test func findsTheUnconstrainedRosenbrockMinimum() {
        let result = BoundedLBFGS().minimize(from: [-1.2, 1, -0.5, 0.8], lower: [-5, -5, -5, -5], upper: [5, 5, 5, 5],
                                             objective: Self.rosenbrock)
        for coordinate in result.point {
            #expect(abs(coordinate - 1) < 1e-4)
        }
        #expect(result.value < 1e-8)
    }

    @Test func stopsOnAnActiveBound() {
        // With x₀ ≤ 0.5 the constrained minimum of 2-D Rosenbrock is (0.5, 0.25), where x₀'s bound is active.
        let result = BoundedLBFGS().minimize(from: [-1, 2], lower: [-2, -2], upper: [0.5, 2], objective: Self.rosenbrock)
        #expect(abs(result.point[0] - 0.5) < 1e-8)
        #expect(abs(result.point[1] - 0.25) < 1e-5)
        #expect(abs(result.value - 0.25) < 1e-8)
    }

    @Test func handlesFixedVariablesAndStartsOutsideTheBox() {
        let result = BoundedLBFGS().minimize(from: [9, 9, 9], lower: [-3, 0.3, -3], upper: [3, 0.3, 3]) { x, gradient in
            gradient = [2 * (x[0] - 1), 2 * (x[1] - 1), 2 * (x[2] + 4)]
            return (x[0] - 1) * (x[0] - 1) + (x[1] - 1) * (x[1] - 1) + (x[2] + 4) * (x[2] + 4)
        }
        #expect(abs(result.point[0] - 1) < 1e-6)
        #expect(result.point[1] == 0.3)
        #expect(result.point[2] == -3)
    }

    @Test func backsOffFromNonFiniteValues() {
        // log(x) is undefined for x ≤ 0; the objective reports infinity there and the search must stay inside.
        let result = BoundedLBFGS().minimize(from: [3], lower: [-10], upper: [10]) { x, gradient in
            guard x[0] > 0 else { return .infinity }
            gradient = [1 - 1 / x[0]]
            return x[0] - log(x[0])
        }
        #expect(abs(result.point[0] - 1) < 1e-5)
    }
}
