import AugurCore
import Foundation
import Testing

@testable import AugurStorage

/// What only the SQLite store promises: a shared file, its schema and its SQL-facing tables and views.
@Suite("SQLiteStudyStore")
struct SQLiteStudyStoreTests {
    @Test func storesOnOneFileAssignConcurrentlyWithoutDuplicates() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "shared.sqlite")
        let stores = [try SQLiteStudyStore(path: path), try SQLiteStudyStore(path: path)]
        _ = try await stores[0].createStudy(testSpec())
        let budget = 30
        let assigned = try await withThrowingTaskGroup(of: [Trial].self) { group in
            for task in 0..<48 {
                let store = stores[task % 2]
                group.addTask {
                    try await store.assignTrials(study: "study", worker: "w\(task)", leaseExpiresAt: nil, history: .parameters) { snapshot in
                        // The history must agree with the counts, or another connection's write slipped in.
                        guard snapshot.history.count == snapshot.counts.total, snapshot.counts.total < budget else { return AssignmentPlan() }
                        return AssignmentPlan(create: [testPoint(snapshot.counts.total)])
                    }
                }
            }
            var all: [Trial] = []
            for try await trials in group { all += trials }
            return all
        }
        #expect(assigned.count == budget)
        #expect(Set(assigned.map(\.id)) == Set(1...budget))
        #expect(Set(assigned.map(\.parameters)).count == budget)
        #expect(try await stores[1].trialCounts(study: "study").active == budget)
    }

    @Test func reopeningAFileKeepsEverything() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        do {
            let store = try SQLiteStudyStore(path: path)
            _ = try await store.createStudy(testSpec())
            try await store.createTrials(2, in: "study")
            try await store.complete(1, in: "study", loss: 0.5)
        }
        let reopened = try SQLiteStudyStore(path: path)
        #expect(try await reopened.trialCounts(study: "study").completed == 1)
        #expect(try await reopened.trial(study: "study", id: 1)?.finalValue(of: "loss") == 0.5)
        let connection = try SQLiteConnection(path: path)
        #expect(try SQLiteMigrations.currentVersion(connection) == SQLiteStudyStore.schemaVersion)
    }

    @Test func refusesADatabaseFromANewerAugur() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        _ = try SQLiteStudyStore(path: path)
        try SQLiteConnection(path: path).run("UPDATE augur_schema SET version = 99")
        #expect(throws: StoreError.schemaTooNew(found: 99, supported: SQLiteStudyStore.schemaVersion)) {
            _ = try SQLiteStudyStore(path: path)
        }
    }

    /// A file written by the first schema (a `trial_parameters` table) is upgraded in place: the view reads the
    /// parameters of the trials already there.
    @Test func upgradesAFileOfTheFirstSchema() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        let old = try SQLiteConnection(path: path)
        for statement in SQLiteMigrations.all[0] { try old.execute(statement) }
        try old.execute("CREATE TABLE augur_schema (version INTEGER NOT NULL)")
        _ = try old.run("INSERT INTO augur_schema (version) VALUES (1)")
        _ = try old.run(
            "INSERT INTO studies (name, spec, state, objective_metric, goal, created_at, updated_at) VALUES (?, ?, 'ACTIVE', 'loss', 'minimize', 0, 0)",
            [.text("study"), .text(try StoreCoding.encodeSpec(testSpec()))])
        _ = try old.run(
            "INSERT INTO trials (study_id, trial_id, parameters, state, created_at) VALUES (1, 1, ?, 'ACTIVE', 0)",
            [.text(StoreCoding.encodeParameters(testPoint(0)))])
        _ = try old.run("INSERT INTO trial_parameters (study_id, trial_id, name, value_number) VALUES (1, 1, 'layers', 1)")

        let store = try SQLiteStudyStore(path: path)
        let connection = try SQLiteConnection(path: path)
        #expect(try connection.queryFirst("SELECT version FROM augur_schema") { $0.int(0) } == SQLiteStudyStore.schemaVersion)
        #expect(try connection.queryFirst("SELECT type FROM sqlite_master WHERE name = 'trial_parameters'") { $0.text(0) } == "view")
        let flattened = try connection.query("SELECT name, value_number, value_text FROM trial_parameters WHERE trial_id = 1 ORDER BY name") { row in
            "\(row.text(0) ?? "")=\(row.double(1).map { String($0) } ?? row.text(2) ?? "null")"
        }
        #expect(flattened == testPoint(0).keys.sorted().map { name in
            let value = testPoint(0)[name]
            return "\(name)=\(value?.doubleValue.map { String($0) } ?? value?.stringValue ?? "null")"
        })
        #expect(try await store.trial(study: "study", id: 1)?.parameters == testPoint(0))
        // The trial's history is what its columns tell, and changes from now on are logged.
        #expect(try await store.trialEvents(study: "study", trial: 1).map(\.state) == [.active])
        try await store.complete(1, in: "study", loss: 0.5)
        #expect(try await store.trialEvents(study: "study", trial: 1).map(\.state) == [.active, .completed])
    }

    /// A file of schema 5 (no `final_values` column) is upgraded in place: the column is added and back-filled from
    /// the final measurements, so ranking by several metrics reads it for the trials already there and for new ones.
    @Test func upgradesAFileWithoutFinalValues() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        try await fillSeveralObjectiveStudy(try SQLiteStudyStore(path: path))
        let old = try SQLiteConnection(path: path)
        try old.execute("DROP INDEX trials_front_candidates")
        try old.execute("ALTER TABLE trials DROP COLUMN pruned")
        try old.execute("ALTER TABLE studies DROP COLUMN candidate_generation")
        try old.execute("ALTER TABLE trials DROP COLUMN final_values")
        _ = try old.run("UPDATE augur_schema SET version = 5")

        let store = try SQLiteStudyStore(path: path)
        let connection = try SQLiteConnection(path: path)
        #expect(try SQLiteMigrations.currentVersion(connection) == SQLiteStudyStore.schemaVersion)
        let filled = try connection.query("SELECT trial_id FROM trials WHERE final_values IS NOT NULL ORDER BY trial_id") { $0.int(0) }
        #expect(filled == [1, 2, 4, 5, 6])
        try await expectSeveralObjectiveValues(store)
    }

    /// A file of schema 6 (no front candidates) is upgraded in place with every completed trial a candidate, and
    /// the marks a prune writes stay when the file is opened again.
    @Test func upgradesAFileWithoutFrontCandidates() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        try await fillSeveralObjectiveStudy(try SQLiteStudyStore(path: path))
        let old = try SQLiteConnection(path: path)
        try old.execute("DROP INDEX trials_front_candidates")
        try old.execute("ALTER TABLE trials DROP COLUMN pruned")
        try old.execute("ALTER TABLE studies DROP COLUMN candidate_generation")
        _ = try old.run("UPDATE augur_schema SET version = 6")

        let metrics = ["loss", "accuracy", "memory"]
        let store = try SQLiteStudyStore(path: path)
        #expect(try SQLiteMigrations.currentVersion(old) == SQLiteStudyStore.schemaVersion)
        let candidates = try await store.frontCandidateValues(study: "front", metrics: metrics)
        let all = try await store.completedFinalValues(study: "front", metrics: metrics)
        #expect(candidates.table.ids == [1, 2, 4, 6])
        #expect(candidates.table.values.map(\.bitPattern) == all.values.map(\.bitPattern))
        try await store.pruneTrials(study: "front", ids: [2, 6], generation: candidates.generation)
        let reopened = try SQLiteStudyStore(path: path)
        #expect(try await reopened.frontCandidateValues(study: "front", metrics: metrics).table.ids == [1, 4])
        let plan = try old.query(
            "EXPLAIN QUERY PLAN \(SQLiteDatabase.frontCandidateQuery)"
        ) { $0.text(3) ?? "" }.joined(separator: "\n")
        #expect(plan.contains("trials_front_candidates"), "\(plan)")
    }

    @Test func explainsFilesItCannotOpen() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.path(for: "no/such/dir/augur.sqlite")
        let missingError = #expect(throws: StoreError.self) { _ = try SQLiteStudyStore(path: missing) }
        guard case .connection(let message) = missingError else {
            Issue.record("expected a connection error, got \(String(describing: missingError))")
            return
        }
        #expect(message.contains(missing))
        #expect(message.contains("does not exist"))

        let garbage = directory.path(for: "notes.txt")
        try Data(String(repeating: "not a database at all. ", count: 100).utf8).write(to: URL(fileURLWithPath: garbage))
        let garbageError = #expect(throws: StoreError.self) { _ = try SQLiteStudyStore(path: garbage) }
        guard case .connection(let garbageMessage) = garbageError else {
            Issue.record("expected a connection error, got \(String(describing: garbageError))")
            return
        }
        #expect(garbageMessage.contains(garbage))
        #expect(garbageMessage.contains("is not an SQLite database"))

        let directoryError = #expect(throws: StoreError.self) { _ = try SQLiteStudyStore(path: directory.url.path) }
        guard case .connection(let directoryMessage) = directoryError else {
            Issue.record("expected a connection error, got \(String(describing: directoryError))")
            return
        }
        #expect(directoryMessage.contains(directory.url.path))
        #expect(directoryMessage.contains("is a directory"))
    }

    @Test func filesUseWriteAheadLoggingAndForeignKeys() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        _ = try SQLiteStudyStore(path: path)
        let connection = try SQLiteConnection(path: path)
        #expect(try connection.queryFirst("PRAGMA journal_mode") { $0.text(0) } == "wal")
        #expect(try connection.queryFirst("PRAGMA foreign_keys") { $0.int(0) } == 1)
    }

    @Test func flattensParametersAndServesTheViews() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        let store = try SQLiteStudyStore(path: path)
        _ = try await store.createStudy(testSpec())
        try await store.createTrials(2, in: "study")
        _ = try await store.requestTrial(study: "study", parameters: testPoint(5))
        try await store.complete(1, in: "study", loss: 0.25, accuracy: 0.75)
        for step in 1...3 {
            try await store.addMeasurement(study: "study", trial: 2, measurement: TrialMeasurement(step: step, metrics: ["loss": 1]), leaseExpiresAt: nil)
        }

        let connection = try SQLiteConnection(path: path)
        #expect(try connection.query("SELECT seq, step FROM measurements WHERE trial_id = 2 ORDER BY seq") { [$0.int(0), $0.int(1)] } == [[0, 1], [1, 2], [2, 3]])
        let flattened = try connection.query(
            "SELECT name, value_number, value_text FROM trial_parameters WHERE trial_id = 1 ORDER BY name"
        ) { row in "\(row.text(0) ?? "")=\(row.double(1).map { String($0) } ?? row.text(2) ?? "null")" }
        #expect(flattened == ["layers=1.0", "lr=0.001", "momentum=0.5", "optimizer=sgd"])
        #expect(try connection.queryFirst("SELECT COUNT(DISTINCT trial_id) FROM trial_parameters") { $0.int(0) } == 3)

        let result = try #require(
            try connection.queryFirst(
                "SELECT study, state, objective_value, final_metrics, retry_count, started_at, ended_at FROM trial_results WHERE trial_id = 1"
            ) { row in (row.text(0), row.text(1), row.double(2), row.text(3), row.int(4), row.text(5), row.text(6)) })
        #expect(result.0 == "study")
        #expect(result.1 == "COMPLETED")
        #expect(result.2 == 0.25)
        #expect(result.3 == #"{"accuracy":0.75,"loss":0.25}"#)
        #expect(result.4 == 0)
        #expect(result.5?.hasSuffix("Z") == true)
        #expect(result.6 != nil)
        #expect(try connection.queryFirst("SELECT COUNT(*) FROM trial_results") { $0.int(0) } == 3)

        let overview = try #require(
            try connection.queryFirst("SELECT study, trials, active, completed, best_value FROM study_overview") { row in
                (row.text(0), row.int(1), row.int(2), row.int(3), row.double(4))
            })
        #expect(overview.0 == "study")
        #expect(overview.1 == 3 && overview.2 == 1 && overview.3 == 1)
        #expect(overview.4 == 0.25)

        try await store.deleteStudy(named: "study")
        #expect(try connection.queryFirst("SELECT COUNT(*) FROM trial_parameters") { $0.int(0) } == 0)
        #expect(try connection.queryFirst("SELECT COUNT(*) FROM measurements") { $0.int(0) } == 0)
    }

    @Test func theBestTrialQueryWalksAnIndex() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try SQLiteMigrations.migrate(connection)
        let plan = try connection.query(
            """
            EXPLAIN QUERY PLAN SELECT trial_id FROM trials WHERE study_id = ? AND state IN (?) AND objective_value IS NOT NULL
            ORDER BY objective_value ASC, trial_id LIMIT 1
            """, [.integer(1), .text("COMPLETED")]
        ) { $0.text(3) ?? "" }
        #expect(plan.contains { $0.contains("trials_by_state_objective") })
        #expect(!plan.contains { $0.contains("USE TEMP B-TREE FOR ORDER BY") })

        // The trials of one state (ACTIVE, REQUESTED) come from the state index, in id order, without a scan.
        let statePlan = try connection.query(
            "EXPLAIN QUERY PLAN " + SQLiteDatabase.trialsInStateSQL, [.integer(1), .text("ACTIVE")]
        ) { $0.text(3) ?? "" }
        #expect(statePlan.contains { $0.contains("trials_by_state") && $0.contains("state=?") })
        #expect(!statePlan.contains { $0.contains("TEMP B-TREE") })
    }

    @Test func triggersKeepTrialCountsExact() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path(for: "augur.sqlite")
        let store = try SQLiteStudyStore(path: path)
        _ = try await store.createStudy(testSpec("alpha"))
        _ = try await store.createStudy(testSpec("beta"))
        var generator = SeededGenerator(seed: 11)
        for round in 0..<60 {
            let study = generator.nextIndex(below: 2) == 0 ? "alpha" : "beta"
            switch generator.nextIndex(below: 4) {
            case 0:
                try await store.createTrials(1 + generator.nextIndex(below: 3), in: study, firstPoint: round)
            case 1:
                _ = try await store.requestTrial(study: study, parameters: testPoint(round))
            case 2:
                if let trial = try await store.trials(study: study, query: TrialQuery(states: [.active, .requested], limit: 1)).first {
                    let state = [TrialState.completed, .stopped, .failed, .infeasible][generator.nextIndex(below: 4)]
                    _ = try await store.finishTrial(study: study, trial: trial.id, state: state, finalMeasurement: nil, reason: nil)
                }
            default:
                _ = try await store.assignTrials(study: study, worker: "w", leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                    AssignmentPlan(requeue: snapshot.activeTrials.prefix(1).map(\.id), assignRequested: snapshot.requestedTrials.prefix(1).map(\.id))
                }
            }
        }
        let connection = try SQLiteConnection(path: path)
        let scanned = try connection.query(
            "SELECT s.name, t.state, COUNT(*) FROM trials t JOIN studies s ON s.id = t.study_id GROUP BY s.name, t.state"
        ) { row in (row.text(0) ?? "", TrialState(rawValue: row.text(1) ?? ""), row.int(2)) }
        for name in ["alpha", "beta"] {
            var expected = TrialCounts()
            for (study, state, count) in scanned where study == name {
                if let state { expected[state] = count }
            }
            #expect(try await store.trialCounts(study: name) == expected)
        }
        try await store.deleteStudy(named: "alpha")
        #expect(try connection.queryFirst("SELECT COUNT(*) FROM trial_counts WHERE count <> 0 AND study_id NOT IN (SELECT id FROM studies)") { $0.int(0) } == 0)
    }
}
