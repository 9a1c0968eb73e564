import Foundation
@testable import AugurHTTP
import AugurCore
import Testing

@Suite struct ParameterImportanceTests {
    static let space = SearchSpace([
        .double("decisive", min: 0, max: 1),
        .double("noise", min: 0, max: 1),
        .double("learning_rate", min: 1e-4, max: 1, scale: .log),
        .categorical("optimizer", ["adam", "sgd", "rmsprop"]),
    ])

    /// Trials with uniformly random parameters (seeded) and the objective `objective(parameters)`.
    static func trials(count: Int, seed: UInt64, objective: (ParameterAssignment) -> Double) -> [(parameters: ParameterAssignment, value: Double)] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let parameters: ParameterAssignment = [
                "decisive": .double(Double.random(in: 0...1, using: &generator)),
                "noise": .double(Double.random(in: 0...1, using: &generator)),
                "learning_rate": .double(pow(10, Double.random(in: -4...0, using: &generator))),
                "optimizer": .string(["adam", "sgd", "rmsprop"].randomElement(using: &generator) ?? "adam"),
            ]
            return (parameters, objective(parameters))
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func theParameterThatDeterminesTheObjectiveRanksFirst(seed: UInt64) throws {
        let trials = Self.trials(count: 500, seed: seed) { (($0["decisive"]?.doubleValue ?? 0) - 0.3).magnitude }
        let estimate = try #require(ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: trials))
        #expect(estimate.entries.first?.parameter == "decisive")
        #expect(try #require(estimate.entries.first).importance > 0.8)
        #expect(estimate.trialCount == 500)
        #expect(estimate.topCount == 50)
        let total = estimate.entries.reduce(0) { $0 + $1.importance }
        #expect(abs(total - 1) < 1e-9)
    }

    @Test(arguments: [4, 5] as [UInt64])
    func aNoiseParameterScoresNearZero(seed: UInt64) throws {
        let trials = Self.trials(count: 1_000, seed: seed) { parameters in
            let x = parameters["decisive"]?.doubleValue ?? 0
            return (x - 0.7) * (x - 0.7)
        }
        let estimate = try #require(ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: trials))
        let noise = try #require(estimate.entries.first { $0.parameter == "noise" })
        #expect(noise.importance < 0.05)
        // A random top set's divergence is sampling noise, about (bins - 1) / topCount.
        #expect(noise.divergence < 3 * Double(noise.bins - 1) / Double(estimate.topCount))
    }

    @Test func aCategoricalAndALogParameterAreFoundUnderMaximization() throws {
        let trials = Self.trials(count: 600, seed: 9) { parameters in
            let bonus = parameters["optimizer"] == .string("sgd") ? 1.0 : 0.0
            return bonus + 0.3 * log10(parameters["learning_rate"]?.doubleValue ?? 1)
        }
        let estimate = try #require(ParameterImportance.estimate(searchSpace: Self.space, goal: .maximize, trials: trials))
        #expect(estimate.entries.prefix(2).map(\.parameter).sorted() == ["learning_rate", "optimizer"])
        #expect(estimate.entries.first { $0.parameter == "optimizer" }?.bins == 3)
    }

    @Test func theSameTrialsGiveTheSameEstimate() {
        let trials = Self.trials(count: 200, seed: 11) { $0["noise"]?.doubleValue ?? 0 }
        let first = ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: trials)
        let second = ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: trials)
        #expect(first == second)
    }

    @Test func tooFewTrialsOrNonFiniteValuesGiveNoEstimate() {
        let few = Self.trials(count: ParameterImportance.minimumTrials - 1, seed: 3) { $0["decisive"]?.doubleValue ?? 0 }
        #expect(ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: few) == nil)
        let nonFinite = Self.trials(count: 50, seed: 3) { _ in .nan }
        #expect(ParameterImportance.estimate(searchSpace: Self.space, goal: .minimize, trials: nonFinite) == nil)
    }

    @Test func pearsonDivergenceOfTheSameHistogramIsZero() {
        #expect(ParameterImportance.pearsonDivergence([0.25, 0.25, 0.5], from: [0.25, 0.25, 0.5]) == 0)
        // All of the top set in one of ten equal bins: (1 - 0.1)² / 0.1 + 9 · 0.1² / 0.1 = 9.
        let all = [Double](repeating: 0.1, count: 10)
        let top = [1.0] + [Double](repeating: 0, count: 9)
        #expect(abs(ParameterImportance.pearsonDivergence(top, from: all) - 9) < 1e-12)
    }
}

@Suite struct DownsamplingTests {
    @Test func everythingIsKeptWhenItFits() {
        #expect(Downsampling.indices(count: 5, limit: 10) == [0, 1, 2, 3, 4])
        #expect(Downsampling.indices(count: 0, limit: 10) == [])
    }

    @Test func aLargeSeriesKeepsItsEndsAndEveryImprovementWithinTheLimit() {
        let improvements = [0, 3, 17, 512, 40_000, 99_998]
        let kept = Downsampling.indices(count: 100_000, limit: 1_000, mustKeep: improvements)
        #expect(kept.count <= 1_000)
        #expect(kept.count == 1_000)
        #expect(Set(improvements).isSubset(of: kept))
        #expect(kept.first == 0)
        #expect(kept.last == 99_999)
        #expect(kept == kept.sorted())
        #expect(Set(kept).count == kept.count)
    }

    @Test func moreImprovementsThanTheLimitKeepTheEarliest() {
        let kept = Downsampling.indices(count: 100, limit: 10, mustKeep: Array(0..<100))
        #expect(kept.count == 10)
        #expect(kept.contains(99))
        #expect(kept.prefix(9) == [0, 1, 2, 3, 4, 5, 6, 7, 8])
    }
}
