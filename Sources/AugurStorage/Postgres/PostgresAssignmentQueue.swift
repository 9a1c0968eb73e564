import AugurCore
import Foundation
import Synchronization

/// Gathers the assignment requests of one process by study, so that requests arriving while an assignment of the
/// same study runs are served together by the next one.
///
/// The first request of an idle study starts a drain task; while it runs, later requests queue up, and each round
/// takes everything queued (up to `maximumBatch`) into one transaction. When a round fails for a reason other than
/// the connection (a planner asked for an impossible change, say), its requests are retried one by one, so that one
/// request's error never becomes another's.
final class PostgresAssignmentQueue: Sendable {
    typealias Request = PostgresStoreSession.AssignmentRequest
    typealias Run = @Sendable ([Request]) async throws -> [Result<[Trial], any Error>]

    static let maximumBatch = 64

    private final class Waiter: @unchecked Sendable {
        let request: Request
        let continuation: CheckedContinuation<[Trial], any Error>

        init(request: Request, continuation: CheckedContinuation<[Trial], any Error>) {
            self.request = request
            self.continuation = continuation
        }
    }

    /// Queued requests by study; a study is present while its drain task runs.
    private let queues = Mutex<[String: [Waiter]]>([:])

    func submit(_ request: Request, study: String, run: @escaping Run) async throws -> [Trial] {
        try await withCheckedThrowingContinuation { continuation in
            let waiter = Waiter(request: request, continuation: continuation)
            let startsDrain = queues.withLock { queues in
                if queues[study] != nil {
                    queues[study]?.append(waiter)
                    return false
                }
                queues[study] = [waiter]
                return true
            }
            if startsDrain {
                Task { await self.drain(study: study, run: run) }
            }
        }
    }

    private func drain(study: String, run: Run) async {
        while true {
            let batch: [Waiter] = queues.withLock { queues in
                let waiting = queues[study] ?? []
                if waiting.isEmpty {
                    queues[study] = nil
                    return []
                }
                let taken = Array(waiting.prefix(Self.maximumBatch))
                queues[study] = Array(waiting.dropFirst(taken.count))
                return taken
            }
            if batch.isEmpty { return }
            await serve(batch, run: run)
        }
    }

    private func serve(_ batch: [Waiter], run: Run) async {
        let outcomes: [Result<[Trial], any Error>]
        do {
            let results = try await run(batch.map(\.request))
            outcomes = batch.indices.map { $0 < results.count ? results[$0] : .failure(StoreError.database("internal error: an assignment got no answer")) }
        } catch let error as StoreError where batch.count > 1 && Self.isRequestSpecific(error) {
            var one: [Result<[Trial], any Error>] = []
            for waiter in batch {
                do {
                    one.append(try await run([waiter.request]).first ?? .failure(StoreError.database("internal error: an assignment got no answer")))
                } catch {
                    one.append(.failure(error))
                }
            }
            outcomes = one
        } catch {
            outcomes = batch.map { _ in .failure(error) }
        }
        for (waiter, outcome) in zip(batch, outcomes) {
            waiter.request.planner = nil
            waiter.continuation.resume(with: outcome)
        }
    }

    /// Errors that come from one request's plan rather than from the database as a whole.
    private static func isRequestSpecific(_ error: StoreError) -> Bool {
        switch error {
        case .trialNotActive, .trialNotFound, .notOwner: true
        case .studyExists, .studyNotFound, .connection, .database, .schemaTooNew: false
        }
    }
}
