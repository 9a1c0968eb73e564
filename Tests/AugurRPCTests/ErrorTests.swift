import AugurCore
import AugurRPC
import AugurService
import AugurStorage
import AugurTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@Suite struct ErrorTests {
    @Test func badRequestsGetInvalidArgument() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                _ = try await stub.createStudy(.with {
                    $0.study.displayName = "s"
                    $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "s"))
                })
                let longName = String(repeating: "n", count: 129)
                let requests: [(String, @Sendable () async throws -> Any)] = [
                    ("bad study name", { try await stub.getStudy(.with { $0.name = "projects/s" }) }),
                    ("long study name", { try await stub.getStudy(.with { $0.name = "studies/\(longName)" }) }),
                    ("study name with a slash", { try await stub.getStudy(.with { $0.name = "studies/a/b" }) }),
                    ("zero suggestions", { try await stub.suggestTrials(.with { $0.parent = "studies/s"; $0.suggestionCount = 0; $0.clientID = "c" }) }),
                    ("too many suggestions", { try await stub.suggestTrials(.with { $0.parent = "studies/s"; $0.suggestionCount = 101; $0.clientID = "c" }) }),
                    ("no client id", { try await stub.suggestTrials(.with { $0.parent = "studies/s"; $0.suggestionCount = 1 }) }),
                    ("long client id", { try await stub.suggestTrials(.with { $0.parent = "studies/s"; $0.suggestionCount = 1; $0.clientID = longName }) }),
                    ("trial id not a number", { try await stub.getTrial(.with { $0.name = "studies/s/trials/one" }) }),
                    ("negative trial id", { try await stub.getTrial(.with { $0.name = "studies/s/trials/-1" }) }),
                    ("measurement missing", { try await stub.addTrialMeasurement(.with { $0.trialName = "studies/s/trials/1" }) }),
                    ("NaN metric", { try await stub.addTrialMeasurement(.with {
                        $0.trialName = "studies/s/trials/1"
                        $0.measurement.metrics = [.with { $0.metricID = "loss"; $0.value = .nan }]
                    }) }),
                    ("duplicate metric", { try await stub.addTrialMeasurement(.with {
                        $0.trialName = "studies/s/trials/1"
                        $0.measurement.metrics = [.with { $0.metricID = "loss" }, .with { $0.metricID = "loss" }]
                    }) }),
                    ("bad page token", { try await stub.listTrials(.with { $0.parent = "studies/s"; $0.pageToken = "x" }) }),
                    ("negative page size", { try await stub.listTrials(.with { $0.parent = "studies/s"; $0.pageSize = -1 }) }),
                    ("study without spec", { try await stub.createStudy(.with { $0.study.displayName = "t" }) }),
                    ("no study", { try await stub.createStudy(Augur_V1_CreateStudyRequest()) }),
                    ("unknown algorithm", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.algorithm = "NSGA2"
                    }) }),
                    ("objective without goal", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.metrics[0].goal = .unspecified
                    }) }),
                    ("min above max", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.parameters[1].integerValueSpec.minValue = 9
                    }) }),
                    ("log scale at zero", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.parameters[0].doubleValueSpec.minValue = 0
                    }) }),
                    ("grid without steps", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.algorithm = "GRID_SEARCH"
                    }) }),
                    ("no parameters", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.parameters = []
                    }) }),
                    ("zero budget", { try await stub.createStudy(.with {
                        $0.study.displayName = "t"
                        $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "t"))
                        $0.study.studySpec.budget.maxTrialCount = 0
                    }) }),
                    ("release of too many", { try await stub.releaseTrials(.with {
                        $0.parent = "studies/s"
                        $0.clientID = "c"
                        $0.trialIds = Array(1...1001)
                    }) }),
                ]
                for (what, request) in requests {
                    let code = await statusCode { try await request() }
                    #expect(code == .invalidArgument, "\(what): \(String(describing: code))")
                }
            }
        }
    }

    @Test func unknownStudiesAndTrialsGetNotFound() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                _ = try await stub.createStudy(.with {
                    $0.study.displayName = "s"
                    $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "s"))
                })
                let requests: [(String, @Sendable () async throws -> Any)] = [
                    ("get study", { try await stub.getStudy(.with { $0.name = "studies/missing" }) }),
                    ("delete study", { try await stub.deleteStudy(.with { $0.name = "studies/missing" }) }),
                    ("suggest", { try await stub.suggestTrials(.with { $0.parent = "studies/missing"; $0.suggestionCount = 1; $0.clientID = "c" }) }),
                    ("get trial", { try await stub.getTrial(.with { $0.name = "studies/s/trials/99" }) }),
                    ("complete trial", { try await stub.completeTrial(.with { $0.name = "studies/s/trials/99" }) }),
                    ("list trials", { try await stub.listTrials(.with { $0.parent = "studies/missing" }) }),
                    ("optimal trials", { try await stub.listOptimalTrials(.with { $0.parent = "studies/missing" }) }),
                    ("early stopping", { try await stub.checkTrialEarlyStoppingState(.with { $0.trialName = "studies/s/trials/99" }) }),
                ]
                for (what, request) in requests {
                    let code = await statusCode { try await request() }
                    #expect(code == .notFound, "\(what): \(String(describing: code))")
                }
            }
        }
    }

    @Test func stateConflictsGetFailedPreconditionAndTakenNamesAlreadyExists() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                let create = Augur_V1_CreateStudyRequest.with {
                    $0.study.displayName = "s"
                    $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "s"))
                }
                _ = try await stub.createStudy(create)
                #expect(await statusCode { try await stub.createStudy(create) } == .alreadyExists)

                let trial = try #require(try await stub.suggestTrials(.with {
                    $0.parent = "studies/s"; $0.suggestionCount = 1; $0.clientID = "owner"
                }).trials.first)
                #expect(await statusCode { try await stub.completeTrial(.with { $0.name = trial.name }) } == .invalidArgument,
                        "completing without ever reporting the objective")
                _ = try await stub.completeTrial(.with {
                    $0.name = trial.name
                    $0.finalMeasurement.metrics = [.with { $0.metricID = "loss"; $0.value = 1 }]
                })
                let late = Augur_V1_AddTrialMeasurementRequest.with {
                    $0.trialName = trial.name
                    $0.measurement.metrics = [.with { $0.metricID = "loss"; $0.value = 1 }]
                }
                #expect(await statusCode { try await stub.addTrialMeasurement(late) } == .failedPrecondition)
                #expect(await statusCode { try await stub.heartbeat(.with { $0.trialName = trial.name; $0.clientID = "owner" }) } == .failedPrecondition)
            }
        }
    }

    @Test func errorsReachTheDomainClientAsServiceErrors() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                let missing = await #expect(throws: ServiceError.self) { try await client.getStudy("missing") }
                guard let missing, missing.kind == .notFound else {
                    Issue.record("expected notFound, got \(String(describing: missing))")
                    return
                }
                #expect(missing.message.contains("missing"))
                let badCount = await #expect(throws: ServiceError.self) {
                    _ = try await client.createStudy(.rpcStudy())
                    return try await client.suggestTrials(study: "rpc", client: "c", count: 500)
                }
                guard badCount?.kind == .invalidArgument else {
                    Issue.record("expected invalidArgument, got \(String(describing: badCount))")
                    return
                }
            }
        }
    }

    /// The expected creation id travels with a suggestion: the server refuses a study created again under the name
    /// with FAILED_PRECONDITION and leases nothing in it.
    @Test func aSuggestionForAReplacedStudyIsRefused() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withClient(address) { client in
                let first = try await client.createStudy(.rpcStudy())
                try await client.deleteStudy("rpc")
                _ = try await client.createStudy(.rpcStudy())
                let refusal = await #expect(throws: ServiceError.self) {
                    try await client.suggest(study: "rpc", client: "c", count: 1, expectedUID: first.version.uid)
                }
                #expect(refusal?.kind == .failedPrecondition)
                #expect(refusal?.message.contains("it was deleted and created again, so no trials were suggested") == true)
                #expect(try await client.trials(study: "rpc").isEmpty)
            }
        }
    }

    @Test func oversizedMessagesAreRefused() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                let huge = Augur_V1_CreateStudyRequest.with {
                    $0.study.displayName = "big"
                    $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: "big"))
                    $0.study.studySpec.trialTemplate.command.argv = [String(repeating: "x", count: 5 * 1024 * 1024)]
                }
                let code = await statusCode { try await stub.createStudy(huge) }
                #expect(code == .resourceExhausted || code == .internalError || code == .unavailable, "\(String(describing: code))")
                #expect(code != nil)
                // The server is still there.
                #expect(await statusCode { try await stub.listStudies(Augur_V1_ListStudiesRequest()) } == nil)
            }
        }
    }
}
