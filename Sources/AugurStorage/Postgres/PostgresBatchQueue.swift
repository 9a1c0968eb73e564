import AugurCore
import Foundation
import Synchronization

/// Combines requests of one process: a request that finds `lanes` requests of the same key already being served
/// waits, and is then served together with everything else that queued meanwhile, in one round trip or
/// transaction.
///
/// There is no background task: the caller that finds a free lane serves a batch (its own request first, then up
/// to `maximumBatch - 1` queued ones), answers the others, and hands the lane to the next queued caller, if any,
/// which serves the next batch. When a batch fails with an error that `retryAlone` says may come from one request
/// only (a planner asking for an impossible change, a row a statement rejects), its requests are run again one by
/// one, so that one request's error never becomes another's.
final class PostgresBatchQueue<Request: Sendable, Output: Sendable>: Sendable {
    typealias Run = @Sendable ([Request]) async throws -> [Result<Output, any Error>]

    let maximumBatch: Int
    let lanes: Int
    private let retryAlone: @Sendable (any Error) -> Bool
    /// Called for each request once it is answered for good, before its caller resumes.
    private let release: @Sendable (Request) -> Void

    /// What a queued caller is woken with: its answer, or the lane to serve the next batch.
    private enum Wake {
        case answered(Result<Output, any Error>)
        case serve
    }

    private struct Waiter: Sendable {
        let request: Request
        let continuation: CheckedContinuation<Wake, Never>
    }

    private struct Lanes {
        var busy = 0
        var waiting: [Waiter] = []
    }

    private let keys = Mutex<[String: Lanes]>([:])

    init(maximumBatch: Int, lanes: Int = 1, retryAlone: @escaping @Sendable (any Error) -> Bool,
         release: @escaping @Sendable (Request) -> Void = { _ in }) {
        self.maximumBatch = max(maximumBatch, 1)
        self.lanes = max(lanes, 1)
        self.retryAlone = retryAlone
        self.release = release
    }

    func submit(_ request: Request, key: String, run: Run) async throws -> Output {
        let wake: Wake = await withCheckedContinuation { continuation in
            let serves = keys.withLock { keys in
                var state = keys[key] ?? Lanes()
                defer { keys[key] = state }
                if state.busy < lanes {
                    state.busy += 1
                    return true
                }
                state.waiting.append(Waiter(request: request, continuation: continuation))
                return false
            }
            if serves { continuation.resume(returning: .serve) }
        }
        switch wake {
        case .answered(let result):
            return try result.get()
        case .serve:
            return try await serve(request, key: key, run: run).get()
        }
    }

    /// Serves `own` with what is queued, answers the others, and passes the lane on.
    private func serve(_ own: Request, key: String, run: Run) async -> Result<Output, any Error> {
        let others: [Waiter] = keys.withLock { keys in
            guard var state = keys[key] else { return [] }
            let taken = Array(state.waiting.prefix(maximumBatch - 1))
            state.waiting.removeFirst(taken.count)
            keys[key] = state
            return taken
        }
        let requests = [own] + others.map(\.request)
        let outcomes: [Result<Output, any Error>]
        do {
            outcomes = Self.complete(try await run(requests), count: requests.count)
        } catch where requests.count > 1 && retryAlone(error) {
            var one: [Result<Output, any Error>] = []
            for request in requests {
                do {
                    one.append(Self.complete(try await run([request]), count: 1)[0])
                } catch {
                    one.append(.failure(error))
                }
            }
            outcomes = one
        } catch {
            outcomes = requests.map { _ in .failure(error) }
        }
        for (waiter, outcome) in zip(others, outcomes.dropFirst()) {
            release(waiter.request)
            waiter.continuation.resume(returning: .answered(outcome))
        }
        release(own)
        let next: Waiter? = keys.withLock { keys in
            guard var state = keys[key] else { return nil }
            if state.waiting.isEmpty {
                state.busy -= 1
                keys[key] = state.busy == 0 ? nil : state
                return nil
            }
            let first = state.waiting.removeFirst()
            keys[key] = state
            return first
        }
        next?.continuation.resume(returning: .serve)
        return outcomes[0]
    }

    /// How many requests wait for `key` (for tests).
    func waitingCount(key: String) -> Int {
        keys.withLock { $0[key]?.waiting.count ?? 0 }
    }

    /// One outcome per request, even from a run that answered fewer.
    private static func complete(_ results: [Result<Output, any Error>], count: Int) -> [Result<Output, any Error>] {
        (0..<count).map { $0 < results.count ? results[$0] : .failure(StoreError.database("internal error: a batched request got no answer")) }
    }
}
