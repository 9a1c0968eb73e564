import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct QuasiRandomDesignerTests {
    @Test(arguments: QuasiRandomSequence.allCases)
    func deterministicAndIndependentOfBatching(sequence: QuasiRandomSequence) throws {
        let designer = try QuasiRandomDesigner(searchSpace: Fixtures.mixedSpace, sequence: sequence, seed: 21)
        #expect(designer.historyScope == .countsOnly)
        let oneByOne = try Fixtures.run(designer, total: 16, batch: 1)
        let again = try QuasiRandomDesigner(searchSpace: Fixtures.mixedSpace, sequence: sequence, seed: 21)
        #expect(try Fixtures.run(again, total: 16, batch: 6) == oneByOne)
        #expect(try designer.suggest(DesignRequest(count: 1, trialCount: 9)) == [oneByOne[9]])
    }

    @Test(arguments: QuasiRandomSequence.allCases)
    func seedsGiveDifferentScrambles(sequence: QuasiRandomSequence) throws {
        let a = try QuasiRandomDesigner(searchSpace: Fixtures.mixedSpace, sequence: sequence, seed: 1)
        let b = try QuasiRandomDesigner(searchSpace: Fixtures.mixedSpace, sequence: sequence, seed: 2)
        #expect(try Fixtures.run(a, total: 4) != Fixtures.run(b, total: 4))
    }

    @Test(arguments: QuasiRandomSequence.allCases)
    func everySuggestionIsValid(sequence: QuasiRandomSequence) throws {
        let designer = try QuasiRandomDesigner(searchSpace: Fixtures.mixedSpace, sequence: sequence, seed: 4)
        for assignment in try designer.suggest(DesignRequest(count: 1_000, trialCount: 0)) {
            #expect(Fixtures.mixedSpace.isValid(assignment), "\(assignment)")
        }
    }

    @Test(arguments: QuasiRandomSequence.allCases)
    func unscrambledSequencesSkipTheOrigin(sequence: QuasiRandomSequence) throws {
        let space = SearchSpace([.double("x", min: 0, max: 1), .double("y", min: 0, max: 1)])
        let designer = try QuasiRandomDesigner(searchSpace: space, sequence: sequence, seed: 1, scrambled: false)
        let first = try designer.suggest(DesignRequest(count: 1, trialCount: 0))
        #expect(first.first?["x"] == .double(0.5))
    }

    /// Low discrepancy: 256 points in 5 dimensions spread more evenly than uniform random points, whatever the seed.
    @Test(arguments: QuasiRandomSequence.allCases)
    func spreadsMoreEvenlyThanRandomPoints(sequence: QuasiRandomSequence) throws {
        let space = SearchSpace((0..<5).map { ParameterSpec.double("x\($0)", min: 0, max: 1) })
        for seed: UInt64 in [1, 2, 3] {
            let designer = try QuasiRandomDesigner(searchSpace: space, sequence: sequence, seed: seed)
            let points = try (0..<256).map { try designer.unitPoint(at: $0) }
            let quasi = Fixtures.centredL2Discrepancy(points)
            let random = Fixtures.centredL2Discrepancy(Fixtures.randomPoints(count: 256, dimensions: 5, seed: seed))
            #expect(quasi < 0.5 * random, "seed \(seed): quasi-random \(quasi), random \(random)")
        }
    }

    @Test func specPicksTheSequenceOrFallsBackToHalton() throws {
        let sobol = try QuasiRandomDesigner(spec: Fixtures.spec(Fixtures.mixedSpace, algorithm: .quasiRandom(.sobol)))
        #expect(sobol.sequence == .sobol)
        let gp = try QuasiRandomDesigner(spec: Fixtures.spec(Fixtures.mixedSpace,
                                                             algorithm: .gaussianProcess(GaussianProcessSettings())))
        #expect(gp.sequence == .halton)
    }

    /// Sobol's table covers every search space a spec may have; a larger one is refused by the spec's own limit (the
    /// sequence's own limit is `SobolSequenceTests`').
    @Test func sobolCoversEverySpecsParametersAndLargerSpacesAreRefused() throws {
        #expect(SpecLimits.maximumParameters <= SobolSequence.maximumDimensions)
        let largest = SearchSpace((0..<SpecLimits.maximumParameters).map { ParameterSpec.double("x\($0)", min: 0, max: 1) })
        #expect(throws: Never.self) { try QuasiRandomDesigner(searchSpace: largest, sequence: .sobol, seed: 1) }
        let tooLarge = SearchSpace((0..<1_100).map { ParameterSpec.double("x\($0)", min: 0, max: 1) })
        for sequence in QuasiRandomSequence.allCases {
            let error = #expect(throws: DesignerError.self) { try QuasiRandomDesigner(searchSpace: tooLarge, sequence: sequence, seed: 1) }
            #expect(error?.description.contains("at most \(SpecLimits.maximumParameters)") == true, "\(String(describing: error))")
        }
    }

    @Test func sobolEndsAfterItsLastPoint() throws {
        let designer = try QuasiRandomDesigner(searchSpace: Fixtures.mixedSpace, sequence: .sobol, seed: 1)
        let last = Int(SobolSequence.pointCount) - 1
        #expect(try designer.suggest(DesignRequest(count: 1, trialCount: last)).count == 1)
        #expect(throws: DesignerError.sequenceExhausted(sequence: .sobol, position: last + 1)) {
            try designer.suggest(DesignRequest(count: 1, trialCount: last + 1))
        }
        #expect(throws: DesignerError.sequenceExhausted(sequence: .sobol, position: -1)) {
            try designer.unitPoint(at: -1)
        }
    }
}
