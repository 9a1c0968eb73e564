import Foundation
import AugurCore
@testable import AugurAlgorithms

/// Small builders shared by the designer tests.
enum Fixtures {
    /// Six parameters of every kind, continuous and finite, linear and log.
    static let mixedSpace = SearchSpace([
        .double("lr", min: 1e-5, max: 1e-1, scale: .log),
        .double("dropout", min: 0, max: 0.5),
        .integer("layers", min: 1, max: 8),
        .integer("units", min: 16, max: 1024, scale: .log),
        .discrete("batch", [32, 64, 128, 256]),
        .categorical("optimizer", ["sgd", "adam", "rmsprop"]),
    ])

    /// A finite space of 11 · 4 · 3 · 2 = 264 cells.
    static let smallGridSpace = SearchSpace([
        .double("dropout", min: 0, max: 1, step: 0.1),
        .integer("layers", min: 2, max: 8, step: 2),
        .discrete("batch", [32, 64, 128]),
        .categorical("optimizer", ["sgd", "adam"]),
    ])

    static func spec(_ space: SearchSpace, algorithm: AlgorithmSpec = .random, seed: UInt64 = 1) -> StudySpec {
        StudySpec(name: "test", searchSpace: space, objective: Objective(metric: "loss", goal: .minimize),
                  algorithm: algorithm, seed: seed)
    }

    /// Trials holding `assignments`, numbered from 1, in `state`.
    static func trials(_ assignments: [ParameterAssignment], state: TrialState = .completed) -> [Trial] {
        assignments.enumerated().map { offset, parameters in
            Trial(id: offset + 1, study: "test", parameters: parameters, state: state,
                  createdAt: Date(timeIntervalSince1970: 0))
        }
    }

    /// Asks `designer` for `count` trials the way the service does: with the history its scope asks for.
    static func suggest(_ designer: some Designer, count: Int, after history: [Trial] = []) throws -> [ParameterAssignment] {
        let pending = history.filter { !$0.state.isTerminal }.map(\.parameters)
        let request = DesignRequest(count: count, history: designer.historyScope == .countsOnly ? [] : history,
                                    trialCount: history.count, pending: pending)
        return try designer.suggest(request)
    }

    /// Runs a study to `total` trials, `batch` at a time, feeding every suggestion back as history.
    static func run(_ designer: some Designer, total: Int, batch: Int = 1,
                    state: TrialState = .completed) throws -> [ParameterAssignment] {
        var assignments: [ParameterAssignment] = []
        while assignments.count < total {
            let next = try suggest(designer, count: min(batch, total - assignments.count),
                                   after: trials(assignments, state: state))
            if next.isEmpty { break }
            assignments += next
        }
        return assignments
    }

    /// The centred L2 discrepancy of points in [0, 1]^d (Hickernell): smaller means more evenly spread.
    static func centredL2Discrepancy(_ points: [[Double]]) -> Double {
        let n = Double(points.count)
        guard let d = points.first?.count else { return 0 }
        var first = 0.0
        for x in points {
            var product = 1.0
            for xk in x { product *= 1 + 0.5 * abs(xk - 0.5) - 0.5 * pow(xk - 0.5, 2) }
            first += product
        }
        var second = 0.0
        for x in points {
            for y in points {
                var product = 1.0
                for k in 0..<d {
                    product *= 1 + 0.5 * abs(x[k] - 0.5) + 0.5 * abs(y[k] - 0.5) - 0.5 * abs(x[k] - y[k])
                }
                second += product
            }
        }
        let squared = pow(13.0 / 12.0, Double(d)) - 2 / n * first + second / (n * n)
        return max(squared, 0).squareRoot()
    }

    /// Uniform random points from a seeded generator, the baseline quasi-random points must beat.
    static func randomPoints(count: Int, dimensions: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<dimensions).map { _ in generator.nextUnit() } }
    }
}
