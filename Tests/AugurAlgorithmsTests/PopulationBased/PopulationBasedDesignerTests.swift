import Foundation
import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct PopulationBasedDesignerTests {
    static let space = SearchSpace([
        .double("lr", min: 1e-4, max: 1, scale: .log),
        .integer("batch", min: 8, max: 256),
        .categorical("optimizer", ["sgd", "adam", "adamw"]),
    ])

    static func designer(population: Int = 10, truncation: Double = 0.2, resample: Double? = nil,
                         space: SearchSpace = space, seed: UInt64 = 7) throws -> PopulationBasedDesigner {
        let settings = PopulationBasedTrainingSettings(population: population, truncationThreshold: truncation,
                                                       resampleProbability: resample)
        return try PopulationBasedDesigner(spec: Fixtures.spec(space, algorithm: .populationBased(settings), seed: seed),
                                           settings: settings)
    }

    /// Asks for `count` trials after `history` and appends them, ACTIVE, numbered on.
    static func propose(_ designer: PopulationBasedDesigner, count: Int, after history: inout [Trial]) throws -> [DesignProposal] {
        let pending = history.filter { !$0.state.isTerminal }.map(\.parameters)
        let proposals = try designer.propose(DesignRequest(count: count, history: history, trialCount: history.count, pending: pending))
        for proposal in proposals {
            history.append(Trial(id: history.count + 1, study: "test", parameters: proposal.parameters, state: .active))
        }
        return proposals
    }

    /// Completes every ACTIVE trial with `loss(id)`.
    static func complete(_ history: inout [Trial], loss: (Int) -> Double) {
        for index in history.indices where history[index].state == .active {
            history[index].state = .completed
            history[index].finalMeasurement = TrialMeasurement(metrics: ["loss": loss(history[index].id)])
        }
    }

    static func member(_ proposal: DesignProposal) throws -> PopulationMember {
        try #require(PopulationMember(metadata: proposal.metadata))
    }

    @Test func generationZeroIsDrawnAtRandomWithoutParents() throws {
        let designer = try Self.designer()
        var history: [Trial] = []
        let proposals = try Self.propose(designer, count: 10, after: &history)
        #expect(proposals.count == 10)
        for (index, proposal) in proposals.enumerated() {
            #expect(try Self.member(proposal) == PopulationMember(generation: 0, member: index, parent: nil))
            #expect(Self.space.isValid(proposal.parameters))
        }
        #expect(Set(proposals.map(\.parameters)).count == 10)
    }

    @Test func theNextGenerationWaitsUntilEveryMemberOfTheLastHasEnded() throws {
        let designer = try Self.designer(population: 4, truncation: 0.25)
        var history: [Trial] = []
        // Asking for six at once stops at the generation's end.
        #expect(try Self.propose(designer, count: 6, after: &history).count == 4)
        history[0].state = .completed
        history[0].finalMeasurement = TrialMeasurement(metrics: ["loss": 1])
        #expect(try Self.propose(designer, count: 2, after: &history).isEmpty)
        Self.complete(&history) { Double($0) }
        let next = try Self.propose(designer, count: 6, after: &history)
        #expect(next.count == 4)
        #expect(try next.map { try Self.member($0).generation } == [1, 1, 1, 1])
        #expect(try next.map { try Self.member($0).member } == [0, 1, 2, 3])
    }

    @Test func theWorstAreReplacedByPerturbedCopiesOfTheBestWithTheirCheckpoints() throws {
        let designer = try Self.designer(population: 10, truncation: 0.2)
        var history: [Trial] = []
        _ = try Self.propose(designer, count: 10, after: &history)
        // Loss grows with the trial id: trials 1 and 2 are the best, 9 and 10 the worst.
        Self.complete(&history) { Double($0) }
        let generation0 = history
        let next = try Self.propose(designer, count: 10, after: &history)
        for (index, proposal) in next.enumerated() {
            let member = try Self.member(proposal)
            #expect(member.generation == 1 && member.member == index)
            if index < 8 {
                // Survivors go on from their own checkpoint with their own parameters.
                #expect(member.parent == index + 1)
                #expect(proposal.parameters == generation0[index].parameters)
            } else {
                let parent = try #require(member.parent)
                #expect([1, 2].contains(parent))
                let donor = generation0[parent - 1].parameters
                #expect(proposal.parameters != donor)
                let lr = try #require(donor["lr"]?.doubleValue)
                let moved = try #require(proposal.parameters["lr"]?.doubleValue)
                #expect(abs(moved - lr * 0.8) < 1e-12 || abs(moved - min(lr * 1.2, 1)) < 1e-12)
                #expect(Self.space.isValid(proposal.parameters))
            }
        }
    }

    @Test func aFailedMemberIsReplacedAndAGoalToMaximizeRanksTheOtherWay() throws {
        let settings = PopulationBasedTrainingSettings(population: 5, truncationThreshold: 0.2)
        var spec = Fixtures.spec(Self.space, algorithm: .populationBased(settings), seed: 3)
        spec.objective = Objective(metric: "accuracy", goal: .maximize)
        let designer = try PopulationBasedDesigner(spec: spec, settings: settings)
        var history: [Trial] = []
        _ = try Self.propose(designer, count: 5, after: &history)
        for index in history.indices {
            history[index].state = index == 2 ? .failed : .completed
            history[index].finalMeasurement = index == 2 ? nil : TrialMeasurement(metrics: ["accuracy": Double(index)])
        }
        let next = try Self.propose(designer, count: 5, after: &history)
        let parents = try next.map { try Self.member($0).parent }
        // The best (trial 5, accuracy 4) is the donor; the failed member 2 and the worst ranked (trial 1) copy it.
        #expect(parents == [5, 2, 5, 4, 5])
    }

    @Test func aGenerationWithoutResultsStartsAfresh() throws {
        let designer = try Self.designer(population: 3, truncation: 0.34)
        var history: [Trial] = []
        _ = try Self.propose(designer, count: 3, after: &history)
        for index in history.indices { history[index].state = .failed }
        let next = try Self.propose(designer, count: 3, after: &history)
        #expect(try next.map { try Self.member($0) } == (0..<3).map { PopulationMember(generation: 1, member: $0) })
    }

    @Test(arguments: [0.0, 1.0])
    func resamplingKeepsOrRedrawsEveryParameter(probability: Double) throws {
        let designer = try Self.designer(population: 10, truncation: 0.5, resample: probability)
        var history: [Trial] = []
        _ = try Self.propose(designer, count: 10, after: &history)
        Self.complete(&history) { Double($0) }
        let generation0 = history
        let next = try Self.propose(designer, count: 10, after: &history)
        for proposal in next.suffix(5) {
            let donor = generation0[try #require(Self.member(proposal).parent) - 1].parameters
            if probability == 0 {
                #expect(proposal.parameters == donor)
            } else {
                #expect(proposal.parameters["lr"] != donor["lr"])
                #expect(Self.space.isValid(proposal.parameters))
            }
        }
    }

    @Test func theSameHistoryAndSeedGiveTheSamePlan() throws {
        var first: [Trial] = []
        var second: [Trial] = []
        let a = try Self.designer(seed: 11)
        let b = try Self.designer(seed: 11)
        for round in 0..<3 {
            let x = try Self.propose(a, count: 10, after: &first)
            let y = try Self.propose(b, count: 10, after: &second)
            #expect(x == y, "generation \(round)")
            Self.complete(&first) { Double(($0 * 7919) % 13) }
            Self.complete(&second) { Double(($0 * 7919) % 13) }
        }
    }

    /// Every trial number is one member of one generation: parallel workers asking one at a time never get two
    /// trials for the same population slot, and a generation's members all come before the next one's.
    @Test func everyTrialIsOneSlotOfOneGeneration() throws {
        let designer = try Self.designer(population: 4, truncation: 0.25)
        var history: [Trial] = []
        var seen: [PopulationMember] = []
        var generator = SeededGenerator(seed: 4)
        while history.count < 20 {
            seen += try Self.propose(designer, count: 1 + generator.nextIndex(below: 3), after: &history).map(Self.member)
            // Finish some of the running trials, in no particular order.
            for index in history.indices where history[index].state == .active && generator.nextUnit() < 0.5 {
                history[index].state = .completed
                history[index].finalMeasurement = TrialMeasurement(metrics: ["loss": generator.nextUnit()])
            }
        }
        let slots = seen.map { [$0.generation, $0.member] }
        #expect(Set(slots).count == slots.count)
        #expect(slots == (0..<slots.count).map { [$0 / 4, $0 % 4] })
    }

    @Test func perturbationStaysInsideEveryKindOfParameter() throws {
        let designer = try Self.designer(space: Fixtures.mixedSpace)
        for parameter in Fixtures.mixedSpace.parameters {
            for unit in stride(from: 0.0, through: 1.0, by: 0.125) {
                let value = parameter.value(atUnit: unit)
                for up in [false, true] {
                    let moved = designer.perturbed(value, of: parameter, up: up)
                    #expect(parameter.contains(moved), "\(parameter.name): \(value) → \(moved)")
                }
            }
        }
        let optimizer = try #require(Fixtures.mixedSpace["optimizer"])
        #expect(designer.perturbed(.string("rmsprop"), of: optimizer, up: true) == .string("sgd"))
        #expect(designer.perturbed(.string("sgd"), of: optimizer, up: false) == .string("rmsprop"))
        let layers = try #require(Fixtures.mixedSpace["layers"])
        #expect(designer.perturbed(.integer(1), of: layers, up: true) == .integer(2))
        let batch = try #require(Fixtures.mixedSpace["batch"])
        #expect(designer.perturbed(.double(256), of: batch, up: true) == .double(256))
        #expect(designer.perturbed(.double(64), of: batch, up: false) == .double(32))
    }

    @Test(arguments: DesignerPropertyTests.spaces)
    func everyProposalIsValid(space: SearchSpace) throws {
        let designer = try Self.designer(population: 5, truncation: 0.4, space: space)
        var history: [Trial] = []
        var generator = SeededGenerator(seed: 9)
        while history.count < 25 {
            for proposal in try Self.propose(designer, count: 5, after: &history) {
                #expect(space.isValid(proposal.parameters), "\(proposal.parameters)")
            }
            for index in history.indices where history[index].state == .active {
                history[index].state = generator.nextUnit() < 0.1 ? .failed : .completed
                history[index].finalMeasurement = TrialMeasurement(metrics: ["loss": generator.nextUnit()])
            }
        }
    }

    @Test(arguments: [(1, 0.2, nil), (10, 0, nil), (10, 0.6, nil), (10, 0.2, 1.5)] as [(Int, Double, Double?)])
    func settingsOutOfRangeAreRefused(population: Int, truncation: Double, resample: Double?) {
        #expect(throws: DesignerError.self) {
            try Self.designer(population: population, truncation: truncation, resample: resample)
        }
    }

    @Test func memberMetadataReadsBack() {
        let member = PopulationMember(generation: 3, member: 7, parent: 22)
        #expect(PopulationMember(metadata: member.metadata) == member)
        #expect(PopulationMember(metadata: []) == nil)
    }
}
