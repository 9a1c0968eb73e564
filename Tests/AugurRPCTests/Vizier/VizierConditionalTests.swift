import AugurCore
import AugurRPC
import AugurService
@testable import AugurStorage
@testable import AugurVizier
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// Vizier's `conditional_parameter_specs`: read to any depth into Augur's flat conditions, written back as the
/// tree, and served: suggested trials carry only the parameters that exist.
@Suite struct VizierConditionalTests {
    /// optimizer (categorical) → sgd: lr_sgd, momentum (discrete) → 0.9: dampening; adam: lr_adam, layers (int) →
    /// 2, 3: width.
    static func conditionalSpec(algorithm: String = "RANDOM_SEARCH") -> Vizier_StudySpec {
        func double(_ name: String, _ low: Double, _ high: Double) -> Vizier_StudySpec.ParameterSpec {
            .with { $0.parameterID = name; $0.doubleValueSpec = .with { $0.minValue = low; $0.maxValue = high }; $0.scaleType = .unitLinearScale }
        }
        let width = Vizier_StudySpec.ParameterSpec.with {
            $0.parameterID = "width"
            $0.integerValueSpec = .with { $0.minValue = 8; $0.maxValue = 64 }
            $0.scaleType = .unitLinearScale
        }
        let layers = Vizier_StudySpec.ParameterSpec.with {
            $0.parameterID = "layers"
            $0.integerValueSpec = .with { $0.minValue = 1; $0.maxValue = 3 }
            $0.scaleType = .unitLinearScale
            $0.conditionalParameterSpecs = [.with { $0.parentIntValues = .with { $0.values = [2, 3] }; $0.parameterSpec = width }]
        }
        let momentum = Vizier_StudySpec.ParameterSpec.with {
            $0.parameterID = "momentum"
            $0.discreteValueSpec = .with { $0.values = [0, 0.9] }
            $0.conditionalParameterSpecs = [.with {
                $0.parentDiscreteValues = .with { $0.values = [0.9] }
                $0.parameterSpec = double("dampening", 0, 0.5)
            }]
        }
        let optimizer = Vizier_StudySpec.ParameterSpec.with {
            $0.parameterID = "optimizer"
            $0.categoricalValueSpec = .with { $0.values = ["sgd", "adam"] }
            $0.conditionalParameterSpecs = [
                .with { $0.parentCategoricalValues = .with { $0.values = ["sgd"] }; $0.parameterSpec = double("lr_sgd", 1e-3, 1) },
                .with { $0.parentCategoricalValues = .with { $0.values = ["sgd"] }; $0.parameterSpec = momentum },
                .with { $0.parentCategoricalValues = .with { $0.values = ["adam"] }; $0.parameterSpec = double("lr_adam", 1e-4, 1e-1) },
                .with { $0.parentCategoricalValues = .with { $0.values = ["adam"] }; $0.parameterSpec = layers },
            ]
        }
        return .with {
            $0.metrics = [.with { $0.metricID = "loss"; $0.goal = .minimize }]
            $0.parameters = [optimizer, double("dropout", 0, 0.5)]
            $0.algorithm = algorithm
        }
    }

    static let flat: [ParameterSpec] = [
        .categorical("optimizer", ["sgd", "adam"]),
        .double("lr_sgd", min: 1e-3, max: 1).when("optimizer", in: [.string("sgd")]),
        .discrete("momentum", [0, 0.9]).when("optimizer", in: [.string("sgd")]),
        .double("dampening", min: 0, max: 0.5).when("momentum", in: [.double(0.9)]),
        .double("lr_adam", min: 1e-4, max: 1e-1).when("optimizer", in: [.string("adam")]),
        .integer("layers", min: 1, max: 3).when("optimizer", in: [.string("adam")]),
        .integer("width", min: 8, max: 64).when("layers", in: [.integer(2), .integer(3)]),
        .double("dropout", min: 0, max: 0.5),
    ]

    @Test func theTreeIsReadFlatAndWrittenBackNested() throws {
        let spec = try StudySpec(vizier: Self.conditionalSpec(), name: "c", field: "study_spec")
        #expect(spec.searchSpace.parameters == Self.flat)
        #expect(spec.problems().isEmpty)
        // A spec made elsewhere (a spec file, Augur's API) is shown to Vizier's client as the same tree.
        let nested = Vizier_StudySpec(spec)
        #expect(nested.parameters == Self.conditionalSpec().parameters)
    }

    @Test func aChildListedOncePerParentValueIsOneParameter() throws {
        var spec = Self.conditionalSpec()
        // layers' width, written as pyvizier writes `select_values([2, 3])`: once under 2, once under 3.
        var layers = spec.parameters[0].conditionalParameterSpecs[3].parameterSpec
        let width = layers.conditionalParameterSpecs[0].parameterSpec
        layers.conditionalParameterSpecs = [
            .with { $0.parentIntValues = .with { $0.values = [2] }; $0.parameterSpec = width },
            .with { $0.parentIntValues = .with { $0.values = [3] }; $0.parameterSpec = width },
        ]
        spec.parameters[0].conditionalParameterSpecs[3].parameterSpec = layers
        let read = try StudySpec(vizier: spec, name: "c", field: "study_spec")
        #expect(read.searchSpace.parameters == Self.flat)
    }

    @Test(arguments: ["RANDOM_SEARCH", "QUASI_RANDOM_SEARCH", "GAUSSIAN_PROCESS_BANDIT", "TREE_PARZEN_ESTIMATOR", "CMA_ES"])
    func suggestionsCarryOnlyTheParametersThatExist(algorithm: String) async throws {
        try await withVizierServer { vizier, service in
            _ = try await vizier.createStudy(createRequest(study: "cond", spec: Self.conditionalSpec(algorithm: algorithm)))
            let space = try await service.getStudy("cond").spec.searchSpace
            #expect(space.isConditional)
            for round in 0..<6 {
                let operation = try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/cond"; $0.suggestionCount = 2; $0.clientID = "c" })
                let trials = try Vizier_SuggestTrialsResponse(unpackingAny: operation.response).trials
                #expect(trials.count == 2, "round \(round)")
                for trial in trials {
                    let stored = try await service.trial(study: "cond", id: Int(trial.id) ?? 0)
                    #expect(space.isValid(stored.parameters), "\(stored.parameters)")
                    #expect(Set(trial.parameters.map(\.parameterID)) == Set(stored.parameters.keys))
                    _ = try await vizier.completeTrial(.with {
                        $0.name = trial.name
                        $0.finalMeasurement = .with { $0.metrics = [.with { $0.metricID = "loss"; $0.value = Double(round) }] }
                    })
                }
            }
        }
    }

    @Test func aTrialWithAParameterThatDoesNotExistIsRefused() async throws {
        try await withVizierServer { vizier, _ in
            _ = try await vizier.createStudy(createRequest(study: "cond", spec: Self.conditionalSpec()))
            func value(_ x: Double) -> Google_Protobuf_Value { .with { $0.numberValue = x } }
            let code = await statusCode {
                try await vizier.createTrial(.with {
                    $0.parent = "owners/o/studies/cond"
                    $0.trial.parameters = [
                        .with { $0.parameterID = "optimizer"; $0.value = .with { $0.stringValue = "adam" } },
                        .with { $0.parameterID = "lr_adam"; $0.value = value(0.01) },
                        .with { $0.parameterID = "layers"; $0.value = value(1) },
                        .with { $0.parameterID = "lr_sgd"; $0.value = value(0.1) },
                        .with { $0.parameterID = "dropout"; $0.value = value(0.1) },
                    ]
                })
            }
            #expect(code == .invalidArgument)
        }
    }

    @Test func aBadTreeIsInvalidArgumentNamingTheField() async throws {
        var bad = Self.conditionalSpec()
        bad.parameters[0].conditionalParameterSpecs[0].parentCategoricalValues.values = ["rmsprop"]
        let spec = bad
        try await withVizierServer { vizier, _ in
            do {
                _ = try await vizier.createStudy(createRequest(study: "bad", spec: spec))
                Issue.record("a child under a value its parent cannot take was accepted")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("rmsprop"), "\(error.message)")
            }
        }
    }

    /// The stock Python client with a conditional space, on SQLite and PostgreSQL.
    @Test(.enabled(if: pythonWithVizier != nil && augurExecutable != nil,
                   "python3 with google-vizier (make test installs it into .venv) and the built augur"),
          arguments: VizierClientTests.databases, ["GAUSSIAN_PROCESS_BANDIT", "RANDOM_SEARCH"])
    func stockVizierClientRunsAConditionalStudy(database: String, algorithm: String) async throws {
        let python = try #require(pythonWithVizier)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-vizier-cond-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let location: String
        if database == "sqlite" {
            location = directory.appendingPathComponent("db.sqlite").path
        } else {
            let admin = try #require(BadInputTests.postgresURL)
            let schema = "t_vizier_cond_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
            _ = try PostgresConnection(settings: try PostgresConnectionSettings(admin)).run("CREATE SCHEMA \(schema)")
            location = admin + (admin.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }
        let (server, address) = try await startServer(database: location, port: 0, directory: directory, leaseSeconds: 60)
        defer { server.kill(SIGKILL) }
        let script = repositoryRoot.appendingPathComponent("Tests/AugurRPCTests/Vizier/vizier_conditional_loop.py").path
        let run = try await runProgram(python, [script, "--endpoint", address.description, "--algorithm", algorithm,
                                                "--study", "conditional-\(algorithm.lowercased().replacingOccurrences(of: "_", with: "-"))"])
        #expect(run.status == 0 && run.output.contains("ok"), "\(run.output)\n--- augur serve:\n\(server.output.text)")
    }
}
