import AugurWorkers

extension StudyRunner {
    /// Runs the study until it ends, the way `augur run` and `augur worker` both do: the first SIGINT or SIGTERM
    /// prints `interruptMessage` and cancels the run (a graceful stop that gives running trials back), and the
    /// progress display is closed whatever happens.
    func runInterruptibly(study name: String, progress: RunProgress, console: Console,
                          interruptMessage: String) async throws -> Ending {
        let running = Task { try await run(study: name) }
        let interrupts = InterruptHandler { _ in
            console.printLine(interruptMessage)
            running.cancel()
        }
        defer {
            interrupts.cancel()
            progress.finish()
        }
        return try await running.value
    }
}
