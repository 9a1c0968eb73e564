import AugurCore

/// The SQLite schema as an ordered list of migrations; `augur_schema.version` counts how many have been applied.
///
/// A migration is never edited once released: changes go into a new entry at the end. The tables and columns are
/// the ones PostgreSQL uses too (docs/storage.md describes them).
enum SQLiteMigrations {
    /// Migration `i` (0-based) takes the schema from version `i` to `i + 1`.
    static let all: [[String]] = [
        // 1: studies, trials, measurements, flattened parameters, and the views for plain-SQL reporting.
        [
            """
            CREATE TABLE studies (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                spec TEXT NOT NULL,
                state TEXT NOT NULL,
                state_reason TEXT,
                objective_metric TEXT NOT NULL,
                goal TEXT NOT NULL CHECK (goal IN ('minimize', 'maximize')),
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            )
            """,
            """
            CREATE TABLE trials (
                study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
                trial_id INTEGER NOT NULL,
                parameters TEXT NOT NULL,
                state TEXT NOT NULL,
                created_at REAL NOT NULL,
                started_at REAL,
                ended_at REAL,
                worker TEXT,
                lease_expires_at REAL,
                retry_count INTEGER NOT NULL DEFAULT 0,
                final_measurement TEXT,
                objective_value REAL,
                status_reason TEXT,
                PRIMARY KEY (study_id, trial_id)
            ) WITHOUT ROWID
            """,
            // Trials are clustered by (study_id, trial_id) (WITHOUT ROWID), so every secondary index ends in trial_id:
            // "the ACTIVE trials of a study by id" reads only those trials, in order.
            "CREATE INDEX trials_by_state ON trials (study_id, state)",
            "CREATE INDEX trials_by_state_objective ON trials (study_id, state, objective_value)",
            // Ranks trials of every state by objective (`augur trials --order objective` without a state filter).
            "CREATE INDEX trials_by_objective ON trials (study_id, objective_value)",
            """
            CREATE TABLE measurements (
                study_id INTEGER NOT NULL,
                trial_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                step INTEGER NOT NULL,
                elapsed_seconds REAL,
                metrics TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (study_id, trial_id, seq),
                FOREIGN KEY (study_id, trial_id) REFERENCES trials (study_id, trial_id) ON DELETE CASCADE
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE trial_parameters (
                study_id INTEGER NOT NULL,
                trial_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                value_number REAL,
                value_text TEXT,
                PRIMARY KEY (study_id, trial_id, name),
                FOREIGN KEY (study_id, trial_id) REFERENCES trials (study_id, trial_id) ON DELETE CASCADE
            ) WITHOUT ROWID
            """,
            // Per-state trial counts, kept by triggers, so that the counts every assignment reads cost one lookup per
            // state instead of a scan of the study.
            """
            CREATE TABLE trial_counts (
                study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
                state TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (study_id, state)
            ) WITHOUT ROWID
            """,
            """
            CREATE TRIGGER trials_counted_on_insert AFTER INSERT ON trials
            BEGIN
                INSERT INTO trial_counts (study_id, state, count) VALUES (NEW.study_id, NEW.state, 1)
                ON CONFLICT (study_id, state) DO UPDATE SET count = count + 1;
            END
            """,
            """
            CREATE TRIGGER trials_counted_on_state_change AFTER UPDATE OF state ON trials WHEN OLD.state IS NOT NEW.state
            BEGIN
                UPDATE trial_counts SET count = count - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
                INSERT INTO trial_counts (study_id, state, count) VALUES (NEW.study_id, NEW.state, 1)
                ON CONFLICT (study_id, state) DO UPDATE SET count = count + 1;
            END
            """,
            """
            CREATE TRIGGER trials_counted_on_delete AFTER DELETE ON trials
            BEGIN
                UPDATE trial_counts SET count = count - 1 WHERE study_id = OLD.study_id AND state = OLD.state;
            END
            """,
            "CREATE INDEX trial_parameters_by_name ON trial_parameters (study_id, name, value_number)",
            """
            CREATE VIEW trial_results AS
            SELECT s.name AS study,
                   t.trial_id,
                   t.state,
                   t.objective_value,
                   t.parameters,
                   json_extract(t.final_measurement, '$.metrics') AS final_metrics,
                   t.retry_count,
                   t.status_reason,
                   t.worker,
                   strftime('%Y-%m-%dT%H:%M:%fZ', t.started_at, 'unixepoch') AS started_at,
                   strftime('%Y-%m-%dT%H:%M:%fZ', t.ended_at, 'unixepoch') AS ended_at,
                   t.ended_at - t.started_at AS duration_seconds
            FROM trials t JOIN studies s ON s.id = t.study_id
            """,
            """
            CREATE VIEW study_overview AS
            SELECT s.name AS study,
                   s.state,
                   s.state_reason,
                   s.objective_metric,
                   s.goal,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id) AS trials,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id AND c.state = 'REQUESTED') AS requested,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id AND c.state = 'ACTIVE') AS active,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id AND c.state = 'COMPLETED') AS completed,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id AND c.state = 'STOPPED') AS stopped,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id AND c.state = 'FAILED') AS failed,
                   (SELECT COALESCE(SUM(c.count), 0) FROM trial_counts c WHERE c.study_id = s.id AND c.state = 'INFEASIBLE') AS infeasible,
                   CASE s.goal
                       WHEN 'minimize' THEN (SELECT MIN(objective_value) FROM trials t
                                             WHERE t.study_id = s.id AND t.state = 'COMPLETED')
                       ELSE (SELECT MAX(objective_value) FROM trials t
                             WHERE t.study_id = s.id AND t.state = 'COMPLETED')
                   END AS best_value,
                   strftime('%Y-%m-%dT%H:%M:%fZ', s.created_at, 'unixepoch') AS created_at
            FROM studies s
            """,
        ],
        // 2: `trial_parameters` becomes a view over `trials.parameters` with the same columns, as in PostgreSQL:
        // the documented SQL keeps working and a trial's parameters are written once.
        [
            "DROP INDEX trial_parameters_by_name",
            "DROP TABLE trial_parameters",
            """
            CREATE VIEW trial_parameters AS
            SELECT t.study_id,
                   t.trial_id,
                   p.key AS name,
                   CASE p.type WHEN 'integer' THEN CAST(p.value AS REAL) WHEN 'real' THEN p.value END AS value_number,
                   CASE p.type WHEN 'text' THEN p.value END AS value_text
            FROM trials t, json_each(t.parameters) AS p
            """,
        ],
        // 3: a study's version: a creation id that a study created again under the same name does not share, and a
        // spec revision that each change of the stored spec raises, so caches key specs by (uid, revision).
        [
            "ALTER TABLE studies ADD COLUMN uid TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE studies ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
            "UPDATE studies SET uid = lower(hex(randomblob(16))) WHERE uid = ''",
        ],
        // 4: metadata clients keep with studies and trials (Vizier's KeyValue): trial_id 0 is the study's own; a
        // value with a type_url is a serialized message, base64-encoded.
        [
            """
            CREATE TABLE metadata (
                study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
                trial_id INTEGER NOT NULL,
                namespace TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                type_url TEXT,
                PRIMARY KEY (study_id, trial_id, namespace, key)
            ) WITHOUT ROWID
            """,
        ],
        // 5: a trial's state history. Triggers append a row whenever a trial is created or its state, worker or retry
        // count changes, so every path that moves a trial (leases, requeues, completion, Vizier's calls) is logged
        // without each of them having to remember. The time is the row's own when the change sets one (started_at
        // for a lease, ended_at for an end) and the database's clock otherwise (a requeue).
        [
            """
            CREATE TABLE trial_events (
                id INTEGER PRIMARY KEY,
                study_id INTEGER NOT NULL,
                trial_id INTEGER NOT NULL,
                at REAL NOT NULL,
                state TEXT NOT NULL,
                worker TEXT,
                retry_count INTEGER NOT NULL,
                reason TEXT,
                FOREIGN KEY (study_id, trial_id) REFERENCES trials (study_id, trial_id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX trial_events_by_trial ON trial_events (study_id, trial_id, id)",
            """
            CREATE TRIGGER trials_evented_on_insert AFTER INSERT ON trials
            BEGIN
                INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
                VALUES (NEW.study_id, NEW.trial_id, COALESCE(NEW.ended_at, NEW.started_at, NEW.created_at), NEW.state, NEW.worker,
                        NEW.retry_count, NEW.status_reason);
            END
            """,
            """
            CREATE TRIGGER trials_evented_on_change AFTER UPDATE OF state, worker, retry_count ON trials
            WHEN OLD.state IS NOT NEW.state OR OLD.worker IS NOT NEW.worker OR OLD.retry_count IS NOT NEW.retry_count
            BEGIN
                INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
                VALUES (NEW.study_id, NEW.trial_id,
                        CASE
                            WHEN NEW.state IN ('COMPLETED', 'STOPPED', 'FAILED', 'INFEASIBLE') AND NEW.ended_at IS NOT NULL THEN NEW.ended_at
                            WHEN NEW.state = 'ACTIVE' AND NEW.started_at IS NOT NULL AND NEW.started_at IS NOT OLD.started_at THEN NEW.started_at
                            ELSE (julianday('now') - 2440587.5) * 86400.0
                        END,
                        NEW.state, NEW.worker, NEW.retry_count, NEW.status_reason);
            END
            """,
            // Trials that existed before this migration get the history their columns still tell.
            """
            INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
            SELECT study_id, trial_id, created_at, 'REQUESTED', NULL, retry_count, NULL FROM trials
            WHERE state = 'REQUESTED' OR started_at > created_at
            """,
            """
            INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
            SELECT study_id, trial_id, COALESCE(started_at, created_at), 'ACTIVE', worker, retry_count, NULL FROM trials
            WHERE started_at IS NOT NULL OR state = 'ACTIVE'
            """,
            """
            INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
            SELECT study_id, trial_id, COALESCE(ended_at, started_at, created_at), state, worker, retry_count, status_reason FROM trials
            WHERE state NOT IN ('REQUESTED', 'ACTIVE')
            """,
        ],
        // 6: each finished trial's final values of the spec's metrics (`Objective.allMetricNames`) as packed
        // little-endian doubles (`TrialRules.finalValuesBlob`), so that a Pareto front of 100,000 trials is read
        // without decoding measurements. Existing rows are filled by `fillFinalValues` after the migrations.
        [
            "ALTER TABLE trials ADD COLUMN final_values BLOB",
        ],
        // 7: front candidates (docs/storage.md). A completed trial the service has found can never again be on the
        // Pareto front nor give the derived reference point its worst value is marked `pruned`; the front is read
        // from the unpruned ones through a partial index. Every existing trial starts unpruned, so nothing is
        // back-filled. Deleting a candidate un-prunes the study and raises `candidate_generation`, which a prune must
        // match.
        [
            "ALTER TABLE trials ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE studies ADD COLUMN candidate_generation INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX trials_front_candidates ON trials (study_id, trial_id) WHERE state = 'COMPLETED' AND pruned = 0",
        ],
    ]

    /// The schema version this build writes and understands.
    static var latestVersion: Int { all.count }

    /// Brings the database to `latestVersion`, applying the missing migrations in order in one write transaction.
    /// Throws `StoreError.schemaTooNew` for a database written by a newer Augur.
    static func migrate(_ connection: SQLiteConnection) throws {
        // Most opens find the schema current; check without taking the write lock first.
        if let version = try currentVersion(connection) {
            if version > latestVersion { throw StoreError.schemaTooNew(found: version, supported: latestVersion) }
            if version == latestVersion { return }
        }
        try connection.writeTransaction {
            try connection.execute("CREATE TABLE IF NOT EXISTS augur_schema (version INTEGER NOT NULL)")
            var version = try connection.queryFirst("SELECT version FROM augur_schema") { $0.int(0) }
            if version == nil {
                try connection.run("INSERT INTO augur_schema (version) VALUES (0)")
                version = 0
            }
            let found = version ?? 0
            if found > latestVersion { throw StoreError.schemaTooNew(found: found, supported: latestVersion) }
            for migration in all[found...] {
                for statement in migration {
                    try connection.execute(statement)
                }
            }
            try fillFinalValues(connection)
            try connection.run("UPDATE augur_schema SET version = ?", [SQLiteValue(latestVersion)])
        }
    }

    /// Writes `final_values` for the finished trials that have a final measurement but no final values (those of a
    /// database from before migration 6), decoding each study's spec once. Finds nothing to do on a current database.
    static func fillFinalValues(_ connection: SQLiteConnection) throws {
        var objectives: [Int: Objective] = [:]
        let missing = try connection.query(
            "SELECT study_id, trial_id, final_measurement FROM trials WHERE final_values IS NULL AND final_measurement IS NOT NULL"
        ) { row in (study: row.int(0), trial: row.int(1), measurement: row.text(2) ?? "") }
        for (study, trial, text) in missing {
            if objectives[study] == nil {
                let spec = try connection.queryFirst("SELECT spec FROM studies WHERE id = ?", [.integer(Int64(study))]) { $0.text(0) ?? "" }
                guard let spec else { continue }
                objectives[study] = try StoreCoding.decodeSpec(spec).objective
            }
            guard let objective = objectives[study] else { continue }
            let blob = TrialRules.finalValuesBlob(of: try StoreCoding.decodeMeasurement(text), objective: objective)
            _ = try connection.run("UPDATE trials SET final_values = ? WHERE study_id = ? AND trial_id = ?",
                                   [SQLiteValue(blob), .integer(Int64(study)), SQLiteValue(trial)])
        }
    }

    /// The version recorded in the database, or `nil` for a database without Augur tables.
    static func currentVersion(_ connection: SQLiteConnection) throws -> Int? {
        let hasTable = try connection.queryFirst(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'augur_schema'") { _ in true } ?? false
        guard hasTable else { return nil }
        return try connection.queryFirst("SELECT version FROM augur_schema") { $0.int(0) }
    }
}
