import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct RandomDesignerTests {
    @Test func sameSeedSameSuggestions() throws {
        let a = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 42)
        let b = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 42)
        #expect(try Fixtures.run(a, total: 20) == Fixtures.run(b, total: 20))
    }

    @Test func differentSeedsDiffer() throws {
        let a = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 1)
        let b = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 2)
        #expect(try Fixtures.run(a, total: 5) != Fixtures.run(b, total: 5))
    }

    @Test func trialNDoesNotDependOnBatching() throws {
        let designer = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 9)
        #expect(designer.historyScope == .countsOnly)
        let oneByOne = try Fixtures.run(designer, total: 12, batch: 1)
        let inBatches = try Fixtures.run(designer, total: 12, batch: 5)
        #expect(oneByOne == inBatches)
        // Trial 7 alone, knowing only that 7 trials came before it.
        #expect(try designer.suggest(DesignRequest(count: 1, trialCount: 7)) == [oneByOne[7]])
    }

    @Test func everySuggestionIsValid() throws {
        let designer = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 3)
        for assignment in try designer.suggest(DesignRequest(count: 2_000, trialCount: 0)) {
            #expect(Fixtures.mixedSpace.isValid(assignment), "\(assignment)")
        }
    }

    @Test func logScaleIsUniformInTheLogarithm() throws {
        let space = SearchSpace([.double("lr", min: 1e-5, max: 1e-1, scale: .log)])
        let designer = try RandomDesigner(searchSpace: space, seed: 2_026)
        let values = try designer.suggest(DesignRequest(count: 4_000, trialCount: 0)).compactMap { $0["lr"]?.doubleValue }
        let geometricMean = (1e-5 * 1e-1).squareRoot()
        let below = Double(values.filter { $0 < geometricMean }.count) / Double(values.count)
        // Binomial standard deviation is about 0.008; linear sampling would put 1% below 1e-3.
        #expect(abs(below - 0.5) < 0.03, "fraction below the geometric mean: \(below)")
        let lowestDecade = Double(values.filter { $0 < 1e-4 }.count) / Double(values.count)
        #expect(abs(lowestDecade - 0.25) < 0.03, "fraction in [1e-5, 1e-4): \(lowestDecade)")
    }

    @Test func logScaleIntegersAreLogUniform() throws {
        // The continuous parameter keeps the space infinite, so values may repeat as pure random search does.
        let space = SearchSpace([.integer("units", min: 1, max: 10_000, scale: .log), .double("x", min: 0, max: 1)])
        let designer = try RandomDesigner(searchSpace: space, seed: 4)
        let values = try designer.suggest(DesignRequest(count: 4_000, trialCount: 0)).compactMap { $0["units"]?.doubleValue }
        let below = Double(values.filter { $0 <= 100 }.count) / Double(values.count)
        #expect(abs(below - 0.5) < 0.03, "fraction at or below 100: \(below)")
    }

    @Test(arguments: [
        ParameterSpec.categorical("optimizer", ["sgd", "adam", "rmsprop", "adagrad"]),
        ParameterSpec.discrete("batch", [16, 32, 64, 128, 256]),
        ParameterSpec.integer("layers", min: 1, max: 6),
        ParameterSpec.double("dropout", min: 0, max: 0.5, step: 0.1),
    ])
    func finiteValuesAreDrawnUniformly(parameter: ParameterSpec) throws {
        // Two continuous parameters make the space infinite, so values repeat freely.
        let space = SearchSpace([parameter, .double("a", min: 0, max: 1), .double("b", min: 0, max: 1)])
        let designer = try RandomDesigner(searchSpace: space, seed: 17)
        let draws = 6_000
        var counts: [ParameterValue: Int] = [:]
        for assignment in try designer.suggest(DesignRequest(count: draws, trialCount: 0)) {
            counts[assignment[parameter.name] ?? .string("missing"), default: 0] += 1
        }
        let cardinality = try #require(parameter.cardinality)
        #expect(counts.count == cardinality)
        // Chi-squared with at most 5 degrees of freedom: 20.5 is its 0.999 quantile.
        let expected = Double(draws) / Double(cardinality)
        let chiSquared = counts.values.reduce(0) { $0 + pow(Double($1) - expected, 2) / expected }
        #expect(chiSquared < 20.5, "\(counts)")
    }

    // MARK: Small finite spaces

    @Test func smallFiniteSpaceNeverRepeatsAndIsExhausted() throws {
        let designer = try RandomDesigner(searchSpace: Fixtures.smallGridSpace, seed: 5)
        #expect(designer.historyScope == .parameters)
        let all = try Fixtures.run(designer, total: 1_000, batch: 10)
        #expect(all.count == 264)
        #expect(Set(all).count == 264)
        #expect(all.allSatisfy(Fixtures.smallGridSpace.isValid))
        #expect(try Fixtures.suggest(designer, count: 3, after: Fixtures.trials(all)).isEmpty)
    }

    @Test func smallFiniteSpaceAvoidsActiveTrialsAndTheBatchItself() throws {
        let space = SearchSpace([.categorical("optimizer", ["sgd", "adam", "rmsprop"])])
        let designer = try RandomDesigner(searchSpace: space, seed: 8)
        let first = try Fixtures.suggest(designer, count: 2)
        #expect(Set(first).count == 2)
        let rest = try Fixtures.suggest(designer, count: 5, after: Fixtures.trials(first, state: .active))
        #expect(rest.count == 1)
        #expect(Set(first + rest).count == 3)
    }

    @Test func nearlyFullSpaceFindsTheLastFreePoints() throws {
        // 995 of 1,000 values are taken, so most picks fall back to choosing among the free ones.
        let space = SearchSpace([.integer("n", min: 1, max: 1_000)])
        let designer = try RandomDesigner(searchSpace: space, seed: 6)
        let free: Set<Int> = [1, 2, 500, 999, 1_000]
        let taken = (1...1_000).filter { !free.contains($0) }.map { ["n": ParameterValue.integer($0)] }
        let history = Fixtures.trials(taken)
        let next = try Fixtures.suggest(designer, count: 10, after: history)
        #expect(Set(next.compactMap { $0["n"] }) == Set(free.map { ParameterValue.integer($0) }))
        #expect(next.count == 5)
        #expect(try Fixtures.suggest(designer, count: 10, after: history) == next)
    }

    @Test func smallFiniteSpaceKeepsTrialNWhenUnused() throws {
        // With no clash, trial n is the first draw of its stream: the same point an infinite space would give.
        let space = SearchSpace([.integer("n", min: 1, max: 50_000)])
        let finite = try RandomDesigner(searchSpace: space, seed: 12)
        let request = DesignRequest(count: 1, trialCount: 3)
        var generator = SeededGenerator(seed: 12, stream: 3)
        #expect(try finite.suggest(request) == [space.assignment(atUnit: [generator.nextUnit()])])
    }

    @Test func largeFiniteSpaceNeedsOnlyCounts() throws {
        let space = SearchSpace([.integer("a", min: 1, max: 1_000), .integer("b", min: 1, max: 1_000)])
        #expect(try RandomDesigner(searchSpace: space, seed: 1).historyScope == .countsOnly)
    }

    @Test func rejectsMalformedSearchSpaces() {
        #expect(throws: DesignerError.emptySearchSpace) { try RandomDesigner(searchSpace: SearchSpace([]), seed: 1) }
        #expect(throws: DesignerError.self) {
            try RandomDesigner(searchSpace: SearchSpace([.categorical("optimizer", [])]), seed: 1)
        }
        #expect(throws: DesignerError.self) {
            try RandomDesigner(searchSpace: SearchSpace([.double("lr", min: 0, max: 1, scale: .log)]), seed: 1)
        }
    }

    @Test func negativeCountsAndPositionsDoNotTrap() throws {
        let designer = try RandomDesigner(searchSpace: Fixtures.mixedSpace, seed: 1)
        #expect(try designer.suggest(DesignRequest(count: -3, trialCount: 0)).isEmpty)
        #expect(try designer.suggest(DesignRequest(count: 1, trialCount: -1)).count == 1)
    }
}
