import AugurCore
import Foundation

/// A `StudyStore` kept in memory, for tests of the service, the run loop and the RPC layer without a database, and
/// for throwaway studies. It passes the same contract tests as the SQLite and PostgreSQL stores
/// (Tests/AugurStorageTests/StoreContractTests.swift): plans apply atomically in the documented order, a requeue
/// discards the lost attempt's measurements, a repeated measurement is recorded once. Its clock can be moved
/// (`advanceClock(by:)`) to expire leases, and `updateTrial` changes a trial behind the service's back (another
/// process).
public actor InMemoryStudyStore: StudyStore {
    private var studies: [String: Study] = [:]
    private var trialsByStudy: [String: [Trial]] = [:]
    private var metadataByStudy: [String: StudyMetadata] = [:]
    /// The pruned trials (no longer front candidates) and the candidate generation of each study.
    private var prunedByStudy: [String: Set<Int>] = [:]
    private var candidateGenerationByStudy: [String: Int] = [:]
    /// The clock the store stamps leases against; tests move it forward to expire leases.
    public var now: Date

    public init(now: Date = Date()) {
        self.now = now
    }

    public func advanceClock(by seconds: TimeInterval) {
        now = now.addingTimeInterval(seconds)
    }

    /// Sets fields of a stored trial directly (simulating another process).
    public func updateTrial(study: String, id: Int, _ change: @Sendable (inout Trial) -> Void) {
        guard var trials = trialsByStudy[study], let index = trials.firstIndex(where: { $0.id == id }) else { return }
        change(&trials[index])
        trialsByStudy[study] = trials
    }

    public func createStudy(_ spec: StudySpec) throws -> Study {
        guard studies[spec.name] == nil else { throw StoreError.studyExists(spec.name) }
        let study = Study(spec: spec, createdAt: now)
        studies[spec.name] = study
        trialsByStudy[spec.name] = []
        return study
    }

    public func study(named name: String) -> Study? { studies[name] }

    public func studySummaries() -> [StudySummary] {
        studies.values.sorted { $0.name < $1.name }.map { study in
            let counts = counts(study.name)
            let best = sorted(trialsByStudy[study.name, default: []].filter { $0.state == .completed }, study: study).first
            return StudySummary(study: study, counts: counts, bestValue: best?.finalValue(of: study.spec.objective.metric))
        }
    }

    public func deleteStudy(named name: String) throws {
        guard studies.removeValue(forKey: name) != nil else { throw StoreError.studyNotFound(name) }
        trialsByStudy[name] = nil
        metadataByStudy[name] = nil
        prunedByStudy[name] = nil
        candidateGenerationByStudy[name] = nil
    }

    public func setStudyBudget(_ name: String, to budget: Budget) throws -> Study {
        guard var study = studies[name] else { throw StoreError.studyNotFound(name) }
        guard study.spec.budget != budget else { return study }
        study.spec.budget = budget
        study.version.revision += 1
        studies[name] = study
        return study
    }

    public func setStudyState(_ name: String, to state: StudyState, reason: String?) throws {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        studies[name]?.state = state
        studies[name]?.stateReason = reason
    }

    public func assignTrials(
        study name: String, worker: String, leaseExpiresAt: Date?, history: HistoryScope,
        planner: @Sendable (StudySnapshot) throws -> AssignmentPlan
    ) throws -> [Trial] {
        guard let study = studies[name] else { throw StoreError.studyNotFound(name) }
        var trials = trialsByStudy[name, default: []]
        let historyTrials: [Trial]
        switch history {
        case .countsOnly: historyTrials = []
        case .parameters: historyTrials = trials.map { var t = $0; t.measurements = []; t.finalMeasurement = nil; return t }
        case .finalMeasurements: historyTrials = trials.map { var t = $0; t.measurements = []; return t }
        }
        let snapshot = StudySnapshot(
            study: study, counts: counts(name),
            activeTrials: trials.filter { $0.state == .active },
            requestedTrials: trials.filter { $0.state == .requested }.sorted { $0.id < $1.id },
            history: historyTrials, now: now)
        let plan = try planner(snapshot)
        // Changes go to a copy that is stored only when the whole plan applied: a bad step changes nothing.
        func update(_ id: Int, from state: TrialState, _ change: (inout Trial) -> Void) throws {
            guard let index = trials.firstIndex(where: { $0.id == id }) else { throw StoreError.trialNotFound(study: name, trial: id) }
            guard trials[index].state == state else { throw StoreError.trialNotActive(study: name, trial: id, state: trials[index].state) }
            change(&trials[index])
        }
        for id in plan.requeue {
            try update(id, from: .active) { trial in
                trial.retryCount += 1
                trial.statusReason = TrialRules.requeueReason(worker: trial.worker, retry: trial.retryCount)
                trial.state = .requested
                trial.worker = nil
                trial.leaseExpiresAt = nil
                trial.startedAt = nil
                // The retry starts from scratch; measurements of the lost attempt would repeat its steps.
                trial.measurements = []
            }
        }
        for (id, reason) in plan.fail.sorted(by: { $0.key < $1.key }) {
            try update(id, from: .active) { $0.state = .failed; $0.statusReason = reason; $0.endedAt = now; $0.leaseExpiresAt = nil }
        }
        var handed: [Trial] = []
        for id in plan.assignRequested {
            try update(id, from: .requested) { $0.state = .active; $0.worker = worker; $0.leaseExpiresAt = leaseExpiresAt; $0.startedAt = now }
            if let trial = trials.first(where: { $0.id == id }) { handed.append(trial) }
        }
        for parameters in plan.create {
            let trial = Trial(id: (trials.map(\.id).max() ?? 0) + 1, study: name, parameters: parameters, state: .active,
                              createdAt: now, startedAt: now, worker: worker, leaseExpiresAt: leaseExpiresAt)
            trials.append(trial)
            handed.append(trial)
        }
        trialsByStudy[name] = trials
        if let change = plan.studyState {
            studies[name]?.state = change.state
            studies[name]?.stateReason = change.reason
        }
        return handed
    }

    public func requestTrial(study name: String, parameters: ParameterAssignment) throws -> Trial {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        let trial = Trial(id: (trialsByStudy[name, default: []].map(\.id).max() ?? 0) + 1, study: name, parameters: parameters, createdAt: now)
        trialsByStudy[name, default: []].append(trial)
        return trial
    }

    public func trial(study name: String, id: Int) throws -> Trial? {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        return trialsByStudy[name, default: []].first { $0.id == id }
    }

    public func trials(study name: String, query: TrialQuery) throws -> [Trial] {
        guard let study = studies[name] else { throw StoreError.studyNotFound(name) }
        var result = trialsByStudy[name, default: []].filter { query.states?.contains($0.state) ?? true }
        switch query.order {
        case .id: result.sort { $0.id < $1.id }
        case .objective: result = sorted(result, study: study)
        case .metric(let metric, let goal): result = sorted(result, metric: metric, goal: goal)
        }
        result = Array(result.dropFirst(query.offset))
        if let limit = query.limit { result = Array(result.prefix(limit)) }
        if !query.includeMeasurements { result = result.map { var t = $0; t.measurements = []; return t } }
        return result
    }

    public func trialCounts(study name: String) throws -> TrialCounts {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        return counts(name)
    }

    public func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement, leaseExpiresAt: Date?) throws {
        let trial = try activeTrial(name, id)
        updateTrial(study: name, id: trial.id) { trial in
            // A repeat of the last measurement (a call retried after its reply was lost) is not recorded again.
            if trial.measurements.last != measurement { trial.measurements.append(measurement) }
            if let leaseExpiresAt { trial.leaseExpiresAt = leaseExpiresAt }
        }
    }

    public func renewLease(study name: String, trial id: Int, worker: String, until: Date) throws {
        let trial = try activeTrial(name, id)
        guard trial.worker == worker else { throw StoreError.notOwner(study: name, trial: id, owner: trial.worker) }
        updateTrial(study: name, id: id) { $0.leaseExpiresAt = until }
    }

    public func finishTrial(study name: String, trial id: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?) throws -> Trial {
        guard state.isTerminal else { throw TrialRules.nonTerminalFinish(study: name, trial: id, state: state) }
        guard let trial = try trial(study: name, id: id) else { throw StoreError.trialNotFound(study: name, trial: id) }
        if trial.state == state { return trial }
        guard TrialRules.mayFinish(from: trial.state, to: state) else {
            throw StoreError.trialNotActive(study: name, trial: id, state: trial.state)
        }
        let endedAt = now
        updateTrial(study: name, id: id) { trial in
            trial.state = state
            trial.finalMeasurement = finalMeasurement
            trial.statusReason = reason
            trial.endedAt = endedAt
            trial.leaseExpiresAt = nil
        }
        return try self.trial(study: name, id: id) ?? trial
    }

    public func updateMetadata(study name: String, updates: [MetadataUpdate]) throws {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        let ids = Set(trialsByStudy[name, default: []].map(\.id))
        if let missing = updates.compactMap(\.trial).first(where: { !ids.contains($0) }) {
            throw StoreError.trialNotFound(study: name, trial: missing)
        }
        metadataByStudy[name] = metadataByStudy[name, default: StudyMetadata()].applying(updates)
    }

    public func metadata(study name: String) throws -> StudyMetadata {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        return metadataByStudy[name] ?? StudyMetadata()
    }

    public func deleteTrial(study name: String, trial id: Int) throws {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        guard trialsByStudy[name, default: []].contains(where: { $0.id == id }) else { throw StoreError.trialNotFound(study: name, trial: id) }
        let candidate = trialsByStudy[name, default: []].contains { $0.id == id && $0.state == .completed }
            && !prunedByStudy[name, default: []].contains(id)
        trialsByStudy[name]?.removeAll { $0.id == id }
        metadataByStudy[name]?.trials[id] = nil
        prunedByStudy[name]?.remove(id)
        if candidate {
            prunedByStudy[name] = nil
            candidateGenerationByStudy[name, default: 0] += 1
        }
    }

    public func frontCandidateValues(study name: String, metrics: [String]) async throws -> FrontCandidates {
        let generation = candidateGenerationByStudy[name, default: 0]
        let pruned = prunedByStudy[name, default: []]
        let all = try await completedFinalMetrics(study: name, metrics: metrics)
        return FrontCandidates(table: FinalValueTable(metrics: metrics, finalMetrics: all.filter { !pruned.contains($0.id) }),
                               generation: generation)
    }

    public func pruneTrials(study name: String, ids: [Int], generation: Int) throws {
        guard studies[name] != nil else { throw StoreError.studyNotFound(name) }
        guard candidateGenerationByStudy[name, default: 0] == generation else { return }
        let completed = Set(trialsByStudy[name, default: []].filter { $0.state == .completed }.map(\.id))
        prunedByStudy[name, default: []].formUnion(ids.filter(completed.contains))
    }

    // MARK: Helpers

    private func activeTrial(_ name: String, _ id: Int) throws -> Trial {
        guard let trial = try trial(study: name, id: id) else { throw StoreError.trialNotFound(study: name, trial: id) }
        guard trial.state == .active else { throw StoreError.trialNotActive(study: name, trial: id, state: trial.state) }
        return trial
    }

    private func counts(_ name: String) -> TrialCounts {
        var counts = TrialCounts()
        for trial in trialsByStudy[name, default: []] { counts[trial.state] += 1 }
        return counts
    }

    private func sorted(_ trials: [Trial], study: Study) -> [Trial] {
        sorted(trials, metric: study.spec.objective.metric, goal: study.spec.objective.goal)
    }

    private func sorted(_ trials: [Trial], metric: String, goal: ObjectiveGoal) -> [Trial] {
        trials.sorted { a, b in
            switch (a.finalValue(of: metric), b.finalValue(of: metric)) {
            case let (x?, y?): x == y ? a.id < b.id : goal.isBetter(x, than: y)
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a.id < b.id
            }
        }
    }
}
