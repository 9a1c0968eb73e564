import AugurCore
@testable import AugurStorage
import Foundation
import Testing

@Suite("PostgresStudyStore", .enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresStudyStoreTests {
    static func spec(_ name: String, maxTrials: Int = 10, parallel: Int = 2, goal: ObjectiveGoal = .minimize) -> StudySpec {
        StudySpec(
            name: name,
            searchSpace: SearchSpace([
                .double("lr", min: 1e-4, max: 1, scale: .log), .integer("layers", min: 1, max: 8), .categorical("opt", ["adam", "sgd"]),
            ]),
            objective: Objective(metric: "loss", goal: goal, additionalMetrics: [MetricSpec(name: "accuracy")]),
            budget: Budget(maxTrials: maxTrials, parallelTrials: parallel), seed: 7)
    }

    static func create(_ parameters: [ParameterAssignment]) -> @Sendable (StudySnapshot) -> AssignmentPlan {
        { _ in AssignmentPlan(create: parameters) }
    }

    @Test func studyLifecycleRoundTrips() async throws {
        let store = try PostgresStudyStore(url: try PostgresTestDatabase.makeIsolatedURL("lifecycle"))
        let created = try await store.createStudy(Self.spec("mnist"))
        #expect(try await store.study(named: "mnist") == created)
        await #expect(throws: StoreError.studyExists("mnist")) { try await store.createStudy(Self.spec("mnist")) }

        let point: ParameterAssignment = ["lr": .double(0.01), "layers": .integer(3), "opt": .string("adam")]
        let lease = Date(timeIntervalSince1970: 1_900_000_000.25)
        let assigned = try await store.assignTrials(study: "mnist", worker: "w1", leaseExpiresAt: lease, history: .countsOnly,
                                                    planner: Self.create([point, point]))
        #expect(assigned.map(\.id) == [1, 2])
        #expect(assigned[0].parameters == point)
        #expect(assigned[0].state == .active && assigned[0].worker == "w1" && assigned[0].leaseExpiresAt == lease)

        try await store.addMeasurement(study: "mnist", trial: 1, measurement: TrialMeasurement(step: 1, elapsedSeconds: 0.5, metrics: ["loss": 0.7]),
                                       leaseExpiresAt: nil)
        try await store.addMeasurement(study: "mnist", trial: 1, measurement: TrialMeasurement(step: 2, metrics: ["loss": 0.4]), leaseExpiresAt: nil)
        let final = TrialMeasurement(step: 2, elapsedSeconds: 1.25, metrics: ["loss": 0.4, "accuracy": 0.9])
        let finished = try await store.finishTrial(study: "mnist", trial: 1, state: .completed, finalMeasurement: final, reason: nil)
        #expect(finished.state == .completed && finished.finalMeasurement == final)
        #expect(finished.measurements.map(\.step) == [1, 2])
        #expect(try await store.trial(study: "mnist", id: 1) == finished)
        // A repeated report of the same outcome is a no-op; another outcome is refused.
        #expect(try await store.finishTrial(study: "mnist", trial: 1, state: .completed, finalMeasurement: final, reason: nil) == finished)
        await #expect(throws: StoreError.trialNotActive(study: "mnist", trial: 1, state: .completed)) {
            try await store.finishTrial(study: "mnist", trial: 1, state: .failed, finalMeasurement: nil, reason: "late")
        }
        await #expect(throws: StoreError.trialNotActive(study: "mnist", trial: 1, state: .completed)) {
            try await store.addMeasurement(study: "mnist", trial: 1, measurement: TrialMeasurement(metrics: [:]), leaseExpiresAt: nil)
        }
        await #expect(throws: StoreError.notOwner(study: "mnist", trial: 2, owner: "w1")) {
            try await store.renewLease(study: "mnist", trial: 2, worker: "w2", until: lease)
        }
        try await store.renewLease(study: "mnist", trial: 2, worker: "w1", until: lease.addingTimeInterval(60))
        #expect(try await store.trial(study: "mnist", id: 2)?.leaseExpiresAt == lease.addingTimeInterval(60))

        let requested = try await store.requestTrial(study: "mnist", parameters: point)
        #expect(requested.id == 3 && requested.state == .requested)
        let counts = try await store.trialCounts(study: "mnist")
        #expect(counts.completed == 1 && counts.active == 1 && counts.requested == 1)
        let summaries = try await store.studySummaries()
        #expect(summaries.map(\.study.name) == ["mnist"] && summaries.first?.bestValue == 0.4 && summaries.first?.counts == counts)

        try await store.setStudyState("mnist", to: .stopped, reason: "paused by test")
        #expect(try await store.study(named: "mnist")?.state == .stopped)
        try await store.deleteStudy(named: "mnist")
        #expect(try await store.study(named: "mnist") == nil)
        await #expect(throws: StoreError.studyNotFound("mnist")) { try await store.deleteStudy(named: "mnist") }
        await #expect(throws: StoreError.studyNotFound("mnist")) { try await store.trialCounts(study: "mnist") }
    }

    @Test func rankingAndPaging() async throws {
        let store = try PostgresStudyStore(url: try PostgresTestDatabase.makeIsolatedURL("ranking"))
        _ = try await store.createStudy(Self.spec("rank", maxTrials: 50, parallel: 10, goal: .maximize))
        let points = (1...6).map { ["lr": .double(Double($0) / 10), "layers": .integer($0), "opt": .string("sgd")] as ParameterAssignment }
        _ = try await store.assignTrials(study: "rank", worker: "w", leaseExpiresAt: nil, history: .countsOnly, planner: Self.create(points))
        for (id, value) in [(1, 0.5), (2, 0.9), (3, 0.1), (4, 0.7)] {
            _ = try await store.finishTrial(study: "rank", trial: id, state: .completed,
                                            finalMeasurement: TrialMeasurement(metrics: ["loss": value, "accuracy": 1 - value]), reason: nil)
        }
        _ = try await store.finishTrial(study: "rank", trial: 5, state: .failed, finalMeasurement: nil, reason: "exit status 1")
        let best = try await store.trials(study: "rank", query: TrialQuery(order: .objective))
        #expect(best.map(\.id) == [2, 4, 1, 3, 5, 6])
        let completed = try await store.trials(study: "rank", query: TrialQuery(states: [.completed], order: .objective, limit: 2, offset: 1))
        #expect(completed.map(\.id) == [4, 1])
        let byAccuracy = try await store.trials(study: "rank", query: TrialQuery(order: .metric("accuracy", .maximize), limit: 3))
        #expect(byAccuracy.map(\.id) == [3, 1, 4])
        let open = try await store.trials(study: "rank", query: TrialQuery(states: [.active, .failed], includeMeasurements: false))
        #expect(open.map(\.id) == [5, 6])
        #expect(try await store.trials(study: "rank", query: TrialQuery(states: [])).isEmpty)
    }

    @Test func assignmentAppliesEveryPartOfThePlan() async throws {
        let store = try PostgresStudyStore(url: try PostgresTestDatabase.makeIsolatedURL("plan"))
        _ = try await store.createStudy(Self.spec("plan", maxTrials: 10, parallel: 10))
        let point: ParameterAssignment = ["lr": .double(0.5), "layers": .integer(2), "opt": .string("adam")]
        _ = try await store.assignTrials(study: "plan", worker: "gone", leaseExpiresAt: nil, history: .countsOnly,
                                         planner: Self.create([point, point, point]))
        try await store.addMeasurement(study: "plan", trial: 1, measurement: TrialMeasurement(step: 1, metrics: ["loss": 1]), leaseExpiresAt: nil)
        let handed = try await store.assignTrials(study: "plan", worker: "new", leaseExpiresAt: nil, history: .parameters) { snapshot in
            #expect(snapshot.counts.active == 3 && snapshot.activeTrials.map(\.id) == [1, 2, 3] && snapshot.history.count == 3)
            return AssignmentPlan(requeue: [1], fail: [2: "lease expired 3 times"], assignRequested: [1], create: [point],
                                  studyState: (.completed, "budget spent"))
        }
        #expect(handed.map(\.id) == [1, 4])
        #expect(handed[0].retryCount == 1 && handed[0].worker == "new" && handed[0].measurements.isEmpty)
        #expect(try await store.trial(study: "plan", id: 1)?.measurements.isEmpty == true)
        #expect(try await store.trial(study: "plan", id: 2)?.statusReason == "lease expired 3 times")
        let study = try await store.study(named: "plan")
        #expect(study?.state == .completed && study?.stateReason == "budget spent")
        await #expect(throws: StoreError.trialNotActive(study: "plan", trial: 2, state: .failed)) {
            try await store.assignTrials(study: "plan", worker: "x", leaseExpiresAt: nil, history: .countsOnly) { _ in
                AssignmentPlan(requeue: [2])
            }
        }
        await #expect(throws: StoreError.studyNotFound("nope")) {
            try await store.assignTrials(study: "nope", worker: "x", leaseExpiresAt: nil, history: .countsOnly) { _ in AssignmentPlan() }
        }
    }

    @Test func secondOpenerFindsTheSchemaCurrent() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("reopen")
        let stores = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try PostgresStudyStore(url: url, poolSize: 1); return 1 }
            }
            return try await group.reduce(0, +)
        }
        #expect(stores == 4)
        let version = try PostgresTestDatabase.execute("SELECT version FROM augur_schema", url: url)
        #expect(version.count == 1 && version[0][0] == String(PostgresStudyStore.schemaVersion))
    }

    /// A database of schema 5 (no `final_values` column) is upgraded in place: the migration adds the column and
    /// back-fills it with the expression `finishTrial` writes, so the trials already there rank without decoding.
    @Test func upgradesADatabaseWithoutFinalValues() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("final-values")
        try await fillSeveralObjectiveStudy(try PostgresStudyStore(url: url, poolSize: 1))
        try PostgresTestDatabase.execute("""
            DROP INDEX trials_front_candidates; ALTER TABLE trials DROP COLUMN pruned; ALTER TABLE studies DROP COLUMN candidate_generation;
            ALTER TABLE trials DROP COLUMN final_values; UPDATE augur_schema SET version = 5
            """, url: url)

        let store = try PostgresStudyStore(url: url, poolSize: 1)
        let version = try PostgresTestDatabase.execute("SELECT version FROM augur_schema", url: url)
        #expect(version.first?.first == String(PostgresStudyStore.schemaVersion))
        let filled = try PostgresTestDatabase.execute(
            "SELECT trial_id, final_values::text FROM trials WHERE final_values IS NOT NULL ORDER BY trial_id", url: url)
        #expect(filled.map { $0[0] } == ["1", "2", "4", "5", "6"])
        #expect(filled.first?[1] == "{0.25,0.5,1}")
        try await expectSeveralObjectiveValues(store)
    }

    /// A database of schema 7 (no front candidates) is upgraded in place with every completed trial a candidate,
    /// and the marks a prune writes are seen by another store on the same database.
    @Test func upgradesADatabaseWithoutFrontCandidates() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("front-candidates")
        try await fillSeveralObjectiveStudy(try PostgresStudyStore(url: url, poolSize: 1))
        try PostgresTestDatabase.execute("""
            DROP INDEX trials_front_candidates; ALTER TABLE trials DROP COLUMN pruned;
            ALTER TABLE studies DROP COLUMN candidate_generation; UPDATE augur_schema SET version = 7
            """, url: url)

        let metrics = ["loss", "accuracy", "memory"]
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        let version = try PostgresTestDatabase.execute("SELECT version FROM augur_schema", url: url)
        #expect(version.first?.first == String(PostgresStudyStore.schemaVersion))
        let candidates = try await store.frontCandidateValues(study: "front", metrics: metrics)
        let all = try await store.completedFinalValues(study: "front", metrics: metrics)
        #expect(candidates.table.ids == [1, 2, 4, 6])
        #expect(candidates.table.values.map(\.bitPattern) == all.values.map(\.bitPattern))
        try await store.pruneTrials(study: "front", ids: [2, 6], generation: candidates.generation)
        let another = try PostgresStudyStore(url: url, poolSize: 1)
        #expect(try await another.frontCandidateValues(study: "front", metrics: metrics).table.ids == [1, 4])
    }

    /// A database written by the first schema (objective indexes, a `trial_parameters` table) is upgraded in place:
    /// existing trials rank by the new `objective_rank` and `trial_parameters` reads the same rows as before.
    @Test func upgradesADatabaseOfTheFirstSchema() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("upgrade")
        var setUp = PostgresMigrations.all[0]
        let spec = try StoreCoding.encodeSpec(Self.spec("old", goal: .maximize))
        let quotedSpec = spec.replacingOccurrences(of: "'", with: "''")
        setUp += [
            "CREATE TABLE augur_schema (version INTEGER NOT NULL)",
            "INSERT INTO augur_schema (version) VALUES (1)",
            """
            INSERT INTO studies (name, spec, state, objective_metric, goal, created_at, updated_at)
            VALUES ('old', '\(quotedSpec)', 'ACTIVE', 'loss', 'maximize', now(), now())
            """,
            """
            INSERT INTO trials (study_id, trial_id, parameters, state, created_at, final_measurement, objective_value)
            SELECT s.id, v.id, jsonb_build_object('lr', v.id / 10.0, 'layers', v.id, 'opt', 'sgd'), v.state, now(),
                   CASE WHEN v.value IS NOT NULL THEN jsonb_build_object('step', 1, 'metrics', jsonb_build_object('loss', v.value)) END, v.value
            FROM studies s, (VALUES (1, 'COMPLETED', 0.5), (2, 'COMPLETED', 0.9), (3, 'COMPLETED', 0.1), (4, 'ACTIVE', NULL)) AS v (id, state, value)
            """,
            """
            INSERT INTO trial_parameters (study_id, trial_id, name, value_number, value_text)
            SELECT t.study_id, t.trial_id, 'layers', t.trial_id, NULL FROM trials t
            """,
        ]
        try PostgresTestDatabase.execute(setUp.joined(separator: ";\n"), url: url)

        let store = try PostgresStudyStore(url: url)
        let version = try PostgresTestDatabase.execute("SELECT version FROM augur_schema", url: url)
        #expect(version.first?.first == String(PostgresStudyStore.schemaVersion))
        #expect(try await store.trials(study: "old", query: TrialQuery(order: .objective)).map(\.id) == [2, 1, 3, 4])
        #expect(try await store.studySummaries().first?.bestValue == 0.9)
        let parameters = try PostgresTestDatabase.execute(
            "SELECT name, value_number, value_text FROM trial_parameters WHERE trial_id = 3 ORDER BY name", url: url)
        #expect(parameters == [["layers", "3", nil], ["lr", "0.3", nil], ["opt", nil, "sgd"]])
        let overview = try PostgresTestDatabase.execute("SELECT best_value FROM study_overview", url: url)
        #expect(overview == [["0.9"]])

        // New trials of the upgraded study rank with the old ones.
        let point: ParameterAssignment = ["lr": .double(0.5), "layers": .integer(2), "opt": .string("adam")]
        let created = try await store.assignTrials(study: "old", worker: "w", leaseExpiresAt: nil, history: .countsOnly,
                                                   planner: Self.create([point]))
        #expect(created.map(\.id) == [5])
        _ = try await store.finishTrial(study: "old", trial: 5, state: .completed, finalMeasurement: TrialMeasurement(metrics: ["loss": 0.7]),
                                        reason: nil)
        let best = try await store.trials(study: "old", query: TrialQuery(states: [.completed], order: .objective, limit: 2))
        #expect(best.map(\.id) == [2, 5])
        // Old trials get the history their columns tell; new ones are logged by the trigger.
        #expect(try await store.trialEvents(study: "old", trial: 1).map(\.state) == [.completed])
        #expect(try await store.trialEvents(study: "old", trial: 4).map(\.state) == [.active])
        #expect(try await store.trialEvents(study: "old", trial: 5).map(\.state) == [.active, .completed])
    }

    /// Final values come back in binary format: a row without the array falls back to its measurement, an array
    /// shorter than the spec's metrics reads NaN for those it lacks, and any subset of the metrics is picked in the
    /// order asked for.
    @Test func finalValuesAreReadInBinaryFormat() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("binary-final")
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        try await fillSeveralObjectiveStudy(store)
        try await expectSeveralObjectiveValues(store)
        try PostgresTestDatabase.execute("""
            UPDATE trials SET final_values = NULL WHERE trial_id = 1;
            UPDATE trials SET final_values = '{0.125}' WHERE trial_id = 2;
            UPDATE trials SET final_values = '{}' WHERE trial_id = 4
            """, url: url)
        let table = try await store.completedFinalValues(study: "front", metrics: ["memory", "loss"])
        #expect(table.ids == [1, 2, 4, 6])
        let values = table.values.map { $0.isNaN ? nil : $0 }
        #expect(values == [1, 0.25, nil, 0.125, nil, nil, nil, nil])
    }

    /// The final values of a front are read by an index-only scan of `trials_completed_values` in id order once the
    /// study has grown (trials created, then finished: the finished rows no longer lie in id order), even with the
    /// statement prepared while the study was empty, as a new connection's first read prepares it.
    @Test func finalValuesComeFromTheCoveringIndex() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("covering")
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        _ = try await store.createStudy(Self.spec("front"))
        let connection = try PostgresConnection(settings: PostgresConnectionSettings(url))
        _ = try connection.execute(PostgresStoreSession.completedFinalValueArrays, ["1"])
        try PostgresTestDatabase.execute("""
            INSERT INTO trials (study_id, trial_id, parameters, state, created_at)
            SELECT 1, g, '{"lr": 0.5, "layers": 3, "opt": "adam"}', 'ACTIVE', now() FROM generate_series(1, 2000) g;
            UPDATE trials SET state = CASE WHEN trial_id % 10 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
                              final_values = ARRAY[trial_id, -trial_id]::float8[]
            """, url: url)
        try PostgresTestDatabase.execute("VACUUM ANALYZE trials", url: url)
        let explained = try connection.run("EXPLAIN EXECUTE augur_completed_final_value_arrays(1)")
        let plan = (0..<explained.rowCount).compactMap { explained.string($0, 0) }.joined(separator: "\n")
        #expect(plan.contains("Index Only Scan using trials_completed_values"), "\(plan)")
        #expect(!plan.contains("Sort"), "\(plan)")
        let table = try await store.completedFinalValues(study: "front", metrics: ["accuracy", "loss"])
        #expect(table.ids.count == 1800 && table.ids == table.ids.sorted())
        #expect(table.values[0..<4] == [-1, 1, -2, 2])
    }

    /// `trialCounts` is planned once per connection, on whatever the tables hold then. Its plan must read the
    /// state indexes for the one study (an index condition on the study's id), never a whole index filtered by
    /// study: `trials_open` keeps the entries of trials that have left ACTIVE until they are vacuumed, so such a
    /// plan made every count pay for every study's finished trials.
    @Test func trialCountsReadOnlyTheStudysIndexEntries() async throws {
        let url = try PostgresTestDatabase.makeIsolatedURL("counts-plan")
        let store = try PostgresStudyStore(url: url, poolSize: 1)
        _ = try await store.createStudy(Self.spec("busy", maxTrials: 2000, parallel: 2000))
        _ = try await store.createStudy(Self.spec("quiet"))
        try PostgresTestDatabase.execute("""
            INSERT INTO trials (study_id, trial_id, parameters, state, created_at)
            SELECT s.id, g, '{}', 'ACTIVE', now() FROM studies s, generate_series(1, 2000) g WHERE s.name = 'busy';
            UPDATE trials SET state = 'COMPLETED', ended_at = now();
            ANALYZE trials
            """, url: url)
        let connection = try PostgresConnection(settings: PostgresConnectionSettings(url))
        _ = try connection.execute(PostgresStoreSession.counts, ["quiet"])
        let explained = try connection.run("EXPLAIN EXECUTE augur_trial_counts('quiet')")
        let plan = (0..<explained.rowCount).compactMap { explained.string($0, 0) }
        #expect(!plan.contains { $0.contains("Join Filter") }, "\(plan.joined(separator: "\n"))")
        let scans = plan.indices.filter { plan[$0].contains(" on trials ") }
        #expect(scans.count == 3)
        for scan in scans {
            let details = plan[(scan + 1)...].prefix { !$0.contains("->") }
            #expect(details.contains { $0.contains("Index Cond: (") && $0.contains("study_id = ") }, "\(plan.joined(separator: "\n"))")
        }
        #expect(try await store.trialCounts(study: "busy").completed == 2000)
        #expect(try await store.trialCounts(study: "quiet").total == 0)
    }
}
