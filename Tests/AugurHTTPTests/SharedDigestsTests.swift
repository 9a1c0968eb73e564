import AugurCore
@testable import AugurHTTP
import AugurStorage
import Synchronization
import Testing

@Suite struct SharedDigestsTests {
    struct ReadFailed: Error {}

    /// A study in memory with a log of changes, as a store with `trial_events` keeps it, counting what it is asked.
    final class Study: Sendable {
        struct State {
            var trials: [Int: TrialDigest] = [:]
            /// The id of each trial's latest change; the log's newest id is the cursor.
            var changed: [Int: Int] = [:]
            var newest = 0
            var wholeReads = 0
            var changeReads = 0
            var failNext = false
        }

        let state = Mutex(State())

        func set(_ id: Int, _ trialState: TrialState, _ value: Double? = nil) {
            state.withLock { state in
                state.newest += 1
                state.trials[id] = TrialDigest(id: id, state: trialState, objectiveValue: value)
                state.changed[id] = state.newest
            }
        }

        /// Deletes a trial with its log entries, as the stores' cascade does.
        func delete(_ id: Int) {
            state.withLock { state in
                state.trials[id] = nil
                state.changed[id] = nil
            }
        }

        var counts: TrialCounts { SharedDigests.counts(of: state.withLock { Array($0.trials.values) }) }
        var digests: [TrialDigest] { state.withLock { $0.trials.values.sorted { $0.id < $1.id } } }

        func read(since cursor: Int?) throws -> TrialDigestChanges {
            try state.withLock { state in
                if state.failNext {
                    state.failNext = false
                    throw ReadFailed()
                }
                let all = state.trials.values.sorted { $0.id < $1.id }
                guard let cursor else {
                    state.wholeReads += 1
                    return TrialDigestChanges(digests: all, complete: true, cursor: state.newest)
                }
                state.changeReads += 1
                let changed = all.filter { (state.changed[$0.id] ?? 0) > cursor }
                return TrialDigestChanges(digests: changed, complete: false, cursor: state.newest)
            }
        }
    }

    static func digests(_ shared: SharedDigests, _ study: Study, name: String = "s", version: StudyVersion) async throws -> [TrialDigest] {
        try await shared.digests(of: name, key: .init(version: version, counts: study.counts)) { try study.read(since: $0) }
    }

    @Test func anUnchangedStudyIsReadOnceAndAChangedOneOnlyForWhatChanged() async throws {
        let shared = SharedDigests(capacity: 4)
        let study = Study()
        let version = StudyVersion.new()
        for id in 1...5 { study.set(id, .active) }
        #expect(try await Self.digests(shared, study, version: version) == study.digests)
        #expect(try await Self.digests(shared, study, version: version) == study.digests)
        #expect(study.state.withLock { ($0.wholeReads, $0.changeReads) } == (1, 0), "an unchanged study is not read again")

        study.set(2, .completed, 0.5)
        study.set(6, .requested)
        study.set(3, .failed)
        #expect(try await Self.digests(shared, study, version: version) == study.digests)
        #expect(study.state.withLock { ($0.wholeReads, $0.changeReads) } == (1, 1), "only the changes were read")

        // A deleted trial leaves the counts short of the digests assembled from changes, so the study is read whole.
        study.delete(4)
        study.set(7, .requested)
        #expect(try await Self.digests(shared, study, version: version) == study.digests)
        #expect(study.state.withLock { ($0.wholeReads, $0.changeReads) } == (2, 2))

        // A study created again under the same name is another study: read whole.
        let recreated = Study()
        recreated.set(1, .completed, 1)
        #expect(try await Self.digests(shared, recreated, version: .new()) == recreated.digests)
        #expect(recreated.state.withLock { ($0.wholeReads, $0.changeReads) } == (1, 0))
    }

    /// A change the log did not show (PostgreSQL: committed after a later change's cursor) also makes the counts
    /// disagree, and the study is read whole.
    @Test func aChangeMissingFromTheLogIsCaughtByTheCounts() async throws {
        let shared = SharedDigests(capacity: 4)
        let study = Study()
        let version = StudyVersion.new()
        for id in 1...3 { study.set(id, .active) }
        _ = try await Self.digests(shared, study, version: version)
        study.state.withLock { state in
            state.trials[2] = TrialDigest(id: 2, state: .completed, objectiveValue: 0.25)  // no log entry
        }
        #expect(try await Self.digests(shared, study, version: version) == study.digests)
        #expect(study.state.withLock { ($0.wholeReads, $0.changeReads) } == (2, 1))
    }

    @Test func aFailedReadIsForgottenSoTheNextRequestTriesAgain() async throws {
        let shared = SharedDigests(capacity: 4)
        let study = Study()
        study.set(1, .active)
        let version = StudyVersion.new()
        study.state.withLock { $0.failNext = true }
        await #expect(throws: ReadFailed.self) { _ = try await Self.digests(shared, study, version: version) }
        #expect(try await Self.digests(shared, study, version: version) == study.digests)
    }

    @Test func theLeastRecentlyUsedStudyMakesRoom() async throws {
        let shared = SharedDigests(capacity: 2)
        let studies = (0..<3).map { _ in Study() }
        for study in studies { study.set(1, .active) }
        let version = StudyVersion.new()
        _ = try await Self.digests(shared, studies[0], name: "a", version: version)
        _ = try await Self.digests(shared, studies[1], name: "b", version: version)
        _ = try await Self.digests(shared, studies[0], name: "a", version: version)
        _ = try await Self.digests(shared, studies[2], name: "c", version: version)
        _ = try await Self.digests(shared, studies[0], name: "a", version: version)
        #expect(studies[0].state.withLock { $0.wholeReads } == 1, "a, used last, was kept")
        _ = try await Self.digests(shared, studies[1], name: "b", version: version)
        #expect(studies[1].state.withLock { $0.wholeReads } == 2, "b, used least recently, made room for c")
    }

    @Test(arguments: 0..<20)
    func mergingReplacesAndAddsByID(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        let base = (1...30).filter { _ in generator.nextUnit() < 0.7 }.map { TrialDigest(id: $0, state: .active, objectiveValue: nil) }
        let changes = (1...40).filter { _ in generator.nextUnit() < 0.3 }.map { TrialDigest(id: $0, state: .completed, objectiveValue: Double($0)) }
        var expected = Dictionary(uniqueKeysWithValues: base.map { ($0.id, $0) })
        for change in changes { expected[change.id] = change }
        #expect(SharedDigests.merge(base, changes) == expected.values.sorted { $0.id < $1.id })
    }
}
