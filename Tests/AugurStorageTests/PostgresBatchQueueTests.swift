@testable import AugurStorage
import Synchronization
import Testing

/// The combining queue on its own, with a fake `run` (no server needed).
struct PostgresBatchQueueTests {
    struct Rejected: Error, Equatable {
        var request: Int
    }

    /// A gate the first batch waits at until the test opens it.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let isOpen = state.withLock { state in
                    if !state.open { state.waiters.append(continuation) }
                    return state.open
                }
                if isOpen { continuation.resume() }
            }
        }

        func open() {
            let waiters = state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Requests 1–4 arrive while request 0 is served: they go out as one batch, and when that batch fails because of
    /// request 3, each is run again alone, so only request 3 fails.
    static func outcome(_ body: () async throws -> Int) async -> Result<Int, any Error> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    @Test func queuedRequestsGoTogetherAndOneBadRequestFailsAlone() async throws {
        let released = Mutex<[Int]>([])
        let queue = PostgresBatchQueue<Int, Int>(maximumBatch: 8, retryAlone: { $0 is Rejected }, release: { id in released.withLock { $0.append(id) } })
        let gate = Gate()
        let batches = Mutex<[[Int]]>([])
        let run: PostgresBatchQueue<Int, Int>.Run = { requests in
            batches.withLock { $0.append(requests) }
            if requests == [0] { await gate.wait() }
            if requests.count > 1, let bad = requests.first(where: { $0 == 3 }) { throw Rejected(request: bad) }
            return requests.map { $0 == 3 ? .failure(Rejected(request: 3)) : .success($0 * 10) }
        }
        let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            group.addTask { (0, await Self.outcome { try await queue.submit(0, key: "study", run: run) }) }
            while batches.withLock({ $0.isEmpty }) { await Task.yield() }
            for request in 1...4 {
                group.addTask { (request, await Self.outcome { try await queue.submit(request, key: "study", run: run) }) }
            }
            while queue.waitingCount(key: "study") < 4 { await Task.yield() }
            gate.open()
            return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
        }
        let recorded = batches.withLock { $0 }
        #expect(recorded.first == [0])
        #expect(recorded.count == 6 && Set(recorded[1]) == [1, 2, 3, 4], "one batch of the four queued, then each alone")
        for request in [0, 1, 2, 4] {
            #expect(try results[request]?.get() == request * 10)
        }
        #expect(throws: Rejected(request: 3)) { try results[3]?.get() }
        #expect(released.withLock { $0.sorted() } == [0, 1, 2, 3, 4], "every request released once")
        #expect(queue.waitingCount(key: "study") == 0)
    }

    @Test func aBatchFailingForEveryoneFailsEveryRequest() async throws {
        let queue = PostgresBatchQueue<Int, Int>(maximumBatch: 8, retryAlone: { _ in false })
        await #expect(throws: Rejected(request: -1)) {
            try await queue.submit(1, key: "k") { _ in throw Rejected(request: -1) }
        }
        #expect(try await queue.submit(2, key: "k") { requests in requests.map { .success($0 + 1) } } == 3)
    }
}
