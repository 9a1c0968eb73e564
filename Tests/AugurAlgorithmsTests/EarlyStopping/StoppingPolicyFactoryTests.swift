import AugurAlgorithms
import AugurCore
import Testing

@Suite("Stopping policy factory")
struct StoppingPolicyFactoryTests {
    @Test("builds the policy the spec names with its settings")
    func builds() throws {
        let median = try #require(StoppingPolicyFactory.make(for: .median(MedianStoppingSettings(minTrialsRequired: 5, startStep: 2))) as? MedianStoppingPolicy)
        #expect(median.settings == MedianStoppingSettings(minTrialsRequired: 5, startStep: 2))
        let asha = try #require(StoppingPolicyFactory.make(for: .successiveHalving(SuccessiveHalvingSettings(minResource: 2, reductionFactor: 2, rungs: 3))) as? SuccessiveHalvingPolicy)
        #expect(asha.rungSteps == [2, 4, 8])
        let hyperband = try #require(StoppingPolicyFactory.make(for: .hyperband(HyperbandSettings(resourceName: "epoch", minResource: 1, maxResource: 9, eta: 3))) as? HyperbandPolicy)
        #expect(hyperband.brackets.map(\.minResource) == [1, 3, 9])
    }

    @Test("a stop decision carries its reason, a keep-running one none")
    func decisions() {
        #expect(StoppingDecision.stop(because: "why") == StoppingDecision(shouldStop: true, reason: "why"))
        #expect(StoppingDecision.keepRunning == StoppingDecision(shouldStop: false, reason: nil))
    }
}
