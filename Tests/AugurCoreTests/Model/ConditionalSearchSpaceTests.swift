import Foundation
import Testing
@testable import AugurCore

/// A parameter that exists only under some values of its parent, to any depth.
@Suite struct ConditionalSearchSpaceTests {
    /// optimizer → (sgd: lr_sgd, momentum → (nesterov under momentum 0.9)), (adam: lr_adam, beta1); width always.
    static let space = SearchSpace([
        .categorical("optimizer", ["sgd", "adam"]),
        .double("lr_sgd", min: 1e-4, max: 1, scale: .log).when("optimizer", in: [.string("sgd")]),
        .discrete("momentum", [0, 0.9]).when("optimizer", in: [.string("sgd")]),
        .categorical("nesterov", ["yes", "no"]).when("momentum", in: [.double(0.9)]),
        .double("lr_adam", min: 1e-5, max: 1e-1, scale: .log).when("optimizer", in: [.string("adam")]),
        .integer("beta_exponent", min: 1, max: 4).when("optimizer", in: [.string("adam")]),
        .integer("width", min: 8, max: 64),
    ])

    @Test func activeParametersFollowTheTreeToAnyDepth() {
        let sgd: ParameterAssignment = ["optimizer": .string("sgd"), "momentum": .double(0.9), "width": .integer(8)]
        #expect(Self.space.activeParameters(in: sgd).map(\.name) == ["optimizer", "lr_sgd", "momentum", "nesterov", "width"])
        let plain: ParameterAssignment = ["optimizer": .string("sgd"), "momentum": .double(0), "width": .integer(8)]
        #expect(Self.space.activeNames(in: plain) == ["optimizer", "lr_sgd", "momentum", "width"])
        let adam: ParameterAssignment = ["optimizer": .string("adam"), "momentum": .double(0.9)]
        #expect(Self.space.activeNames(in: adam) == ["optimizer", "lr_adam", "beta_exponent", "width"])
        // A grandchild never exists without its parent, even when the parent's value is given.
        #expect(!Self.space.activeNames(in: adam).contains("nesterov"))
    }

    @Test func isValidDemandsExactlyTheActiveParameters() {
        let valid: ParameterAssignment = [
            "optimizer": .string("sgd"), "lr_sgd": .double(0.01), "momentum": .double(0.9), "nesterov": .string("no"),
            "width": .integer(16),
        ]
        #expect(Self.space.isValid(valid))
        var missing = valid
        missing["nesterov"] = nil
        #expect(!Self.space.isValid(missing), "an active parameter is missing")
        var extra = valid
        extra["lr_adam"] = .double(0.001)
        #expect(!Self.space.isValid(extra), "an inactive parameter has a value")
        #expect(Self.space.pruned(extra) == valid)
    }

    @Test func unitPointsMapToPrunedAssignmentsAndBack() {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<500 {
            let u = Self.space.parameters.map { _ in generator.nextUnit() }
            let assignment = Self.space.assignment(atUnit: u)
            #expect(Self.space.isValid(assignment), "\(assignment)")
            let point = Self.space.unitPoint(of: assignment)
            #expect(point.map { Self.space.assignment(atUnit: $0) } == assignment)
            for (parameter, coordinate) in zip(Self.space.parameters, point ?? []) where assignment[parameter.name] == nil {
                #expect(coordinate == SearchSpace.inactiveUnitPosition)
            }
        }
    }

    @Test func conditionsSurviveJSONAndOldSpecsStillDecode() throws {
        let data = try JSONEncoder().encode(Self.space)
        #expect(try JSONDecoder().decode(SearchSpace.self, from: data) == Self.space)
        // A parameter without a condition is written as before the field existed.
        let plain = try JSONEncoder().encode(ParameterSpec.integer("width", min: 8, max: 64))
        #expect(!String(decoding: plain, as: UTF8.self).contains("condition"))
        let stored = #"{"parameters":[{"name":"x","domain":{"double":{"min":0,"max":1,"scale":"linear"}}}]}"#
        let old = try JSONDecoder().decode(SearchSpace.self, from: Data(stored.utf8))
        #expect(old.parameters.first?.condition == nil)
        #expect(!old.isConditional)
    }

    @Test func valuesReadBackAsAnotherTypeStillSatisfyTheCondition() {
        // JSON storage may read a discrete 0.9 back as is, a category "1" as the number 1.
        let space = SearchSpace([
            .categorical("mode", ["1", "2"]),
            .integer("k", min: 1, max: 3).when("mode", in: [.string("1")]),
        ])
        #expect(space.activeNames(in: ["mode": .integer(1)]) == ["mode", "k"])
        #expect(space.activeNames(in: ["mode": .integer(2)]) == ["mode"])
    }

    @Test func aCycleMakesItsMembersInactiveInsteadOfLooping() {
        let space = SearchSpace([
            .categorical("a", ["x"]).when("b", in: [.string("x")]),
            .categorical("b", ["x"]).when("a", in: [.string("x")]),
            .integer("c", min: 0, max: 1),
        ])
        #expect(space.activeNames(in: ["a": .string("x"), "b": .string("x"), "c": .integer(0)]) == ["c"])
    }
}
