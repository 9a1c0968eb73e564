import AugurCore
import AugurStorage
import Synchronization

/// Every trial's digest of the studies the dashboard shows, kept current by reading only what changed, and shared.
///
/// A study page asks for its history, importance and learning curves at the same time, and each needs the digests
/// of the whole study (100,000 rows at 100,000 trials, the largest part of each reply's cost). The first of those
/// requests starts the read; the others, and every later request while the study is unchanged, await the same one.
/// "Unchanged" is the study's version and its per-state trial counts: a trial is created, leased, ended or deleted
/// only by changing a count, and a digest (id, state, final objective value) changes only with those. A running
/// trial's measurements do not change its digest, so the digests stay shared while trials run.
///
/// When the counts have changed, the digests are brought up to date from the store's event log
/// (`StudyStore.trialDigestChanges`): only the trials that changed since the last read are read, and the result is
/// checked against the counts; when they disagree (a deleted trial, or on PostgreSQL a change committed out of
/// order) the study is read whole again. A new version of the study (created again) is always read whole.
final class SharedDigests: Sendable {
    struct Key: Hashable, Sendable {
        var version: StudyVersion
        var counts: TrialCounts
    }

    /// A study's digests by id and the store's cursor after them.
    struct Snapshot: Sendable {
        var digests: [TrialDigest]
        var cursor: Int?
    }

    typealias Read = @Sendable (_ since: Int?) async throws -> TrialDigestChanges

    private struct Entry {
        var key: Key
        var read: Task<Snapshot, any Error>
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    /// The most studies whose digests are kept (100,000 digests take about 3 MB).
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The digests of `study` in the state `key` names: the shared read when there is one for that key, else a new
    /// one (from the study's last read when it has the same version) that replaces the study's older entry. A read
    /// that fails is forgotten, so the next request tries again (a database that went away and came back).
    func digests(of study: String, key: Key, read: @escaping Read) async throws -> [TrialDigest] {
        let task = state.withLock { state -> Task<Snapshot, any Error> in
            state.clock += 1
            let existing = state.entries[study]
            if let existing, existing.key == key {
                state.entries[study]?.lastUse = state.clock
                return existing.read
            }
            if existing == nil, state.entries.count >= capacity,
               let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries[oldest] = nil
            }
            let previous = existing.flatMap { $0.key.version == key.version ? $0.read : nil }
            let task = Task { try await Self.refresh(from: previous, to: key.counts, read: read) }
            state.entries[study] = Entry(key: key, read: task, lastUse: state.clock)
            return task
        }
        do {
            return try await task.value.digests
        } catch {
            state.withLock { state in
                if let entry = state.entries[study], entry.key == key { state.entries[study] = nil }
            }
            throw error
        }
    }

    /// The previous snapshot brought up to date, or a whole read when there is none, the store keeps no log, or the
    /// updated digests do not add up to `counts`.
    static func refresh(from previous: Task<Snapshot, any Error>?, to counts: TrialCounts, read: Read) async throws -> Snapshot {
        if let previous, let old = try? await previous.value, let cursor = old.cursor {
            let changes = try await read(cursor)
            if changes.complete { return Snapshot(digests: changes.digests, cursor: changes.cursor) }
            let merged = merge(old.digests, changes.digests)
            if Self.counts(of: merged) == counts { return Snapshot(digests: merged, cursor: changes.cursor) }
        }
        let whole = try await read(nil)
        return Snapshot(digests: whole.digests, cursor: whole.cursor)
    }

    /// `base` with each digest of `changes` in place of the one with its id, or added: both sorted by id.
    static func merge(_ base: [TrialDigest], _ changes: [TrialDigest]) -> [TrialDigest] {
        guard !changes.isEmpty else { return base }
        var merged: [TrialDigest] = []
        merged.reserveCapacity(base.count + changes.count)
        var i = 0, j = 0
        while i < base.count || j < changes.count {
            if j == changes.count || (i < base.count && base[i].id < changes[j].id) {
                merged.append(base[i])
                i += 1
            } else {
                if i < base.count && base[i].id == changes[j].id { i += 1 }
                merged.append(changes[j])
                j += 1
            }
        }
        return merged
    }

    static func counts(of digests: [TrialDigest]) -> TrialCounts {
        var counts = TrialCounts()
        for digest in digests { counts[digest.state] += 1 }
        return counts
    }
}
