import Testing
@testable import AugurCore

/// `when: {parent: [values]}` in Augur's format, and the trees the validator refuses with file:line and field.
@Suite struct ConditionalSpecTests {
    static func spec(_ parameters: String) -> String {
        """
        name: conditional
        objective: {metric: loss, goal: minimize}
        parameters:
        \(parameters)
        trial:
          command: [./train, "--lr=${parameters.lr_sgd}"]
        """
    }

    @Test func whenBecomesAConditionInTheParentsType() throws {
        let text = Self.spec("""
          - {name: optimizer, type: categorical, values: [sgd, adam]}
          - {name: lr_sgd, type: double, min: 0.001, max: 1, scale: log, when: {optimizer: [sgd]}}
          - {name: momentum, type: discrete, values: [0, 0.9], when: {optimizer: sgd}}
          - {name: layers, type: int, min: 1, max: 4}
          - {name: nesterov, type: categorical, values: [plain, nesterov], when: {momentum: [0.9]}}
          - {name: width, type: int, min: 8, max: 64, when: {layers: [2, 3]}}
        """)
        let spec = try StudySpecParser.parse(text, file: "/specs/conditional.yaml").spec
        let conditions = spec.searchSpace.parameters.map(\.condition)
        #expect(conditions == [
            nil,
            ParameterCondition(parent: "optimizer", values: [.string("sgd")]),
            ParameterCondition(parent: "optimizer", values: [.string("sgd")]),
            nil,
            ParameterCondition(parent: "momentum", values: [.double(0.9)]),
            ParameterCondition(parent: "layers", values: [.integer(2), .integer(3)]),
        ])
        #expect(spec.problems().isEmpty)
    }

    @Test func aParentMayComeAfterItsChild() throws {
        let spec = try StudySpecParser.parse(Self.spec("""
          - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {optimizer: [sgd]}}
          - {name: optimizer, type: categorical, values: [sgd, adam]}
        """), file: "/specs/c.yaml").spec
        #expect(spec.searchSpace.activeNames(in: ["optimizer": .string("sgd")]) == ["optimizer", "lr_sgd"])
    }

    /// Each bad tree is refused at the line of the condition, naming the field.
    @Test(arguments: [
        ("  - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {optimiser: [sgd]}}", 5,
         "parameters[1].when.optimiser", "not a parameter of the study"),
        ("  - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {optimizer: [sgd, rmsprop]}}", 5,
         "parameters[1].when.optimizer[1]", "not a value of categorical parameter `optimizer`"),
        ("  - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {scale: [1]}}", 5,
         "parameters[1].when.scale", "only categorical, discrete and int parameters can be parents"),
        ("  - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {lr_sgd: [1]}}", 5,
         "parameters[1].when.lr_sgd", "depends on itself"),
        ("  - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {optimizer: []}}", 5,
         "parameters[1].when.optimizer", "lists no values"),
        ("  - {name: lr_sgd, type: double, min: 0.001, max: 1, when: {optimizer: [sgd], scale: [1]}}", 5,
         "parameters[1].when", "names one parent parameter"),
    ])
    func aBadTreeIsRefusedWithFileLineAndField(line: String, lineNumber: Int, field: String, phrase: String) throws {
        let problems = specProblems(Self.spec("""
          - {name: optimizer, type: categorical, values: [sgd, adam]}
        \(line)
          - {name: scale, type: double, min: 0, max: 1}
        """), file: "/specs/bad.yaml")
        let problem = try #require(problems.first { $0.field == field }, "\(problems)")
        #expect(problem.message.contains(phrase), "\(problem.message)")
        #expect(problem.location?.file == "/specs/bad.yaml")
        #expect(problem.location?.line == lineNumber, "\(problem)")
    }

    @Test func aCycleIsRefusedForEachOfItsMembers() {
        let problems = specProblems(Self.spec("""
          - {name: a, type: categorical, values: [x, y], when: {c: [x]}}
          - {name: b, type: categorical, values: [x, y], when: {a: [x]}}
          - {name: c, type: categorical, values: [x, y], when: {b: [y]}}
          - {name: lr_sgd, type: double, min: 0, max: 1}
        """), file: "/specs/cycle.yaml")
        let cycles = problems.filter { $0.message.contains("conditions must form a tree") }
        #expect(cycles.map(\.field) == ["parameters[0].when.c", "parameters[1].when.a", "parameters[2].when.b"])
        #expect(cycles.map { $0.location?.line } == [4, 5, 6])
    }

    @Test func aValueAnIntParentCannotTakeIsRefused() {
        let problems = specProblems(Self.spec("""
          - {name: layers, type: int, min: 1, max: 7, step: 2}
          - {name: lr_sgd, type: double, min: 0, max: 1, when: {layers: [3, 4, wide]}}
        """), file: "/specs/int.yaml")
        #expect(problems.map(\.field) == ["parameters[1].when.layers[1]", "parameters[1].when.layers[2]"])
    }

    @Test func theValidatorChecksHandBuiltTreesByFieldPath() {
        let space = SearchSpace([
            .categorical("optimizer", ["sgd"]),
            .double("lr", min: 0, max: 1).when("optimizer", in: [.string("adam")]),
            .double("decay", min: 0, max: 1).when("missing", in: [.string("x")]),
        ])
        #expect(SpecValidator.problems(of: space).map(\.field) == ["parameters[1].when.optimizer[0]", "parameters[2].when.missing"])
    }

    /// The grid's size limit counts the tree's cells, not the product of every parameter's values: three branches
    /// of 1,000 × 1,000 values each are 3,000,000 cells flat (refused before) but 3 · 1,000 + … exactly.
    @Test func aConditionalGridIsSizedByItsTreeNotItsFlatProduct() throws {
        func gridSpec(_ parameters: String) -> String {
            """
            name: conditional-grid
            objective: {metric: loss, goal: minimize}
            algorithm: {name: grid}
            parameters:
            \(parameters)
            trial:
              command: [./train]
            """
        }
        let fits = try StudySpecParser.parse(gridSpec("""
          - {name: optimizer, type: categorical, values: [sgd, adam, none]}
          - {name: lr_sgd, type: int, min: 1, max: 1000, when: {optimizer: [sgd]}}
          - {name: lr_adam, type: int, min: 1, max: 1000, when: {optimizer: [adam]}}
        """), file: "/specs/grid.yaml").spec
        #expect(fits.searchSpace.gridCellCount == 2_001)
        #expect(fits.problems().isEmpty, "\(fits.problems())")

        let tooLarge = specProblems(gridSpec("""
          - {name: optimizer, type: categorical, values: [sgd, adam]}
          - {name: lr_sgd, type: int, min: 1, max: 1000, when: {optimizer: [sgd]}}
          - {name: momentum, type: int, min: 1, max: 1001, when: {optimizer: [sgd]}}
          - {name: lr_adam, type: int, min: 1, max: 10, when: {optimizer: [adam]}}
        """), file: "/specs/grid.yaml")
        let problem = try #require(tooLarge.first { $0.field == "algorithm" }, "\(tooLarge)")
        #expect(problem.message.contains("the grid has 1001010 points"), "\(problem.message)")
    }

    @Test func theGridCellCountOfBrokenOrHugeTrees() {
        #expect(SearchSpace([.integer("a", min: 1, max: 3), .categorical("b", ["x", "y"])]).gridCellCount == 6)
        #expect(SearchSpace([]).gridCellCount == 1)
        let cycle = SearchSpace([
            .categorical("a", ["x", "y"]).when("b", in: [.string("x")]),
            .categorical("b", ["x", "y"]).when("a", in: [.string("x")]),
            .integer("c", min: 1, max: 2),
        ])
        #expect(cycle.gridCellCount == nil)
        #expect(SearchSpace([.integer("a", min: 1, max: 2).when("missing", in: [.integer(1)])]).gridCellCount == nil)
        // A continuous child that can exist has no count; one no parent value admits never exists.
        #expect(SearchSpace([.categorical("o", ["s"]), .double("lr", min: 0, max: 1).when("o", in: [.string("s")])]).gridCellCount == nil)
        #expect(SearchSpace([.categorical("o", ["s"]), .double("lr", min: 0, max: 1).when("o", in: [.string("t")])]).gridCellCount == 1)
        let huge = SearchSpace((0..<8).map { .integer("p\($0)", min: 1, max: 1_000_000) })
        #expect(huge.gridCellCount == Int.max)
    }
}
