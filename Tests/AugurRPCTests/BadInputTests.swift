import AugurCore
import AugurRPC
import AugurService
@testable import AugurStorage
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// Input that once reached INTERNAL or CANCELLED: NUL bytes where a store keeps text, a trial id no store can hold,
/// messages over the size limit, many calls on one connection. Each goes through the real gRPC server.
@Suite struct BadInputTests {
    /// Every kind of store: the checks happen before the store, so each must answer alike. PostgreSQL is in the list
    /// when `AUGUR_TEST_POSTGRES_URL` names a server (`scripts/with-postgres.sh` sets it).
    static let storeKinds = ["memory", "sqlite"] + (postgresURL == nil ? [] : ["postgres"])

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func makeStore(_ kind: String) throws -> any StudyStore {
        switch kind {
        case "memory":
            return InMemoryStudyStore()
        case "sqlite":
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-bad-input-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try SQLiteStudyStore(path: directory.appendingPathComponent("db.sqlite").path)
        default:
            let admin = try #require(postgresURL)
            let schema = "t_badinput_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
            let connection = try PostgresConnection(settings: try PostgresConnectionSettings(admin))
            _ = try connection.run("CREATE SCHEMA \(schema)")
            return try PostgresStudyStore(url: admin + (admin.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)")
        }
    }

    static func createRequest(_ name: String, _ change: (inout Augur_V1_StudySpec) -> Void = { _ in }) -> Augur_V1_CreateStudyRequest {
        .with {
            $0.study.displayName = name
            $0.study.studySpec = Augur_V1_StudySpec(.rpcStudy(name: name))
            change(&$0.study.studySpec)
        }
    }

    @Test(arguments: storeKinds)
    func nulBytesAreInvalidArgumentOnEveryStore(kind: String) async throws {
        let store = try Self.makeStore(kind)
        try await withTestServer(store: store) { address, _ in
            try await withRawStub(address) { stub, _ in
                let categorical = await statusCode {
                    try await stub.createStudy(Self.createRequest("nul-value") { $0.parameters[2].categoricalValueSpec.values = ["ad\0am", "sgd"] })
                }
                #expect(categorical == .invalidArgument)
                let argument = await statusCode {
                    try await stub.createStudy(Self.createRequest("nul-argument") { $0.trialTemplate.command.argv = ["/bin/echo", "a\0b"] })
                }
                #expect(argument == .invalidArgument)
                let metricName = await statusCode {
                    try await stub.createStudy(Self.createRequest("nul-metric") { $0.metrics[1].metricID = "acc\0uracy" })
                }
                #expect(metricName == .invalidArgument)

                _ = try await stub.createStudy(Self.createRequest("s"))
                let trial = try #require(try await stub.suggestTrials(.with {
                    $0.parent = "studies/s"; $0.suggestionCount = 1; $0.clientID = "c"
                }).trials.first)
                let measurement = await statusCode {
                    try await stub.addTrialMeasurement(.with {
                        $0.trialName = trial.name
                        $0.measurement.metrics = [.with { $0.metricID = "lo\0ss"; $0.value = 1 }]
                    })
                }
                #expect(measurement == .invalidArgument)
                let final = await statusCode {
                    try await stub.completeTrial(.with {
                        $0.name = trial.name
                        $0.finalMeasurement.metrics = [.with { $0.metricID = "loss"; $0.value = 1 }, .with { $0.metricID = "x\0"; $0.value = 2 }]
                    })
                }
                #expect(final == .invalidArgument)
                // The trial is untouched by the refused calls and can still complete.
                _ = try await stub.completeTrial(.with {
                    $0.name = trial.name
                    $0.finalMeasurement.metrics = [.with { $0.metricID = "loss"; $0.value = 1 }]
                })
            }
        }
    }

    @Test(arguments: storeKinds)
    func aTrialIdNoStoreCanHoldIsNotFound(kind: String) async throws {
        let store = try Self.makeStore(kind)
        try await withTestServer(store: store) { address, _ in
            try await withRawStub(address) { stub, _ in
                _ = try await stub.createStudy(Self.createRequest("s"))
                for id in ["9223372036854775807", "2147483648"] {
                    let name = "studies/s/trials/\(id)"
                    #expect(await statusCode { try await stub.getTrial(.with { $0.name = name }) } == .notFound, "\(id)")
                    let measurement = await statusCode {
                        try await stub.addTrialMeasurement(.with {
                            $0.trialName = name
                            $0.measurement.metrics = [.with { $0.metricID = "loss"; $0.value = 1 }]
                        })
                    }
                    #expect(measurement == .notFound, "\(id)")
                    #expect(await statusCode { try await stub.completeTrial(.with { $0.name = name }) } == .notFound, "\(id)")
                    #expect(await statusCode { try await stub.checkTrialEarlyStoppingState(.with { $0.trialName = name }) } == .notFound)
                }
                let overflow = await statusCode { try await stub.getTrial(.with { $0.name = "studies/s/trials/9223372036854775808" }) }
                #expect(overflow == .invalidArgument)
            }
        }
    }

    @Test(arguments: [4_500_000, 10_000_000])
    func anOversizedMessageIsResourceExhaustedWithTheLimit(bytes: Int) async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                let padding = String(repeating: "x", count: bytes)
                do {
                    _ = try await stub.createStudy(Self.createRequest("big") { $0.parameters[2].categoricalValueSpec.values = ["adam", padding] })
                    Issue.record("a \(bytes)-byte request was accepted")
                } catch let error as RPCError {
                    #expect(error.code == .resourceExhausted, "\(error)")
                    #expect(error.message.contains("\(RequestLimits.maximumMessageBytes) bytes"), "\(error.message)")
                }
                // The connection is still good for the next call.
                _ = try await stub.createStudy(Self.createRequest("small"))
            }
        }
    }

    @Test func oneHundredFiftyConcurrentCallsOnOneConnectionAllSucceed() async throws {
        try await withTestServer(store: InMemoryStudyStore()) { address, _ in
            try await withRawStub(address) { stub, _ in
                _ = try await stub.createStudy(Self.createRequest("s"))
                let failures = await withTaskGroup(of: RPCError.Code?.self) { group in
                    for _ in 0..<150 {
                        group.addTask { await statusCode { try await stub.getStudy(.with { $0.name = "studies/s" }) } }
                    }
                    var codes: [RPCError.Code] = []
                    for await code in group { if let code { codes.append(code) } }
                    return codes
                }
                #expect(failures.isEmpty, "\(failures.count) of 150 calls failed: \(failures.prefix(5))")
            }
        }
    }
}
