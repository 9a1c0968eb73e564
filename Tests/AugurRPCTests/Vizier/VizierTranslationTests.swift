import AugurAlgorithms
import AugurCore
import AugurRPC
import AugurService
import AugurStorage
@testable import AugurVizier
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// Runs `body` with Vizier's generated client against a real server serving Augur's and Vizier's APIs.
func withVizierServer<Result: Sendable>(
    store: any StudyStore = InMemoryStudyStore(), token: String? = nil,
    _ body: @Sendable (Vizier_VizierService.Client<HTTP2ClientTransport.Posix>, StudyService) async throws -> Result
) async throws -> Result {
    let service = StudyService(store: store, leaseDuration: 60, retryLimit: 3, isWorkerGone: { _ in false })
    let server = AugurServer(service: service, address: ListenAddress(host: "127.0.0.1", port: 0), token: token,
                             additionalServices: [VizierRPCService(service: service), VizierOperationsService(service: service)])
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        defer { server.beginGracefulShutdown() }
        let address = try await server.listeningAddress()
        let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: address.host, port: address.port), transportSecurity: .plaintext)
        let result = try await withGRPCClient(transport: transport) { client in
            try await body(Vizier_VizierService.Client(wrapping: client), service)
        }
        server.beginGracefulShutdown()
        try await group.waitForAll()
        return result
    }
}

/// A Vizier spec as pyvizier writes one: x in [0, 1], lr on log scale, an integer, a categorical; minimize loss.
func vizierSpec(algorithm: String = "RANDOM_SEARCH", _ change: (inout Vizier_StudySpec) -> Void = { _ in }) -> Vizier_StudySpec {
    var spec = Vizier_StudySpec.with {
        $0.metrics = [.with { $0.metricID = "loss"; $0.goal = .minimize }]
        $0.parameters = [
            .with { $0.parameterID = "x"; $0.doubleValueSpec = .with { $0.minValue = 0; $0.maxValue = 1 } },
            .with { $0.parameterID = "lr"; $0.doubleValueSpec = .with { $0.minValue = 1e-4; $0.maxValue = 0.1 }; $0.scaleType = .unitLogScale },
            .with { $0.parameterID = "layers"; $0.integerValueSpec = .with { $0.minValue = 1; $0.maxValue = 4 } },
            .with { $0.parameterID = "flag"; $0.categoricalValueSpec = .with { $0.values = ["True", "False"] }; $0.externalType = .asBoolean },
        ]
        $0.algorithm = algorithm
    }
    change(&spec)
    return spec
}

func createRequest(owner: String = "o", study: String, spec: Vizier_StudySpec = vizierSpec()) -> Vizier_CreateStudyRequest {
    .with {
        $0.parent = "owners/\(owner)"
        $0.study = .with { $0.displayName = study; $0.studySpec = spec }
    }
}

@Suite struct VizierNamesTests {
    @Test func studyAndTrialNamesParse() throws {
        let study = try VizierNames.parseStudy("owners/team-a/studies/mnist.v2", field: "name")
        #expect(study == VizierNames.StudyName(owner: "team-a", study: "mnist.v2"))
        let trial = try VizierNames.parseTrial("owners/o/studies/s/trials/12", field: "name")
        #expect(trial.study.study == "s" && trial.id == 12 && trial.resource == "owners/o/studies/s/trials/12")
        #expect(try VizierNames.parseOwner("owners/o", field: "parent") == "o")
    }

    @Test(arguments: ["studies/s", "owners//studies/s", "owners/o/studies/", "owners/o/studies/a b", "owners/o/studies/s/trials/x",
                      "owners/o/studies/../trials/1", "owners/o/studies/s/extra", "owners/o/studies/s/trials/0", "owners/o/studies/s/trials/-2"])
    func badNamesAreInvalidArgument(name: String) {
        #expect(throws: ServiceError.self) {
            if name.contains("/trials/") { _ = try VizierNames.parseTrial(name, field: "name") } else { _ = try VizierNames.parseStudy(name, field: "name") }
        }
    }

    @Test func suggestionOperationNamesRoundTrip() throws {
        let operation = VizierNames.SuggestionOperation(study: VizierNames.StudyName(owner: "o", study: "s"), client: "host:1/a%b", trials: [3, 4])
        #expect(try VizierNames.parseSuggestionOperation(operation.resource, field: "name") == operation)
        let empty = VizierNames.SuggestionOperation(study: operation.study, client: "c", trials: [])
        #expect(try VizierNames.parseSuggestionOperation(empty.resource, field: "name") == empty)
        #expect(throws: ServiceError.notFound("name: `owners/o/operations/earlystopping/s/1` names no operation of this server")) {
            try VizierNames.parseSuggestionOperation("owners/o/operations/earlystopping/s/1", field: "name")
        }
    }
}

@Suite struct VizierStateTests {
    static let spec = StudySpec(name: "s", searchSpace: SearchSpace([.double("x", min: 0, max: 1)]),
                                objective: Objective(metric: "loss", goal: .minimize))

    @Test func studyStatesMapToStatesTheClientKnows() {
        let failed = Vizier_Study(Study(spec: Self.spec, state: .failed, stateReason: "5 trials failed"), owner: "o", metadata: StudyMetadata())
        #expect(failed.state == .inactive && failed.inactiveReason == "failed: 5 trials failed")
        #expect(Vizier_Study(Study(spec: Self.spec, state: .stopped), owner: "o", metadata: StudyMetadata()).state == .inactive)
        #expect(Vizier_Study(Study(spec: Self.spec, state: .completed), owner: "o", metadata: StudyMetadata()).state == .completed)
        #expect(Vizier_Study(Study(spec: Self.spec), owner: "o", metadata: StudyMetadata()).name == "owners/o/studies/s")
    }

    @Test func trialStatesMapToStatesTheClientKnows() {
        let name = VizierNames.StudyName(owner: "o", study: "s")
        func vizier(_ state: TrialState, final: TrialMeasurement? = nil, reason: String? = nil) -> Vizier_Trial {
            Vizier_Trial(Trial(id: 1, study: "s", parameters: ["x": .double(0.5)], state: state, finalMeasurement: final, statusReason: reason),
                         study: name, space: Self.spec.searchSpace, metadata: [])
        }
        let failed = vizier(.failed, reason: "exit status 1")
        #expect(failed.state == .infeasible && failed.infeasibleReason == "failed: exit status 1")
        #expect(vizier(.stopped).state == .stopping)
        #expect(vizier(.stopped, final: TrialMeasurement(metrics: ["loss": 1])).state == .succeeded)
        #expect(vizier(.completed, final: TrialMeasurement(metrics: ["loss": 1])).state == .succeeded)
        #expect(vizier(.requested).state == .requested && vizier(.active).state == .active)
        #expect(vizier(.active).name == "owners/o/studies/s/trials/1" && vizier(.active).parameters.first?.value.numberValue == 0.5)
    }
}

@Suite struct VizierServiceTests {
    @Test func createIsCreateOrLoadAndKeepsTheSpecAsSent() async throws {
        try await withVizierServer { vizier, service in
            let created = try await vizier.createStudy(createRequest(study: "s"))
            let again = try await vizier.createStudy(createRequest(study: "s"))
            #expect(created.name == "owners/o/studies/s" && again.name == created.name)
            #expect(created.studySpec.parameters[3].externalType == .asBoolean, "the spec as sent comes back")
            #expect(try await service.getStudy("s").spec.budget.parallelTrials == Int(Int32.max))
            _ = try await vizier.createStudy(createRequest(study: "s2"))
            let seeds = [try await service.getStudy("s").spec.seed, try await service.getStudy("s2").spec.seed]
            #expect(seeds[0] != seeds[1], "each study draws its own seed from its id")
            #expect(seeds[0] == StudySpec.vizierSeed(forStudy: "s"), "the same id, the same seed (replicas, restarts)")
            let taken = await statusCode { try await vizier.createStudy(createRequest(owner: "other", study: "s")) }
            #expect(taken == .alreadyExists)
            let elsewhere = await statusCode { try await vizier.getStudy(.with { $0.name = "owners/other/studies/s" }) }
            #expect(elsewhere == .notFound)
            let listed = try await vizier.listStudies(.with { $0.parent = "owners/o" })
            #expect(listed.studies.map(\.name) == ["owners/o/studies/s", "owners/o/studies/s2"])
            #expect(try await vizier.listStudies(.with { $0.parent = "owners/other" }).studies.isEmpty)
        }
    }

    /// Each unsupported feature, by the words its refusal uses.
    static func unsupported(_ reason: String) -> Vizier_StudySpec {
        vizierSpec { spec in
            switch reason {
            case "only safety metrics": spec.metrics[0].safetyConfig = .with { $0.safetyThreshold = 1 }
            case "conditional parameters": spec.parameters[3].conditionalParameterSpecs = [.with { $0.parameterSpec = spec.parameters[0] }]
            case "is not one Augur runs": spec.algorithm = "NSGA2"
            case "cannot hand a trial's checkpoint over": spec.algorithm = "POPULATION_BASED_TRAINING"
            default: spec.metrics[0].goal = .unspecified
            }
        }
    }

    @Test(arguments: ["only safety metrics", "conditional parameters", "is not one Augur runs",
                      "cannot hand a trial's checkpoint over", "goal"])
    func unsupportedSpecsAreInvalidArgumentSayingWhat(reason: String) async throws {
        try await withVizierServer { vizier, service in
            do {
                _ = try await vizier.createStudy(createRequest(study: "bad", spec: Self.unsupported(reason)))
                Issue.record("created a study with \(reason)")
            } catch let error as RPCError {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(reason), "\(error.message)")
            }
            #expect(try await service.listStudies().isEmpty)
        }
    }

    @Test(arguments: [("CMA_ES", "cmaes"), ("TREE_PARZEN_ESTIMATOR", "tpe"), ("MULTIVARIATE_TREE_PARZEN_ESTIMATOR", "multivariate-tpe"),
                      ("DEFAULT", "gp"), ("", "gp"), ("QUASI_RANDOM_SEARCH", "quasirandom")])
    func vizierAlgorithmNamesPickAugursDesigners(vizierName: String, augurName: String) async throws {
        try await withVizierServer { vizier, service in
            let created = try await vizier.createStudy(createRequest(study: "a", spec: vizierSpec(algorithm: vizierName)))
            #expect(created.studySpec.algorithm == vizierName, "the spec comes back as sent")
            #expect(try await service.getStudy("a").spec.algorithm.name == augurName)
            let operation = try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/a"; $0.suggestionCount = 3; $0.clientID = "c" })
            #expect(try Vizier_SuggestTrialsResponse(unpackingAny: operation.response).trials.count == 3)
        }
    }

    @Test func reverseLogScaleIsServed() async throws {
        try await withVizierServer { vizier, service in
            let spec = vizierSpec { $0.parameters[1].scaleType = .unitReverseLogScale }
            let created = try await vizier.createStudy(createRequest(study: "rl", spec: spec))
            #expect(created.studySpec.parameters[1].scaleType == .unitReverseLogScale)
            #expect(try await service.getStudy("rl").spec.searchSpace["lr"]?.scale == .reverseLog)
        }
    }

    @Test func suggestionsAreFinishedOperationsThatGetOperationAnswersAgain() async throws {
        try await withVizierServer { vizier, _ in
            _ = try await vizier.createStudy(createRequest(study: "s"))
            let operation = try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/s"; $0.suggestionCount = 2; $0.clientID = "c/1" })
            #expect(operation.done)
            let response = try Vizier_SuggestTrialsResponse(unpackingAny: operation.response)
            #expect(response.trials.count == 2 && response.trials.allSatisfy { $0.clientID == "c/1" && $0.state == .active })
            #expect(response.studyState == .active)
            let again = try await vizier.getOperation(.with { $0.name = operation.name })
            #expect(try Vizier_SuggestTrialsResponse(unpackingAny: again.response).trials.map(\.id) == response.trials.map(\.id))
            let badCount = await statusCode { try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/s"; $0.clientID = "c" }) }
            #expect(badCount == .invalidArgument)
            let missing = await statusCode { try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/nope"; $0.suggestionCount = 1; $0.clientID = "c" }) }
            #expect(missing == .notFound)
        }
    }

    @Test func trialsAddMeasurementsCompleteStopAndKeepMetadata() async throws {
        try await withVizierServer { vizier, service in
            _ = try await vizier.createStudy(createRequest(study: "s"))
            let operation = try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/s"; $0.suggestionCount = 2; $0.clientID = "c" })
            let trials = try Vizier_SuggestTrialsResponse(unpackingAny: operation.response).trials
            let measured = try await vizier.addTrialMeasurement(.with {
                $0.trialName = trials[0].name
                $0.measurement = .with { $0.stepCount = 1; $0.metrics = [.with { $0.metricID = "loss"; $0.value = 0.5 }] }
            })
            #expect(measured.measurements.count == 1)
            let stopped = try await vizier.stopTrial(.with { $0.name = trials[0].name })
            #expect(stopped.state == .succeeded && stopped.finalMeasurement.metrics.first?.value == 0.5)
            let completed = try await vizier.completeTrial(.with {
                $0.name = trials[0].name
                $0.finalMeasurement = .with { $0.metrics = [.with { $0.metricID = "loss"; $0.value = 0.25 }] }
            })
            #expect(completed.state == .succeeded && completed.finalMeasurement.metrics.first?.value == 0.25, "completed after a stop")
            let infeasible = try await vizier.completeTrial(.with { $0.name = trials[1].name; $0.trialInfeasible = true; $0.infeasibleReason = "nan" })
            #expect(infeasible.state == .infeasible && infeasible.infeasibleReason == "nan")

            _ = try await vizier.updateMetadata(.with {
                $0.name = "owners/o/studies/s"
                $0.delta = [
                    .with { $0.metadatum = .with { $0.key = "k"; $0.value = "study" } },
                    .with { $0.trialID = trials[0].id; $0.metadatum = .with { $0.ns = ":ns"; $0.key = "k"; $0.proto = .with { $0.typeURL = "t"; $0.value = Data([1, 2]) } } },
                ]
            })
            let study = try await vizier.getStudy(.with { $0.name = "owners/o/studies/s" })
            #expect(study.studySpec.metadata.map(\.key) == ["k"] && study.studySpec.metadata.first?.value == "study")
            let trial = try await vizier.getTrial(.with { $0.name = trials[0].name })
            #expect(trial.metadata.first?.ns == ":ns" && trial.metadata.first?.proto.value == Data([1, 2]))
            let reserved = await statusCode {
                try await vizier.updateMetadata(.with {
                    $0.name = "owners/o/studies/s"
                    $0.delta = [.with { $0.metadatum = .with { $0.ns = "augur.vizier"; $0.key = "owner"; $0.value = "me" } }]
                })
            }
            #expect(reserved == .invalidArgument)
            let unknownTrial = await statusCode {
                try await vizier.updateMetadata(.with { $0.name = "owners/o/studies/s"; $0.delta = [.with { $0.trialID = "99"; $0.metadatum.key = "k" }] })
            }
            #expect(unknownTrial == .notFound)
            let missing = await statusCode { try await vizier.getTrial(.with { $0.name = "owners/o/studies/s/trials/99" }) }
            #expect(missing == .notFound)
            let optimal = try await vizier.listOptimalTrials(.with { $0.parent = "owners/o/studies/s" })
            #expect(optimal.optimalTrials.map(\.id) == [trials[0].id])
            _ = try await vizier.deleteTrial(.with { $0.name = trials[0].name })
            #expect(try await service.trialCounts(study: "s").total == 1)
            let gone = await statusCode { try await vizier.getTrial(.with { $0.name = trials[0].name }) }
            #expect(gone == .notFound)
            let again = await statusCode { try await vizier.deleteTrial(.with { $0.name = trials[0].name }) }
            #expect(again == .notFound)
        }
    }

    /// Several MetricSpecs are several objectives; a safety metric is an outcome constraint; ListOptimalTrials
    /// answers the Pareto front of the safe trials.
    @Test func severalObjectivesAndSafetyMetricsGiveTheParetoFront() async throws {
        try await withVizierServer { vizier, service in
            let spec = vizierSpec { spec in
                spec.metrics.append(.with { $0.metricID = "latency"; $0.goal = .minimize })
                spec.metrics.append(.with { $0.metricID = "memory"; $0.goal = .minimize; $0.safetyConfig = .with { $0.safetyThreshold = 2 } })
            }
            _ = try await vizier.createStudy(createRequest(study: "mo", spec: spec))
            let objective = try await service.getStudy("mo").spec.objective
            #expect(objective.objectives.map(\.name) == ["loss", "latency"])
            #expect(objective.constraints == [MetricConstraint(name: "memory", constraint: OutcomeConstraint(.atMost, 2))])

            let operation = try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/mo"; $0.suggestionCount = 4; $0.clientID = "c" })
            let trials = try Vizier_SuggestTrialsResponse(unpackingAny: operation.response).trials
            #expect(trials.count == 4)
            let results: [(Double, Double, Double)] = [(0.1, 9, 1), (0.3, 2, 2), (0.05, 1, 3), (0.2, 10, 1)]
            for (trial, result) in zip(trials, results) {
                _ = try await vizier.completeTrial(.with {
                    $0.name = trial.name
                    $0.finalMeasurement = .with {
                        $0.metrics = [.with { $0.metricID = "loss"; $0.value = result.0 }, .with { $0.metricID = "latency"; $0.value = result.1 },
                                      .with { $0.metricID = "memory"; $0.value = result.2 }]
                    }
                })
            }
            // Trial 3 beats every other in both objectives but uses too much memory; trial 4 is dominated by trial 1.
            let optimal = try await vizier.listOptimalTrials(.with { $0.parent = "owners/o/studies/mo" })
            #expect(optimal.optimalTrials.map(\.id) == [trials[0].id, trials[1].id])
            let study = try await vizier.getStudy(.with { $0.name = "owners/o/studies/mo" })
            #expect(study.studySpec.metrics.count == 3 && study.studySpec.metrics[2].safetyConfig.safetyThreshold == 2,
                    "the spec comes back as sent")

            let more = try await vizier.suggestTrials(.with { $0.parent = "owners/o/studies/mo"; $0.suggestionCount = 1; $0.clientID = "c" })
            let next = try Vizier_SuggestTrialsResponse(unpackingAny: more.response).trials[0]
            let incomplete = await statusCode {
                try await vizier.completeTrial(.with {
                    $0.name = next.name
                    $0.finalMeasurement = .with { $0.metrics = [.with { $0.metricID = "loss"; $0.value = 0.1 }] }
                })
            }
            #expect(incomplete == .invalidArgument, "every objective must be reported")
        }
    }

    @Test func aStudyCreatedThroughAugursAPIIsVisibleToEveryOwner() async throws {
        try await withVizierServer { vizier, service in
            _ = try await service.createStudy(.rpcStudy(name: "augur-made"))
            let study = try await vizier.getStudy(.with { $0.name = "owners/anyone/studies/augur-made" })
            #expect(study.studySpec.algorithm == "RANDOM_SEARCH")
            #expect(study.studySpec.parameters.map(\.parameterID) == ["lr", "layers", "optimizer"])
            #expect(study.studySpec.parameters[0].scaleType == .unitLogScale)
            let added = try await vizier.createTrial(.with {
                $0.parent = "owners/anyone/studies/augur-made"
                $0.trial = .with {
                    $0.parameters = [
                        .with { $0.parameterID = "lr"; $0.value = .init(numberValue: 0.01) },
                        .with { $0.parameterID = "layers"; $0.value = .init(numberValue: 2) },
                        .with { $0.parameterID = "optimizer"; $0.value = .init(stringValue: "adam") },
                    ]
                    $0.finalMeasurement = .with { $0.metrics = [.with { $0.metricID = "loss"; $0.value = 0.3 }] }
                }
            })
            #expect(added.state == .succeeded)
            #expect(try await service.trial(study: "augur-made", id: 1).parameters["layers"] == .integer(2))
            let inactive = try await vizier.setStudyState(.with { $0.parent = "owners/anyone/studies/augur-made"; $0.state = .inactive })
            #expect(inactive.state == .inactive)
            #expect(try await service.getStudy("augur-made").state == .stopped)
            let none = try await vizier.suggestTrials(.with { $0.parent = "owners/anyone/studies/augur-made"; $0.suggestionCount = 1; $0.clientID = "c" })
            #expect(try Vizier_SuggestTrialsResponse(unpackingAny: none.response).trials.isEmpty)
        }
    }

    @Test func theTokenGuardsVizierOnTheMainPort() async throws {
        try await withVizierServer(token: "secret") { vizier, _ in
            let refused = await statusCode { try await vizier.listStudies(.with { $0.parent = "owners/o" }) }
            #expect(refused == .unauthenticated)
        }
    }
}
