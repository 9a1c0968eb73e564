import AugurAlgorithms
import AugurCore
@testable import AugurRPC
import AugurService
@testable import AugurStorage
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// A study with conditional parameters, from a spec file, through Augur's gRPC API, on every store: the conditions
/// survive the wire and the store, and every trial handed out carries exactly the parameters that exist under it.
@Suite struct ConditionalStudyTests {
    static let specText = """
        name: conditional-rpc
        objective: {metric: loss, goal: minimize}
        parameters:
          - {name: optimizer, type: categorical, values: [sgd, adam]}
          - {name: lr_sgd, type: double, min: 0.001, max: 1, scale: log, when: {optimizer: [sgd]}}
          - {name: momentum, type: discrete, values: [0, 0.9], when: {optimizer: [sgd]}}
          - {name: dampening, type: double, min: 0, max: 0.5, when: {momentum: [0.9]}}
          - {name: lr_adam, type: double, min: 0.0001, max: 0.1, scale: log, when: {optimizer: [adam]}}
          - {name: layers, type: int, min: 1, max: 3}
          - {name: width, type: int, min: 8, max: 64, step: 8, when: {layers: [2, 3]}}
        algorithm: tpe
        budget: {maxTrials: 40, parallelTrials: 4}
        seed: 5
        trial:
          command: [/bin/echo, "loss=1", "sgd=${parameters.lr_sgd}", "adam=${parameters.lr_adam}"]
        """

    @Test(arguments: BadInputTests.storeKinds)
    func aConditionalStudyFromASpecFileRunsThroughGRPC(kind: String) async throws {
        let spec = try StudySpecParser.parse(Self.specText, file: "conditional.yaml").spec
        let space = spec.searchSpace
        let store = try BadInputTests.makeStore(kind)
        try await withTestServer(store: store) { address, _ in
            try await withRawStub(address) { stub, _ in
                _ = try await stub.createStudy(.with {
                    $0.study.displayName = spec.name
                    $0.study.studySpec = Augur_V1_StudySpec(spec)
                })
                // The conditions come back from the store as they went in.
                let stored = try await stub.getStudy(.with { $0.name = "studies/\(spec.name)" })
                let read = try StudySpec(stored.studySpec, name: spec.name, field: "study_spec")
                #expect(read.searchSpace == space)

                var seen: Set<String> = []
                for round in 0..<8 {
                    let trials = try await stub.suggestTrials(.with {
                        $0.parent = "studies/\(spec.name)"; $0.suggestionCount = 4; $0.clientID = "worker-\(round % 2)"
                    }).trials
                    #expect(trials.count == 4, "round \(round)")
                    for trial in trials {
                        var assignment = ParameterAssignment()
                        for parameter in trial.parameters {
                            switch parameter.value.kind {
                            case .stringValue(let text)?: assignment[parameter.parameterID] = .string(text)
                            case .numberValue(let number)?: assignment[parameter.parameterID] = .double(number)
                            default: Issue.record("\(parameter)")
                            }
                        }
                        let coerced = space.coerce(assignment)
                        #expect(space.isValid(coerced), "\(coerced)")
                        seen.formUnion(coerced.keys)
                        let loss = (coerced["lr_sgd"]?.doubleValue ?? coerced["lr_adam"]?.doubleValue ?? 1) + Double(round)
                        _ = try await stub.completeTrial(.with {
                            $0.name = trial.name
                            $0.finalMeasurement.metrics = [.with { $0.metricID = "loss"; $0.value = loss }]
                        })
                    }
                }
                #expect(seen == Set(space.names), "every branch was reached")

            }
        }
    }

    @Test func aBadTreeOnTheWireIsInvalidArgumentNamingTheField() async throws {
        var spec = try StudySpecParser.parse(Self.specText, file: "conditional.yaml").spec
        spec.searchSpace.parameters[3].condition = ParameterCondition(parent: "momentum", values: [.double(0.5)])
        let message = Augur_V1_StudySpec(spec)
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                do {
                    _ = try await stub.createStudy(.with { $0.study.displayName = "bad"; $0.study.studySpec = message })
                    Issue.record("a condition on a value the parent cannot take was accepted")
                } catch let error as RPCError {
                    #expect(error.code == .invalidArgument)
                    #expect(error.message.contains("parameters[3].when.momentum[0]"), "\(error.message)")
                }
            }
        }
    }
}
