import AugurWorkers
import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a graceful stop: the first signal calls `onInterrupt` (which cancels the run); a
/// second one kills the running trials' process groups and exits at once with status 130.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(onInterrupt: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "augur.signals")
        let counter = SignalCounter()
        sources = [SIGINT, SIGTERM].map { signalNumber in
            // The default action would kill augur at once; ignore it and watch for it instead.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                if counter.increment() == 1 {
                    onInterrupt(signalNumber)
                } else {
                    CommandTrialRunner.killAllRunningTrials()
                    exit(130)
                }
            }
            source.resume()
            return source
        }
    }

    /// Stops watching and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// How many interrupting signals arrived.
private final class SignalCounter: Sendable {
    private let count = Mutex(0)

    func increment() -> Int {
        count.withLock { count in
            count += 1
            return count
        }
    }
}
