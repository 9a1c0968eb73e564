import AugurAlgorithms
import AugurCore
import Testing

@Suite("Hyperband")
struct HyperbandPolicyTests {
    let policy = HyperbandPolicy(settings: HyperbandSettings(minResource: 1, maxResource: 81, eta: 3))

    @Test("brackets follow Hyperband's schedule")
    func brackets() {
        #expect(policy.brackets.map(\.index) == [4, 3, 2, 1, 0])
        #expect(policy.brackets.map(\.minResource) == [1, 3, 9, 27, 81])
        #expect(policy.brackets.map(\.rungSteps) == [[1, 3, 9, 27], [3, 9, 27], [9, 27], [27], []])
        #expect(policy.brackets.map(\.size) == [81, 34, 15, 8, 5])
    }

    @Test("s_max rounds log_eta(maxResource / minResource) down", arguments: [
        (HyperbandSettings(minResource: 1, maxResource: 100, eta: 3), 4),
        (HyperbandSettings(minResource: 2, maxResource: 16, eta: 2), 3),
        (HyperbandSettings(minResource: 10, maxResource: 29, eta: 3), 0),
        (HyperbandSettings(minResource: 10, maxResource: 5, eta: 3), 0),
        (HyperbandSettings(minResource: 0, maxResource: 8, eta: 1), 3),
    ])
    func maxBracket(settings: HyperbandSettings, expected: Int) {
        #expect(HyperbandPolicy(settings: settings).brackets.first?.index == expected)
    }

    @Test("trials are spread over brackets in proportion to bracket sizes, the same way every time")
    func assignment() {
        let ids = 1...1430
        var counts: [Int: Int] = [:]
        for id in ids { counts[policy.bracket(forTrialID: id).index, default: 0] += 1 }
        for bracket in policy.brackets {
            let expected = bracket.size / 143 * Double(ids.count)
            #expect(abs(Double(counts[bracket.index, default: 0]) - expected) <= 0.05 * Double(ids.count), "bracket \(bracket.index)")
        }
        let again = HyperbandPolicy(settings: HyperbandSettings(minResource: 1, maxResource: 81, eta: 3))
        #expect(ids.allSatisfy { again.bracket(forTrialID: $0) == policy.bracket(forTrialID: $0) })
        #expect(policy.bracket(forTrialID: 1).index == 4)
    }

    @Test("any trial id gets a bracket", arguments: [0, -1, Int.min, Int.max])
    func unusualIDs(id: Int) {
        #expect(policy.brackets.contains(policy.bracket(forTrialID: id)))
    }

    @Test("a trial is compared only with its own bracket", arguments: ObjectiveGoal.allCases)
    func onlyBracketMates(goal: ObjectiveGoal) throws {
        let curves = LearningCurves(goal: goal)
        let ids = Array(1...200)
        let aggressive = ids.filter { policy.bracket(forTrialID: $0).index == 4 }
        let elsewhere = ids.filter { policy.bracket(forTrialID: $0).index == 3 }
        let judged = aggressive[3]
        let strangers = elsewhere.prefix(5).map { curves.trial($0, [0.1]) }
        #expect(!policy.decide(for: curves.trial(judged, [0.9], state: .active), among: strangers, objective: curves.objective).shouldStop)
        let mates = aggressive.prefix(3).map { curves.trial($0, [0.1]) }
        let decision = policy.decide(for: curves.trial(judged, [0.9], state: .active), among: strangers + mates, objective: curves.objective)
        #expect(try #require(decision.reason).hasPrefix("hyperband bracket s=4 (of 0...4), successive halving: loss"))
        #expect(try #require(decision.reason).contains("ranks 4 of 4"))
    }

    @Test("bracket 0 never stops a trial")
    func bracketZero() throws {
        let curves = LearningCurves(goal: .minimize)
        let ids = Array(1...300).filter { policy.bracket(forTrialID: $0).index == 0 }
        let judged = try #require(ids.last)
        let mates = ids.dropLast().map { curves.trial($0, Array(repeating: 0.1, count: 81)) }
        #expect(!policy.decide(for: curves.trial(judged, Array(repeating: 0.9, count: 81), state: .active), among: mates, objective: curves.objective).shouldStop)
    }
}
