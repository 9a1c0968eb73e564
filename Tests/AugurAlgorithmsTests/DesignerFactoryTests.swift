import Testing
import AugurCore
@testable import AugurAlgorithms

@Suite struct DesignerFactoryTests {
    @Test func buildsTheDesignerTheSpecNames() throws {
        #expect(try DesignerFactory.make(for: Fixtures.spec(Fixtures.mixedSpace, algorithm: .random)) is RandomDesigner)
        let halton = try DesignerFactory.make(for: Fixtures.spec(Fixtures.mixedSpace, algorithm: .quasiRandom(.halton)))
        #expect((halton as? QuasiRandomDesigner)?.sequence == .halton)
        let sobol = try DesignerFactory.make(for: Fixtures.spec(Fixtures.mixedSpace, algorithm: .quasiRandom(.sobol)))
        #expect((sobol as? QuasiRandomDesigner)?.sequence == .sobol)
        #expect(try DesignerFactory.make(for: Fixtures.spec(Fixtures.smallGridSpace, algorithm: .grid)) is GridDesigner)
    }

    @Test func passesTheSeedThrough() throws {
        let designer = try DesignerFactory.make(for: Fixtures.spec(Fixtures.mixedSpace, seed: 99))
        #expect((designer as? RandomDesigner)?.seed == 99)
    }

    @Test func gridOverAContinuousDoubleIsAnError() throws {
        let error = try #require(throws: DesignerError.self) {
            try DesignerFactory.make(for: Fixtures.spec(Fixtures.mixedSpace, algorithm: .grid))
        }
        #expect(error == .gridNeedsStep(parameter: "lr"))
        #expect(error.description.contains("step"))
    }

    @Test func everyErrorReadsAsASentence() {
        let errors: [DesignerError] = [
            .emptySearchSpace, .invalidParameter(name: "lr", reason: "min is negative"),
            .gridNeedsStep(parameter: "lr"), .gridTooLarge(parameters: ["a", "b"]),
            .tooManyDimensions(sequence: .sobol, dimensions: 2_000, maximum: 1_024),
            .sequenceExhausted(sequence: .sobol, position: 5),
        ]
        for error in errors {
            #expect(error.description.first?.isUppercase == true, "\(error)")
            #expect(error.description.hasSuffix("."), "\(error)")
        }
    }

    @Test(arguments: [
        (SearchSpace([.integer("n", min: 1, max: 3), .integer("n", min: 1, max: 3)]), "defined twice"),
        (SearchSpace([.double("lr", min: 1, max: 0)]), "must be greater than `min`"),
        (SearchSpace([.double("lr", min: 0, max: 1, step: -0.1)]), "must be greater than 0"),
        (SearchSpace([.double("lr", min: 0, max: .infinity)]), "finite"),
        (SearchSpace([.integer("units", min: 0, max: 64, scale: .log)]), "log-scaled"),
        (SearchSpace([.integer("n", min: 0, max: 8, step: 0)]), "at least 1"),
        (SearchSpace([.discrete("batch", [])]), "empty"),
        (SearchSpace([.discrete("batch", [.nan])]), "finite"),
    ])
    func malformedSearchSpacesAreRejectedWithAReason(space: SearchSpace, phrase: String) throws {
        for algorithm in [AlgorithmSpec.random, .quasiRandom(.sobol), .quasiRandom(.halton), .grid] {
            let error = try #require(throws: DesignerError.self) {
                try DesignerFactory.make(for: Fixtures.spec(space, algorithm: algorithm))
            }
            #expect(error.description.contains(phrase), "\(algorithm.name): \(error)")
        }
    }
}
