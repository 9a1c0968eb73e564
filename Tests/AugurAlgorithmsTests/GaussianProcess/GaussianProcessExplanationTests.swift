import AugurCore
import Foundation
import Testing
@testable import AugurAlgorithms

/// The GP's "why": each proposed trial carries its source and, from the model, the acquisition value and the
/// predicted mean and standard deviation in the objective's units.
@Suite struct GaussianProcessExplanationTests {
    typealias Fixture = GaussianProcessDesignerTests

    static func history(count: Int, seed: UInt64) throws -> [Trial] {
        let spec = Fixture.spec(lower: Fixture.branin.lower, upper: Fixture.branin.upper, seed: seed)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8))
        var trials: [Trial] = []
        for index in 0..<count {
            let assignment = try #require(try designer.suggest(DesignRequest(count: 1, history: trials, trialCount: index)).first)
            trials.append(Fixture.trial(id: index + 1, assignment, value: Fixture.branin.evaluate(Fixture.point(assignment, dimensions: 2))))
        }
        return trials
    }

    static func entries(_ proposal: DesignProposal) -> [String: String] {
        Dictionary(uniqueKeysWithValues: proposal.metadata.compactMap { entry -> (String, String)? in
            guard entry.namespace == GaussianProcessDesigner.Explanation.namespace, case .text(let text) = entry.value else { return nil }
            return (entry.key, text)
        })
    }

    @Test func initialDesignTrialsSaySo() throws {
        let spec = Fixture.spec(lower: Fixture.branin.lower, upper: Fixture.branin.upper, seed: 3)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8))
        let proposals = try designer.propose(DesignRequest(count: 3, history: [], trialCount: 0))
        #expect(proposals.count == 3)
        for proposal in proposals { #expect(Self.entries(proposal) == ["source": "initial design"]) }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func modelTrialsCarryAcquisitionAndPrediction(seed: UInt64) throws {
        let history = try Self.history(count: 20, seed: seed)
        let spec = Fixture.spec(lower: Fixture.branin.lower, upper: Fixture.branin.upper, seed: seed)
        let designer = try GaussianProcessDesigner(spec: spec, settings: GaussianProcessSettings(initialTrials: 8))
        let request = DesignRequest(count: 2, history: history, trialCount: history.count)
        let proposals = try designer.propose(request)
        #expect(proposals.map(\.parameters) == (try designer.suggest(request)))
        #expect(proposals.count == 2)
        let values = history.compactMap { $0.finalValue(of: "y") }
        for proposal in proposals {
            let fields = Self.entries(proposal)
            #expect(fields["source"] == "model")
            #expect(fields["acquisition"] == AcquisitionFunction.logExpectedImprovement.rawValue)
            let acquisition = try #require(fields["acquisition_value"].flatMap(Double.init))
            let mean = try #require(fields["predicted_mean"].flatMap(Double.init))
            let deviation = try #require(fields["predicted_stddev"].flatMap(Double.init))
            #expect(acquisition.isFinite)
            #expect(deviation >= 0 && deviation.isFinite)
            // The prediction is in Branin's units: within a wide margin of the values seen.
            let low = try #require(values.min()), high = try #require(values.max())
            #expect(mean > low - (high - low) && mean < high + (high - low), "mean \(mean) outside [\(low), \(high)] widened")
        }
    }

    @Test(arguments: OutputWarping.allCases)
    func warpInverseIsExactAtTheObservationsAndMonotone(warping: OutputWarping) {
        var generator = SeededGenerator(seed: 11)
        for round in 0..<50 {
            let raw = (0..<(3 + round % 20)).map { _ in generator.nextGaussian() * 10 }
            let warped = OutputWarper(warping: warping).warp(raw)
            for goal in [ObjectiveGoal.maximize, .minimize] {
                let inverse = WarpInverse(warped: warped, raw: raw, goal: goal)
                for (w, r) in zip(warped, raw) {
                    #expect(abs(inverse.objective(mean: w, deviation: 0).mean - goal.maximizationValue(r)) < 1e-9)
                }
                var previous = -Double.infinity
                for step in 0...40 {
                    let mean = -4 + 0.2 * Double(step)
                    let value = goal.maximizationValue(inverse.objective(mean: mean, deviation: 1).mean)
                    #expect(value >= previous - 1e-12)
                    previous = value
                    #expect(inverse.objective(mean: mean, deviation: 1).deviation >= 0)
                }
            }
        }
    }

    /// Standardization is affine, so between the observations the inverse is exact too, deviations included.
    @Test func warpInverseOfPlainStandardizationIsExactEverywhereInTheObservedRange() throws {
        let raw = [3.0, -1.0, 7.5, 0.25, 4.0, -6.0]
        let warped = OutputWarper(warping: .standardize).warp(raw)
        let mean = raw.reduce(0, +) / Double(raw.count)
        let deviation = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(raw.count)).squareRoot()
        let inverse = WarpInverse(warped: warped, raw: raw, goal: .maximize)
        let low = try #require(warped.min()), high = try #require(warped.max())
        for step in 0...20 {
            let w = low + (high - low) * Double(step) / 20
            let objective = inverse.objective(mean: w, deviation: 0.5)
            #expect(abs(objective.mean - (mean + deviation * w)) < 1e-9)
            #expect(abs(objective.deviation - 0.5 * deviation) < 1e-9)
        }
    }
}
