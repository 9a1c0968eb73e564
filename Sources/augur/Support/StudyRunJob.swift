import ArgumentParser
import AugurWorkers
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The run loop of `augur run` and `augur worker` as a service of the command's `ServiceGroup`.
///
/// Graceful shutdown (the first SIGINT or SIGTERM) prints `interruptMessage` and cancels the run, which is the run
/// loop's graceful stop: running trials are terminated (SIGTERM, then SIGKILL after their grace period) and given
/// back, and the service returns once that is recorded. Cancellation of the group (``runServices`` cancels it at a
/// second signal) ends the running trials at once (SIGKILL). Progress is drawn from the run's events while it runs.
///
/// The run's result, or the error that ended it, is kept in ``outcome`` for the command to report after the group
/// has shut down (an error is not thrown into the group, so that the group's other services still stop gracefully).
final class StudyRunJob: Service, Sendable {
    /// What the command prepared for the run: the runner (reporting to the continuation it was given), the study,
    /// and the progress display.
    struct Prepared: Sendable {
        var runner: StudyRunner
        var study: String
        var progress: RunProgress
    }

    private let prepare: @Sendable (AsyncStream<RunEvent>.Continuation) async throws -> Prepared
    private let console: Console
    private let interruptMessage: String
    private let result = Mutex<Result<StudyRunner.Ending, any Error>?>(nil)
    private let interrupted = Atomic(false)

    /// - Parameter prepare: makes the runner, with the given continuation as its events (e.g. after creating the
    ///   study); runs inside the service, so a signal during preparation cancels it too.
    init(console: Console, interruptMessage: String,
         prepare: @escaping @Sendable (AsyncStream<RunEvent>.Continuation) async throws -> Prepared) {
        self.prepare = prepare
        self.console = console
        self.interruptMessage = interruptMessage
    }

    /// How the run ended; call after the group's `run()` returned. A run cut short by a second signal before it
    /// could say how it ended exits with status 130.
    func outcome() throws -> StudyRunner.Ending {
        switch result.withLock({ $0 }) {
        case .success(let ending)?:
            return ending
        case .failure(let error)? where !interrupted.load(ordering: .acquiring):
            throw error
        case .failure?, nil:
            throw ExitCode(130)
        }
    }

    func run() async {
        let ending = await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await Result { try await cancelWhenGracefulShutdown { try await self.runPrepared() } }
            } onGracefulShutdown: { [self] in
                interrupted.store(true, ordering: .releasing)
                console.printLine(interruptMessage)
            }
        } onCancel: { [console] in
            // The group is cancelled (a second signal): the user asked to quit at once.
            console.printLine("augur: killing running trials now")
            CommandTrialRunner.killAllRunningTrials()
        }
        result.withLock { $0 = ending }
    }

    private func runPrepared() async throws -> StudyRunner.Ending {
        let (events, continuation) = AsyncStream<RunEvent>.makeStream()
        return try await withThrowingTaskGroup(of: StudyRunner.Ending?.self) { group in
            defer { continuation.finish() }
            let prepared = try await prepare(continuation)
            group.addTask {
                await prepared.progress.render(events)
                return nil
            }
            let ending = try await prepared.runner.run(study: prepared.study)
            continuation.finish()
            try await group.waitForAll()
            return ending
        }
    }

}

extension Result where Failure == any Error {
    /// The result of `body`, or the error it threw.
    init(_ body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

/// The one lifecycle of the long-running commands: `services` run in a `ServiceGroup` that turns SIGINT and SIGTERM
/// into a graceful shutdown (services are shut down in reverse order, so a runner gives its trials back before the
/// client connection it uses closes). A second signal cancels the group: the user asked to quit at once. The group's
/// own messages are logged at warning level and above only.
func runServices(_ services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger) async throws {
    var groupLogger = logger
    groupLogger.logLevel = max(logger.logLevel, .warning)
    var configuration = ServiceGroupConfiguration(services: services, logger: groupLogger)
    configuration.gracefulShutdownSignals = [.sigint, .sigterm]
    let group = ServiceGroup(configuration: configuration)
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    try await withThrowingTaskGroup(of: Bool.self) { tasks in
        tasks.addTask {
            try await group.run()
            return true
        }
        tasks.addTask {
            var count = 0
            for await _ in signals {
                count += 1
                if count == 2 { return false }
            }
            return false
        }
        while let groupFinished = try await tasks.next() {
            if groupFinished {
                tasks.cancelAll()
                return
            }
            if Task.isCancelled { break }
            // The second signal: cancel the group and let it return however it does.
            tasks.cancelAll()
            while (try? await tasks.next()) != nil {}
            return
        }
    }
}
