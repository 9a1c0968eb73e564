import AugurCore
import Foundation
import Synchronization

/// Decoded specs by study version (a version names one spec for good, so a hit needs no comparison), and decoded
/// parameter objects by their text (a study's open trials are read by every planner call); shared by every
/// connection of a store.
final class PostgresSpecCache: Sendable {
    private let entries = BoundedCache<StudyVersion, StudySpec>(capacity: 256)
    private let assignments = BoundedCache<String, DecodedParameters>(capacity: 4_096)

    private struct DecodedParameters: Sendable {
        var studyID: Int64
        var parameters: ParameterAssignment
    }

    func spec(version: StudyVersion, text: String?) throws(StoreError) -> StudySpec {
        if let cached = entries[version] { return cached }
        let spec = try StoreCoding.decodeSpec(text ?? "")
        entries.set(spec, for: version)
        return spec
    }

    func parameters(_ text: String, study: PostgresStoreSession.StoredStudy) throws(StoreError) -> ParameterAssignment {
        if let cached = assignments[text], cached.studyID == study.id { return cached.parameters }
        let parameters = try StoreCoding.decodeParameters(text, space: study.study.spec.searchSpace)
        assignments.set(DecodedParameters(studyID: study.id, parameters: parameters), for: text)
        return parameters
    }
}

/// The store's operations on one connection, run on the pool's queue (blocking). Every SQL statement is a prepared
/// statement with `$n` parameters; the only text ever spliced into SQL is fixed column lists and ORDER BY clauses
/// chosen from enums, never a value from a user.
///
/// The operations live in extensions: `+Studies`, `+Trials`, `+Assignment`.
struct PostgresStoreSession {
    let connection: PostgresConnection
    let specs: PostgresSpecCache

    /// A study with the row id its trials refer to.
    struct StoredStudy {
        var id: Int64
        var study: Study
    }

    // MARK: Columns

    /// `extract(epoch …)` as a double: the text form round-trips exactly to `Date(timeIntervalSince1970:)`.
    static func epoch(_ column: String) -> String {
        "extract(epoch FROM \(column))::float8"
    }

    /// Seven columns (0–6) read by `storedStudy(_:row:)`.
    static func studyColumns(_ alias: String) -> String {
        """
        \(alias).id, \(alias).spec::text, \(alias).state, \(alias).state_reason, \(epoch("\(alias).created_at")), \
        \(alias).uid, \(alias).revision
        """
    }

    static let studyColumnCount = 7

    /// Twelve columns read by `trial(_:row:at:of:)`; the last is the JSON array of intermediate measurements, or NULL
    /// when `measurements` is false. `final` false leaves the final measurement out (planner snapshots).
    static func trialColumns(_ alias: String, measurements: Bool = true, final: Bool = true) -> String {
        let t = alias
        let measurementList = measurements
            ? """
            (SELECT jsonb_agg(jsonb_build_object('step', m.step, 'elapsedSeconds', m.elapsed_seconds, 'metrics', m.metrics) \
            ORDER BY m.seq) FROM measurements m WHERE m.study_id = \(t).study_id AND m.trial_id = \(t).trial_id)::text
            """
            : "NULL::text"
        return """
            \(t).trial_id, \(t).parameters::text, \(t).state, \(epoch("\(t).created_at")), \(epoch("\(t).started_at")), \
            \(epoch("\(t).ended_at")), \(t).worker, \(epoch("\(t).lease_expires_at")), \(t).retry_count, \
            \(final ? "\(t).final_measurement::text" : "NULL::text"), \(t).status_reason, \(measurementList)
            """
    }

    // MARK: Rows

    func storedStudy(_ result: PostgresResult, row: Int, at offset: Int = 0) throws(StoreError) -> StoredStudy {
        guard let id = result.string(row, offset).flatMap({ Int64($0) }) else {
            throw .database("a study row without an id; was the row edited by hand?")
        }
        let version = StudyVersion(uid: result.string(row, offset + 5) ?? "", revision: result.int(row, offset + 6) ?? 1)
        let spec = try specs.spec(version: version, text: result.string(row, offset + 1))
        let stateText = result.string(row, offset + 2) ?? ""
        guard let state = StudyState(rawValue: stateText) else {
            throw .database("study '\(spec.name)' has the unknown state '\(stateText)'; was the row edited by hand?")
        }
        let study = Study(spec: spec, state: state, stateReason: result.string(row, offset + 3),
                          createdAt: result.date(row, offset + 4) ?? Date(timeIntervalSince1970: 0), version: version)
        return StoredStudy(id: id, study: study)
    }

    func trial(_ result: PostgresResult, row: Int, at offset: Int = 0, of study: StoredStudy) throws(StoreError) -> Trial {
        let id = result.int(row, offset) ?? 0
        let stateText = result.string(row, offset + 2) ?? ""
        guard let state = TrialState(rawValue: stateText) else {
            throw .database("trial \(id) of study '\(study.study.name)' has the unknown state '\(stateText)'")
        }
        let final = try result.string(row, offset + 9).map { (text) throws(StoreError) in try StoreCoding.decodeMeasurement(text) }
        let measurements = try result.string(row, offset + 11).map { (text) throws(StoreError) in
            try StoreCoding.decode([TrialMeasurement].self, from: text, what: "measurements")
        }
        return Trial(
            id: id, study: study.study.name,
            parameters: try specs.parameters(result.string(row, offset + 1) ?? "{}", study: study),
            state: state, createdAt: result.date(row, offset + 3) ?? Date(timeIntervalSince1970: 0),
            startedAt: result.date(row, offset + 4), endedAt: result.date(row, offset + 5), worker: result.string(row, offset + 6),
            leaseExpiresAt: result.date(row, offset + 7), retryCount: result.int(row, offset + 8) ?? 0,
            measurements: measurements ?? [], finalMeasurement: final, statusReason: result.string(row, offset + 10))
    }

    func trials(_ result: PostgresResult, at offset: Int = 0, of study: StoredStudy) throws(StoreError) -> [Trial] {
        var trials: [Trial] = []
        trials.reserveCapacity(result.rowCount)
        for row in 0..<result.rowCount {
            trials.append(try trial(result, row: row, at: offset, of: study))
        }
        return trials
    }

    // MARK: Shared lookups

    private static let studyByName = PostgresStatement(
        name: "augur_study_by_name", sql: "SELECT \(studyColumns("s")) FROM studies s WHERE s.name = $1")

    func storedStudy(named name: String) throws -> StoredStudy? {
        let result = try connection.execute(Self.studyByName, [name])
        return result.rowCount == 0 ? nil : try storedStudy(result, row: 0)
    }

    func requireStudy(named name: String) throws -> StoredStudy {
        guard let stored = try storedStudy(named: name) else { throw StoreError.studyNotFound(name) }
        return stored
    }

    static let lockStudy = PostgresStatement(
        name: "augur_lock_study",
        sql: "SELECT \(studyColumns("s")), \(epoch("clock_timestamp()")) FROM studies s WHERE s.name = $1 FOR NO KEY UPDATE")

    /// Locks the study's row for the rest of the transaction (serializing trial creation and assignment across every
    /// connection and process) and returns it with the server's clock once the lock is held.
    func lockStudy(named name: String) throws -> (study: StoredStudy, now: Date) {
        let result = try connection.execute(Self.lockStudy, [name])
        guard result.rowCount > 0 else { throw StoreError.studyNotFound(name) }
        return (try storedStudy(result, row: 0), result.date(0, Self.studyColumnCount) ?? Date())
    }

    private static let trialByID = PostgresStatement(
        name: "augur_trial_by_id",
        sql: """
            SELECT \(studyColumns("s")), \(trialColumns("t"))
            FROM studies s LEFT JOIN trials t ON t.study_id = s.id AND t.trial_id = $2::integer
            WHERE s.name = $1
            """)

    /// The study (or `StoreError.studyNotFound`) and one of its trials with measurements (or `nil`).
    func loadTrial(study name: String, id: Int) throws -> (study: StoredStudy, trial: Trial?) {
        let result = try connection.execute(Self.trialByID, [name, String(id)])
        guard result.rowCount > 0 else { throw StoreError.studyNotFound(name) }
        let study = try storedStudy(result, row: 0)
        guard result.string(0, Self.studyColumnCount) != nil else { return (study, nil) }
        return (study, try trial(result, row: 0, at: Self.studyColumnCount, of: study))
    }

    // MARK: Parameters

    /// A date as the text `to_timestamp($n::float8)` reads, rounded to the microseconds PostgreSQL keeps.
    static func timestamp(_ date: Date?) -> String? {
        date.map { String(microseconds($0).timeIntervalSince1970) }
    }

    /// The date PostgreSQL stores for `date` (and `extract(epoch …)` reads back): rounded to microseconds.
    static func microseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }

    /// A PostgreSQL array literal (`{"a","b"}`) of the given texts, for `$n::text[]` parameters.
    static func arrayLiteral(_ values: [String]) -> String {
        arrayLiteral(values.lazy.map(Optional.some))
    }

    /// A PostgreSQL array literal of the given texts, `nil` written as NULL (`{"a",NULL}`).
    static func arrayLiteral<Values: Sequence<String?>>(_ values: Values) -> String {
        // Every element quoted, with `\` and `"` escaped by a backslash (a byte loop: this runs for every trial).
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for value in values {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            guard let value else {
                bytes += "NULL".utf8
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func arrayLiteral(_ values: [Int]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
