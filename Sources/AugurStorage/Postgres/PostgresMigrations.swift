/// The PostgreSQL schema as an ordered list of migrations; `augur_schema.version` counts how many have been applied.
///
/// The tables and columns are the SQLite store's (docs/storage.md), with PostgreSQL types: `BIGSERIAL` ids, `JSONB`
/// for specs, parameters and metrics, `TIMESTAMPTZ` times. A released migration is never edited; changes go into a
/// new entry at the end. Tables are created unqualified, in the first schema of the connection's `search_path`.
enum PostgresMigrations {
    /// Migration `i` (0-based) takes the schema from version `i` to `i + 1`.
    static let all: [[String]] = [
        // 1: studies, trials, measurements, flattened parameters, and the views for plain-SQL reporting.
        [
            """
            CREATE TABLE studies (
                id BIGSERIAL PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                spec JSONB NOT NULL,
                state TEXT NOT NULL,
                state_reason TEXT,
                objective_metric TEXT NOT NULL,
                goal TEXT NOT NULL CHECK (goal IN ('minimize', 'maximize')),
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            )
            """,
            """
            CREATE TABLE trials (
                study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
                trial_id INTEGER NOT NULL,
                parameters JSONB NOT NULL,
                state TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                started_at TIMESTAMPTZ,
                ended_at TIMESTAMPTZ,
                worker TEXT,
                lease_expires_at TIMESTAMPTZ,
                retry_count INTEGER NOT NULL DEFAULT 0,
                final_measurement JSONB,
                objective_value DOUBLE PRECISION,
                status_reason TEXT,
                PRIMARY KEY (study_id, trial_id)
            )
            """,
            // SQLite's (study_id, state) index plus trial_id, so that "trials in a state, by id" reads a page of
            // the index in order instead of sorting every trial in that state.
            "CREATE INDEX trials_by_state ON trials (study_id, state, trial_id)",
            "CREATE INDEX trials_by_state_objective ON trials (study_id, state, objective_value)",
            // Ranks trials of every state by objective (`augur trials --order objective` without a state filter).
            "CREATE INDEX trials_by_objective ON trials (study_id, objective_value)",
            // Descending twins: PostgreSQL puts NULLs first when it scans an ascending index backwards, but the
            // best-first order of a maximized objective wants trials without a value last.
            "CREATE INDEX trials_by_state_objective_desc ON trials (study_id, state, objective_value DESC NULLS LAST)",
            "CREATE INDEX trials_by_objective_desc ON trials (study_id, objective_value DESC NULLS LAST)",
            """
            CREATE TABLE measurements (
                study_id BIGINT NOT NULL,
                trial_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                step BIGINT NOT NULL,
                elapsed_seconds DOUBLE PRECISION,
                metrics JSONB NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (study_id, trial_id, seq),
                FOREIGN KEY (study_id, trial_id) REFERENCES trials (study_id, trial_id) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE trial_parameters (
                study_id BIGINT NOT NULL,
                trial_id INTEGER NOT NULL,
                name TEXT NOT NULL,
                value_number DOUBLE PRECISION,
                value_text TEXT,
                PRIMARY KEY (study_id, trial_id, name),
                FOREIGN KEY (study_id, trial_id) REFERENCES trials (study_id, trial_id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX trial_parameters_by_name ON trial_parameters (study_id, name, value_number)",
            """
            CREATE VIEW trial_results AS
            SELECT s.name AS study,
                   t.trial_id,
                   t.state,
                   t.objective_value,
                   t.parameters,
                   t.final_measurement -> 'metrics' AS final_metrics,
                   t.retry_count,
                   t.status_reason,
                   t.worker,
                   t.started_at,
                   t.ended_at,
                   extract(epoch FROM t.ended_at - t.started_at)::double precision AS duration_seconds
            FROM trials t JOIN studies s ON s.id = t.study_id
            """,
            """
            CREATE VIEW study_overview AS
            SELECT s.name AS study,
                   s.state,
                   s.state_reason,
                   s.objective_metric,
                   s.goal,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id) AS trials,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = 'ACTIVE') AS active,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = 'COMPLETED') AS completed,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = 'FAILED') AS failed,
                   CASE s.goal
                       WHEN 'minimize' THEN (SELECT min(objective_value) FROM trials t
                                             WHERE t.study_id = s.id AND t.state = 'COMPLETED')
                       ELSE (SELECT max(objective_value) FROM trials t
                             WHERE t.study_id = s.id AND t.state = 'COMPLETED')
                   END AS best_value,
                   s.created_at
            FROM studies s
            """,
            // Long form of the final metrics: one row per trial and metric, for GROUP BY and pivots.
            """
            CREATE VIEW trial_final_metrics AS
            SELECT s.name AS study,
                   t.trial_id,
                   t.state,
                   m.key AS metric,
                   CASE jsonb_typeof(m.value) WHEN 'number' THEN (m.value #>> '{}')::double precision END AS value
            FROM trials t
            JOIN studies s ON s.id = t.study_id
            CROSS JOIN LATERAL jsonb_each(t.final_measurement -> 'metrics') AS m
            """,
        ],
        // 2: fewer writes per trial. Each trial used to write five secondary index entries when created and again
        // when finished, plus three `trial_parameters` rows with their own index and foreign-key checks; with many
        // workers the creation runs under the study lock, so that write time bounded how many trials per second a
        // study could hand out. Now:
        // - `objective_rank` is the objective signed so that smaller is better (`objective_value` when minimizing,
        //   its negation when maximizing); one ascending index ranks both goals, with trials without a value last,
        //   replacing the four objective indexes (ascending and descending twins, with and without the state).
        // - `trial_parameters` becomes a view over `trials.parameters` with the same columns, so the documented
        //   SQL keeps working and nothing is written twice.
        [
            "ALTER TABLE trials ADD COLUMN objective_rank DOUBLE PRECISION",
            """
            UPDATE trials t SET objective_rank = CASE s.goal WHEN 'maximize' THEN -t.objective_value ELSE t.objective_value END
            FROM studies s WHERE s.id = t.study_id AND t.objective_value IS NOT NULL
            """,
            "DROP INDEX trials_by_state_objective",
            "DROP INDEX trials_by_objective",
            "DROP INDEX trials_by_state_objective_desc",
            "DROP INDEX trials_by_objective_desc",
            "CREATE INDEX trials_by_state_rank ON trials (study_id, state, objective_rank, trial_id)",
            "CREATE INDEX trials_by_rank ON trials (study_id, objective_rank, trial_id)",
            // Partial indexes for what every assignment and report reads: the open trials, and the counts of the
            // states other than COMPLETED. They hold only the few rows they are about (a trial leaves `trials_open`
            // when it ends), and their predicates are exactly those of the store's queries, so the plan the store
            // prepares once per connection uses them however large the table was when it was planned.
            "CREATE INDEX trials_open ON trials (study_id, trial_id) WHERE state IN ('ACTIVE', 'REQUESTED')",
            "CREATE INDEX trials_ended_early ON trials (study_id, state) WHERE state IN ('STOPPED', 'FAILED', 'INFEASIBLE')",
            "DROP TABLE trial_parameters",
            """
            CREATE VIEW trial_parameters AS
            SELECT t.study_id,
                   t.trial_id,
                   p.key AS name,
                   CASE jsonb_typeof(p.value) WHEN 'number' THEN (p.value #>> '{}')::double precision END AS value_number,
                   CASE jsonb_typeof(p.value) WHEN 'string' THEN p.value #>> '{}' END AS value_text
            FROM trials t
            CROSS JOIN LATERAL jsonb_each(t.parameters) AS p
            """,
            """
            CREATE OR REPLACE VIEW study_overview AS
            SELECT s.name AS study,
                   s.state,
                   s.state_reason,
                   s.objective_metric,
                   s.goal,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id) AS trials,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = 'ACTIVE') AS active,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = 'COMPLETED') AS completed,
                   (SELECT count(*) FROM trials t WHERE t.study_id = s.id AND t.state = 'FAILED') AS failed,
                   (SELECT t.objective_value FROM trials t
                    WHERE t.study_id = s.id AND t.state = 'COMPLETED' AND t.objective_rank IS NOT NULL
                    ORDER BY t.objective_rank LIMIT 1) AS best_value,
                   s.created_at
            FROM studies s
            """,
        ],
        // 3: a study's version: a creation id that a study created again under the same name does not share, and a
        // spec revision that each change of the stored spec raises, so caches key specs by (uid, revision).
        [
            "ALTER TABLE studies ADD COLUMN uid TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE studies ADD COLUMN revision INTEGER NOT NULL DEFAULT 1",
            "UPDATE studies SET uid = md5(random()::text || clock_timestamp()::text || id::text) WHERE uid = ''",
        ],
        // 4: metadata clients keep with studies and trials (Vizier's KeyValue): trial_id 0 is the study's own; a
        // value with a type_url is a serialized message, base64-encoded. And the number of trial ids below the
        // highest that name no trial (deleted trials), so that counting by the highest id stays exact.
        [
            "ALTER TABLE studies ADD COLUMN missing_trials INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE metadata (
                study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
                trial_id INTEGER NOT NULL,
                namespace TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                type_url TEXT,
                PRIMARY KEY (study_id, trial_id, namespace, key)
            )
            """,
        ],
        // 5: a trial's state history, as in SQLite: a trigger appends a row whenever a trial is created or its state,
        // worker or retry count changes. The time is the row's own when the change sets one (started_at for a lease,
        // ended_at for an end) and the transaction's clock otherwise (a requeue). The function keeps the search_path
        // it was created with, so it writes to the trial_events of its own schema whatever the session's path.
        [
            """
            CREATE TABLE trial_events (
                id BIGSERIAL PRIMARY KEY,
                study_id BIGINT NOT NULL,
                trial_id INTEGER NOT NULL,
                at TIMESTAMPTZ NOT NULL,
                state TEXT NOT NULL,
                worker TEXT,
                retry_count INTEGER NOT NULL,
                reason TEXT,
                FOREIGN KEY (study_id, trial_id) REFERENCES trials (study_id, trial_id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX trial_events_by_trial ON trial_events (study_id, trial_id, id)",
            """
            CREATE FUNCTION augur_trial_evented() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
                    VALUES (NEW.study_id, NEW.trial_id, COALESCE(NEW.ended_at, NEW.started_at, NEW.created_at), NEW.state,
                            NEW.worker, NEW.retry_count, NEW.status_reason);
                ELSIF OLD.state IS DISTINCT FROM NEW.state OR OLD.worker IS DISTINCT FROM NEW.worker
                      OR OLD.retry_count IS DISTINCT FROM NEW.retry_count THEN
                    INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
                    VALUES (NEW.study_id, NEW.trial_id,
                            CASE
                                WHEN NEW.state IN ('COMPLETED', 'STOPPED', 'FAILED', 'INFEASIBLE') AND NEW.ended_at IS NOT NULL
                                    THEN NEW.ended_at
                                WHEN NEW.state = 'ACTIVE' AND NEW.started_at IS NOT NULL
                                     AND NEW.started_at IS DISTINCT FROM OLD.started_at THEN NEW.started_at
                                ELSE now()
                            END,
                            NEW.state, NEW.worker, NEW.retry_count, NEW.status_reason);
                END IF;
                RETURN NULL;
            END
            $$
            """,
            """
            CREATE TRIGGER trials_evented AFTER INSERT OR UPDATE OF state, worker, retry_count ON trials
            FOR EACH ROW EXECUTE FUNCTION augur_trial_evented()
            """,
            // Trials that existed before this migration get the history their columns still tell.
            """
            INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
            SELECT study_id, trial_id, created_at, 'REQUESTED', NULL, retry_count, NULL FROM trials
            WHERE state = 'REQUESTED' OR started_at > created_at
            ORDER BY study_id, trial_id
            """,
            """
            INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
            SELECT study_id, trial_id, COALESCE(started_at, created_at), 'ACTIVE', worker, retry_count, NULL FROM trials
            WHERE started_at IS NOT NULL OR state = 'ACTIVE'
            ORDER BY study_id, trial_id
            """,
            """
            INSERT INTO trial_events (study_id, trial_id, at, state, worker, retry_count, reason)
            SELECT study_id, trial_id, COALESCE(ended_at, started_at, created_at), state, worker, retry_count, status_reason FROM trials
            WHERE state NOT IN ('REQUESTED', 'ACTIVE')
            ORDER BY study_id, trial_id
            """,
        ],
        // 6: each finished trial's final values of the spec's metrics (`Objective.allMetricNames`, in that order;
        // NULL for one it lacks), so that a Pareto front of 100,000 trials is read without touching measurements.
        // Existing rows are back-filled with the expression `finishTrial` writes new ones with.
        [
            "ALTER TABLE trials ADD COLUMN final_values DOUBLE PRECISION[]",
            """
            UPDATE trials t SET final_values = \(finalValues(measurement: "t.final_measurement", spec: "s.spec"))
            FROM studies s WHERE s.id = t.study_id AND t.final_measurement IS NOT NULL
            """,
        ],
        // 7: the COMPLETED trials' final values in an index of their own, so that a Pareto front of 100,000 trials is
        // an index-only scan in id order instead of 100,000 visits to wide rows (parameters, measurements).
        [
            "CREATE INDEX trials_completed_values ON trials (study_id, trial_id) INCLUDE (final_values) WHERE state = 'COMPLETED'",
        ],
        // 8: front candidates (docs/storage.md). A completed trial the service has found can never again be on the
        // Pareto front nor give the derived reference point its worst value is marked `pruned`; the front is read
        // from the unpruned ones, an index-only scan of their own partial index. Every existing trial starts
        // unpruned (a constant default: no table rewrite), so nothing is back-filled. Deleting a candidate un-prunes
        // the study and raises `candidate_generation`, which a prune must match.
        [
            "ALTER TABLE trials ADD COLUMN pruned BOOLEAN NOT NULL DEFAULT false",
            "ALTER TABLE studies ADD COLUMN candidate_generation BIGINT NOT NULL DEFAULT 0",
            """
            CREATE INDEX trials_front_candidates ON trials (study_id, trial_id) INCLUDE (final_values)
            WHERE state = 'COMPLETED' AND NOT pruned
            """,
        ],
    ]

    /// SQL for the `final_values` of a final measurement (a `jsonb` expression) under a study's spec (`jsonb`): the
    /// value of the objective's metric, then of each additional metric, in the spec's order. A metric the measurement
    /// lacks is NULL; JSON numbers and the strings Augur writes for non-finite values ("nan", "inf", "-inf") are read.
    static func finalValues(measurement: String, spec: String) -> String {
        """
        CASE WHEN \(measurement) IS NOT NULL THEN (
            SELECT array_agg(CASE WHEN jsonb_typeof(\(measurement) -> 'metrics' -> n.name) = 'number'
                                      OR \(measurement) -> 'metrics' ->> n.name IN ('nan', 'inf', '-inf')
                                  THEN (\(measurement) -> 'metrics' ->> n.name)::float8 END ORDER BY n.position)
            FROM (SELECT 0::bigint AS position, \(spec) -> 'objective' ->> 'metric' AS name
                  UNION ALL
                  SELECT m.position, m.metric ->> 'name'
                  FROM jsonb_array_elements(coalesce(\(spec) -> 'objective' -> 'additionalMetrics', '[]'::jsonb))
                       WITH ORDINALITY AS m (metric, position)) n
        ) END
        """
    }

    /// The schema version this build writes and understands.
    static var latestVersion: Int { all.count }

    /// Any fixed number works as long as every Augur uses the same one: it serializes migrations of one database.
    static let advisoryLockKey = "7227113090123413601"

    /// Brings the database to `latestVersion`. Concurrent first openers (several `augur run` starting together) wait
    /// on a session advisory lock, so exactly one of them applies each migration; the rest find the schema current.
    /// Throws `StoreError.schemaTooNew` for a database written by a newer Augur.
    static func migrate(_ connection: PostgresConnection) throws {
        if let version = try currentVersion(connection) {
            if version > latestVersion { throw StoreError.schemaTooNew(found: version, supported: latestVersion) }
            if version == latestVersion { return }
        }
        try connection.execute(PostgresStatement(name: "augur_migration_lock", sql: "SELECT pg_advisory_lock($1::bigint)"), [advisoryLockKey])
        defer {
            _ = try? connection.execute(
                PostgresStatement(name: "augur_migration_unlock", sql: "SELECT pg_advisory_unlock($1::bigint)"), [advisoryLockKey])
        }
        try connection.run("BEGIN")
        do {
            try connection.run("CREATE TABLE IF NOT EXISTS augur_schema (version INTEGER NOT NULL)")
            let found: Int
            if let version = try connection.run("SELECT version FROM augur_schema").int(0, 0) {
                found = version
            } else {
                try connection.run("INSERT INTO augur_schema (version) VALUES (0)")
                found = 0
            }
            if found > latestVersion { throw StoreError.schemaTooNew(found: found, supported: latestVersion) }
            for migration in all[min(found, latestVersion)...] {
                for statement in migration {
                    try connection.run(statement)
                }
            }
            try connection.execute(PostgresStatement(name: "augur_schema_bump", sql: "UPDATE augur_schema SET version = $1::integer"),
                                   [String(latestVersion)])
            try connection.run("COMMIT")
        } catch {
            if connection.isBroken == false { _ = try? connection.run("ROLLBACK") }
            throw error
        }
    }

    /// The version recorded in the database, or `nil` for a database (schema) without Augur tables.
    static func currentVersion(_ connection: PostgresConnection) throws -> Int? {
        let exists = try connection.run("SELECT to_regclass('augur_schema') IS NOT NULL").string(0, 0) == "t"
        guard exists else { return nil }
        return try connection.run("SELECT version FROM augur_schema").int(0, 0)
    }
}
