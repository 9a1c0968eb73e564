import Testing
import AugurCore
@testable import AugurAlgorithms

/// Laws every designer keeps, over spaces of every kind.
@Suite struct DesignerPropertyTests {
    static let spaces: [SearchSpace] = [
        Fixtures.mixedSpace,
        Fixtures.smallGridSpace,
        SearchSpace([
            .double("lr", min: 0.001, max: 0.1, scale: .log, step: 0.001),
            .integer("units", min: 16, max: 512, step: 16, scale: .log),
            .integer("odd", min: 1, max: 20, step: 3),
            .double("momentum", min: 0.5, max: 0.95, step: 0.05),
        ]),
        SearchSpace([.double("x", min: -1, max: 1), .double("tiny", min: 1e-9, max: 1e-3, scale: .log)]),
    ]

    static let algorithms: [AlgorithmSpec] = [.random, .quasiRandom(.halton), .quasiRandom(.sobol)]

    @Test(arguments: spaces, algorithms)
    func everySuggestionIsValidAndMapsBackToItself(space: SearchSpace, algorithm: AlgorithmSpec) throws {
        let designer = try DesignerFactory.make(for: Fixtures.spec(space, algorithm: algorithm, seed: 31))
        for assignment in try Fixtures.run(designer, total: 200, batch: 16) {
            #expect(space.isValid(assignment), "\(algorithm.name): \(assignment)")
            // The unit point of a suggestion maps back to the same suggestion (idempotence of the cube mapping).
            let point = try #require(space.unitPoint(of: assignment))
            let again = space.assignment(atUnit: point)
            for parameter in space.parameters {
                let (x, y) = (try #require(assignment[parameter.name]), try #require(again[parameter.name]))
                if let a = x.doubleValue, let b = y.doubleValue, parameter.cardinality == nil {
                    #expect(abs(a - b) <= 1e-9 * max(1, abs(a)), "\(parameter.name): \(a) vs \(b)")
                } else {
                    #expect(x == y, "\(parameter.name): \(x) vs \(y)")
                }
            }
        }
    }

    @Test(arguments: spaces, algorithms)
    func sameSeedAndHistoryGiveTheSameSuggestions(space: SearchSpace, algorithm: AlgorithmSpec) throws {
        let spec = Fixtures.spec(space, algorithm: algorithm, seed: 8)
        let first = try Fixtures.run(DesignerFactory.make(for: spec), total: 30, batch: 4)
        let second = try Fixtures.run(DesignerFactory.make(for: spec), total: 30, batch: 4)
        #expect(first == second)
    }

    /// The grid and a random search over at most 100,000 points never propose a point twice, even while every
    /// trial is still running.
    @Test(arguments: [
        (AlgorithmSpec.grid, spaces[2]),
        (.random, SearchSpace(Array(spaces[2].parameters.dropFirst()))),
    ])
    func finiteSpacesNeverRepeat(algorithm: AlgorithmSpec, space: SearchSpace) throws {
        let designer = try DesignerFactory.make(for: Fixtures.spec(space, algorithm: algorithm))
        #expect(designer.historyScope == .parameters)
        let sample = try Fixtures.run(designer, total: 2_000, batch: 250, state: .active)
        #expect(sample.count == 2_000)
        #expect(Set(sample).count == sample.count)
    }
}
