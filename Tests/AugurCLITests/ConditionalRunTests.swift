import AugurCore
@testable import AugurStorage
import Foundation
import Testing

/// `augur run` of a spec file with conditional parameters, on SQLite and on PostgreSQL: every trial carries exactly
/// its active parameters, its command gets an empty value for a reference to an inactive one (and no
/// `AUGUR_PARAM_` variable), and `augur trials` and `augur show` print the missing values and the conditions.
@Suite struct ConditionalRunTests {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["AUGUR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let databases = ["sqlite"] + (postgresURL == nil ? [] : ["postgres"])

    static let spec = """
        name: conditional-run
        objective: {metric: loss, goal: minimize}
        parameters:
          - {name: optimizer, type: categorical, values: [sgd, adam]}
          - {name: lr_sgd, type: discrete, values: [0.1, 0.01], when: {optimizer: [sgd]}}
          - {name: momentum, type: categorical, values: [none, heavy], when: {optimizer: [sgd]}}
          - {name: beta, type: double, min: 0.5, max: 0.9, step: 0.4, when: {momentum: [heavy]}}
          - {name: lr_adam, type: discrete, values: [0.001], when: {optimizer: [adam]}}
        algorithm: grid
        budget: {maxTrials: 20, parallelTrials: 2}
        trial:
          command:
            - sh
            - -c
            - 'echo "args sgd=[${parameters.lr_sgd}] beta=[${parameters.beta}] adam=[${parameters.lr_adam}] env=[$AUGUR_PARAM_BETA]"; echo loss=1'
        """

    @Test(arguments: databases)
    func aConditionalGridRunsEveryActiveAssignmentOnce(database: String) async throws {
        let directory = try makeTemporaryDirectory()
        let path = directory + "/conditional.yaml"
        try Self.spec.write(toFile: path, atomically: true, encoding: .utf8)
        let location: String
        if database == "sqlite" {
            location = "db.sqlite"
        } else {
            let admin = try #require(Self.postgresURL)
            let schema = "t_cond_run_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
            _ = try PostgresConnection(settings: try PostgresConnectionSettings(admin)).run("CREATE SCHEMA \(schema)")
            location = admin + (admin.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }

        let validate = try await AugurProcess.run(["validate", path], in: directory)
        #expect(validate.status == 0, "\(validate.standardError)")
        let run = try await AugurProcess.run(["run", path, "--database", location], in: directory)
        #expect(run.status == 0, "\(run.standardError)")
        // sgd: 2 rates · (none + heavy · 2 betas) = 6; adam: 1.
        #expect(run.standardOutput.contains("COMPLETED"), "\(run.standardOutput)")

        let json = try await AugurProcess.run(["trials", "conditional-run", "--database", location, "--format", "json"], in: directory)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        #expect(records.count == 7)
        var assignments: Set<[String: String]> = []
        for record in records {
            let parameters = try #require(record["parameters"] as? [String: Any])
            let optimizer = try #require(parameters["optimizer"] as? String)
            var expected: Set<String> = ["optimizer"]
            if optimizer == "sgd" {
                expected.formUnion(["lr_sgd", "momentum"])
                if parameters["momentum"] as? String == "heavy" { expected.insert("beta") }
            } else {
                expected.insert("lr_adam")
            }
            #expect(Set(parameters.keys) == expected, "\(parameters)")
            assignments.insert(parameters.mapValues { "\($0)" })
            // The command got the empty string for each inactive reference, and no variable for it.
            let id = try #require(record["id"] as? Int)
            let log = try String(contentsOfFile: directory + "/conditional-run/trials/\(id)/output.log", encoding: .utf8)
            if optimizer == "adam" {
                #expect(log.contains("sgd=[] beta=[] adam=[0.001] env=[]"), "\(log)")
            } else if parameters["beta"] == nil {
                #expect(log.contains("beta=[] adam=[] env=[]"), "\(log)")
            }
        }
        #expect(assignments.count == 7, "no active assignment twice")

        let csv = try await AugurProcess.run(["trials", "conditional-run", "--database", location, "--format", "csv"], in: directory)
        #expect(csv.status == 0)
        let show = try await AugurProcess.run(["show", "conditional-run", "--database", location], in: directory)
        #expect(show.standardOutput.contains("beta: double in [0.5, 0.9], step 0.4; only when momentum is heavy"), "\(show.standardOutput)")
    }
}
