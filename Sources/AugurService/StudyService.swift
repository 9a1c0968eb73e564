import AugurAlgorithms
import AugurCore
import AugurStorage
import Foundation
import Logging
import Synchronization

/// The study logic every front end shares: `augur run` calls it in-process, the RPC server calls it for remote clients.
///
/// It knows no transport and keeps no state of its own (only caches of what cannot change); everything lives in the
/// `StudyStore`, so several service instances (processes) can work on one database.
public final class StudyService: Sendable {
    /// Builds the designer for a study.
    public typealias DesignerProvider = @Sendable (StudySpec) throws -> any Designer
    /// Builds the early-stopping policy a study's spec names.
    public typealias StoppingPolicyProvider = @Sendable (EarlyStoppingSpec) -> any StoppingPolicy

    public let store: any StudyStore
    /// How long a trial stays assigned without a heartbeat or measurement.
    public let leaseDuration: TimeInterval
    /// How often a trial may be taken back from a vanished worker before it fails.
    public let retryLimit: Int
    private let designers: DesignerProvider
    private let gaussianProcessCaches = GaussianProcessCacheRegistry(refitsInBackground: true)
    /// Where stale Gaussian-process hyperparameters are refit, off the suggestion and off the cooperative pool: one
    /// refit per study at a time (the cache's rule) and at most this pool's threads at once across studies.
    private let refits = BlockingWorkPool(threads: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))
    private let stoppingPolicies: StoppingPolicyProvider?
    private let isWorkerGone: @Sendable (String) -> Bool
    private let checkSpec: @Sendable (StudySpec) -> [SpecProblem]
    private let logger: Logger
    /// The studies this service has read, by name, each with its version (creation id and spec revision). A stored
    /// spec changes only by a new revision (a run resuming the study with another budget), so suggestions and reports
    /// need not read the study each time. A newer revision or a study created again under the same name (by another
    /// process, say) is noticed where it matters: an assignment compares the version its snapshot holds and plans
    /// with the stored budget, a refusal is checked against a fresh read, and a verdict on the study re-reads it.
    private let knownStudies = BoundedCache<String, Study>(capacity: 1_024)

    /// - Parameters:
    ///   - store: where studies live.
    ///   - designers: builds a study's designer from its spec (default: `DesignerFactory`, with one Gaussian-process
    ///     fit cache per study kept by this service so that GP suggestions warm-start from the previous fit, extend
    ///     its Cholesky factor, and never wait for a refit: stale hyperparameters are refit on a thread of this
    ///     service's refit pool while suggestions are served from the last ones).
    ///   - stoppingPolicies: builds a study's early-stopping policy (default `StoppingPolicyFactory`); `nil` turns
    ///     early stopping off.
    ///   - leaseDuration: seconds a trial stays assigned without a heartbeat (default 120).
    ///   - retryLimit: how often a trial abandoned by its worker is re-run before it fails (default 3).
    ///   - isWorkerGone: whether a worker id names a dead process (default: a local process that no longer exists).
    ///   - checkSpec: checks a new or resumed study's spec needs beyond the parser's, from layers this one cannot see
    ///     (`augur serve` passes the training core's hyperparameter names; `augur run` checks its file itself, with
    ///     line and column, before it calls the service); any problem refuses the spec with
    ///     `invalidArgument`. Default: none.
    public init(store: any StudyStore,
                designers: DesignerProvider? = nil,
                stoppingPolicies: StoppingPolicyProvider? = { StoppingPolicyFactory.make(for: $0) },
                leaseDuration: TimeInterval = 120, retryLimit: Int = 3,
                isWorkerGone: @escaping @Sendable (String) -> Bool = WorkerIdentity.isDeadLocalProcess,
                checkSpec: @escaping @Sendable (StudySpec) -> [SpecProblem] = { _ in [] },
                logger: Logger = Logger(label: "augur.service")) {
        self.store = store
        let caches = gaussianProcessCaches
        self.designers = designers ?? { spec in
            try DesignerFactory.make(for: spec, cache: caches.cache(forStudy: spec.name))
        }
        self.stoppingPolicies = stoppingPolicies
        self.leaseDuration = leaseDuration
        self.retryLimit = retryLimit
        self.isWorkerGone = isWorkerGone
        self.checkSpec = checkSpec
        self.logger = logger
    }

    // MARK: Studies

    /// Creates a study; fails with `alreadyExists` if one with the same name exists, `invalidArgument` (with every
    /// problem) if its spec is not valid.
    public func createStudy(_ spec: StudySpec) async throws(ServiceError) -> Study {
        try validate(spec)
        let study = try await call { try await store.createStudy(spec) }
        remember(study)
        return study
    }

    /// What `resumeStudy` did.
    public struct Resumption: Sendable {
        public var study: Study
        /// Whether the study was created now (rather than found).
        public var created: Bool
    }

    /// Creates the study, or continues the stored study of the same name.
    ///
    /// The stored spec must have the same search space and objective. A different budget is written to the stored
    /// spec (every process working on the study then follows it) and can re-open a study that completed because its
    /// old budget was spent. A STOPPED study becomes ACTIVE again.
    public func resumeStudy(_ spec: StudySpec) async throws(ServiceError) -> Resumption {
        try validate(spec)
        guard let existing = try await call({ try await store.study(named: spec.name) }) else {
            do {
                let created = try await store.createStudy(spec)
                remember(created)
                return Resumption(study: created, created: true)
            } catch StoreError.studyExists {
                // Another process created it between our look-up and our insert: resume that one.
                return try await resumeStudy(spec)
            } catch {
                throw ServiceError.wrapping(error)
            }
        }
        if let problem = existing.spec.incompatibility(with: spec) {
            remember(existing)
            throw .failedPrecondition(problem)
        }
        var study = existing
        if existing.spec.budget != spec.budget {
            study = try await call { try await store.setStudyBudget(spec.name, to: spec.budget) }
        }
        remember(study)
        if study.state != .active {
            let counts = try await call { try await store.trialCounts(study: spec.name) }
            let best = try await bestTrials(study: spec.name, count: 1).first
            if StudyVerdict.judge(budget: study.spec.budget, objective: study.spec.objective, counts: counts, candidate: best) == nil {
                try await call { try await store.setStudyState(spec.name, to: .active, reason: "resumed") }
                study.state = .active
                study.stateReason = "resumed"
            }
        }
        return Resumption(study: study, created: false)
    }

    public func getStudy(_ name: String) async throws(ServiceError) -> Study {
        guard let study = try await call({ try await store.study(named: name) }) else {
            forget(name)
            throw .notFound(StoreError.studyNotFound(name).description)
        }
        remember(study)
        return study
    }

    public func listStudies() async throws(ServiceError) -> [StudySummary] {
        var summaries = try await call { try await store.studySummaries() }
        // The stores' best value is the best first objective of any completed trial; with outcome constraints only
        // the trials that meet them count.
        for index in summaries.indices where !summaries[index].study.spec.objective.constraints.isEmpty {
            let study = summaries[index].study
            summaries[index].bestValue = try await bestTrials(study: study.name, count: 1).first?.finalValue(of: study.spec.objective.metric)
        }
        return summaries
    }

    public func deleteStudy(_ name: String) async throws(ServiceError) {
        _ = try await getStudy(name)
        try await call { try await store.deleteStudy(named: name) }
        gaussianProcessCaches.forget(study: name)
        forget(name)
    }

    /// Marks an ACTIVE study STOPPED (resumable) with a reason.
    public func stopStudy(_ name: String, reason: String) async throws(ServiceError) {
        let study = try await getStudy(name)
        guard study.state == .active else { return }
        try await call { try await store.setStudyState(name, to: .stopped, reason: reason) }
    }

    /// Sets a study's state on a client's request (Vizier's SetStudyState): ACTIVE resumes it, STOPPED pauses it,
    /// COMPLETED ends it. FAILED is the service's own verdict and cannot be set.
    @discardableResult
    public func setStudyState(_ name: String, to state: StudyState, reason: String) async throws(ServiceError) -> Study {
        guard state != .failed else {
            throw .invalidArgument("a study fails only when too many of its trials fail; set ACTIVE, STOPPED or COMPLETED")
        }
        var study = try await getStudy(name)
        guard study.state != state else { return study }
        try await call { try await store.setStudyState(name, to: state, reason: reason) }
        study.state = state
        study.stateReason = reason
        return study
    }

    // MARK: Metadata

    /// The most metadata changes one call may make, and the longest key, namespace and value.
    public static let maximumMetadataUpdates = 1_000
    public static let maximumMetadataKeyLength = 1_024
    public static let maximumMetadataValueBytes = 1 << 20

    /// A study's metadata and its trials' (what clients keep with them; the service never reads it).
    public func metadata(study name: String) async throws(ServiceError) -> StudyMetadata {
        try await call { try await store.metadata(study: name) }
    }

    /// Writes metadata on a study and its trials in one transaction; INVALID_ARGUMENT for entries a store cannot
    /// keep (too many, too long, a NUL in text), NOT_FOUND for an unknown study or trial (then nothing is written).
    public func updateMetadata(study name: String, updates: [MetadataUpdate]) async throws(ServiceError) {
        guard updates.count <= Self.maximumMetadataUpdates else {
            throw .invalidArgument("\(updates.count) metadata changes in one call; at most \(Self.maximumMetadataUpdates)")
        }
        for (index, update) in updates.enumerated() {
            if let trial = update.trial { try checkTrialID(trial, study: name) }
            let entry = update.entry
            for (what, text) in [("key", entry.key), ("namespace", entry.namespace)] {
                guard text.utf8.count <= Self.maximumMetadataKeyLength, !text.utf8.contains(0) else {
                    throw .invalidArgument("metadata change \(index): the \(what) must be at most \(Self.maximumMetadataKeyLength) bytes without NUL")
                }
            }
            switch entry.value {
            case .text(let text):
                guard text.utf8.count <= Self.maximumMetadataValueBytes, !text.utf8.contains(0) else {
                    throw .invalidArgument("metadata change \(index) (`\(entry.key.excerptForMessage)`): a text value must be at most "
                        + "\(Self.maximumMetadataValueBytes) bytes without NUL; send binary data as a message")
                }
            case .message(let typeURL, let bytes):
                guard bytes.count <= Self.maximumMetadataValueBytes, typeURL.utf8.count <= Self.maximumMetadataKeyLength,
                      !typeURL.utf8.contains(0) else {
                    throw .invalidArgument("metadata change \(index) (`\(entry.key.excerptForMessage)`): a message must be at most "
                        + "\(Self.maximumMetadataValueBytes) bytes with a type URL of at most \(Self.maximumMetadataKeyLength)")
                }
            }
        }
        try await call { try await store.updateMetadata(study: name, updates: updates) }
    }

    // MARK: Queries

    public func trials(study: String, query: TrialQuery = TrialQuery()) async throws(ServiceError) -> [Trial] {
        try await call { try await store.trials(study: study, query: query) }
    }

    public func trial(study: String, id: Int) async throws(ServiceError) -> Trial {
        try checkTrialID(id, study: study)
        guard let trial = try await call({ try await store.trial(study: study, id: id) }) else {
            throw .notFound(StoreError.trialNotFound(study: study, trial: id).description)
        }
        return trial
    }

    public func trialCounts(study: String) async throws(ServiceError) -> TrialCounts {
        try await call { try await store.trialCounts(study: study) }
    }

    /// Every trial in `states` (all when `nil`) as id, state and objective value, by id: the whole study for a chart,
    /// without decoding trials (`StudyStore.trialDigests`).
    public func trialDigests(study: String, states: Set<TrialState>? = nil) async throws(ServiceError) -> [TrialDigest] {
        try await call { try await store.trialDigests(study: study, states: states) }
    }

    /// The digests of the trials that changed after `cursor`, or of every trial (`StudyStore.trialDigestChanges`).
    public func trialDigestChanges(study: String, since cursor: Int?) async throws(ServiceError) -> TrialDigestChanges {
        try await call { try await store.trialDigestChanges(study: study, since: cursor) }
    }

    /// A trial's state history, oldest first (`StudyStore.trialEvents`).
    public func trialEvents(study: String, trial: Int) async throws(ServiceError) -> [TrialEvent] {
        try await call { try await store.trialEvents(study: study, trial: trial) }
    }

    /// The parameters of the trials with these ids (ids with no trial are left out).
    public func trialParameters(study: String, ids: [Int]) async throws(ServiceError) -> [Int: ParameterAssignment] {
        guard !ids.isEmpty else { return [:] }
        return try await call { try await store.trialParameters(study: study, ids: ids) }
    }

    /// The `count` best COMPLETED trials, best first. With several objectives these are trials of the Pareto front
    /// (ordered by the first objective); with outcome constraints only trials that meet every constraint count.
    public func bestTrials(study: String, count: Int) async throws(ServiceError) -> [Trial] {
        guard count > 0 else { return [] }
        let objective = try await knownSpec(study).objective
        guard objective.ranksByMoreThanOneMetric else {
            let query = TrialQuery(states: [.completed], order: .objective, limit: count, includeMeasurements: false)
            return try await trials(study: study, query: query)
        }
        let outcomes = try await outcomes(study: study, objective: objective)
        let ids = objective.isMultiObjective ? outcomes.frontIDs : outcomes.rankedByFirstObjective
        return try await completedTrials(study: study, ids: Array(ids.prefix(count)))
    }

    /// A study's Pareto front: its non-dominated COMPLETED trials that meet every outcome constraint, best first by
    /// the first objective, with the hypervolume they dominate.
    ///
    /// Ranks the table of final values the store returns (`frontCandidateValues`, no measurement decoded) with
    /// ``ParetoFront`` and loads only the front's trials. The store returns only the trials not yet pruned; those
    /// read now that no front can need again are pruned (see `outcomes(study:objective:)`).
    public func paretoFront(study: String) async throws(ServiceError) -> ParetoFrontReport {
        let objective = try await knownSpec(study).objective
        let outcomes = try await outcomes(study: study, objective: objective)
        let front = outcomes.frontPositions
        let trials = try await completedTrials(study: study, ids: front.map { outcomes.ids[$0] })
        let vectors = front.map(outcomes.vector)
        let given = objective.maximizationReferencePoint
        guard let reference = given ?? outcomes.derivedReference else {
            return ParetoFrontReport(trials: trials, hypervolume: nil, referencePoint: objective.referencePoint, referencePointDerived: false)
        }
        return ParetoFrontReport(trials: trials, hypervolume: Hypervolume.of(vectors, reference: reference),
                                 referencePoint: objective.referencePointInMetricUnits(reference), referencePointDerived: given == nil)
    }

    /// The outcomes of the study's front candidates (its unpruned completed trials), which give the same front, the
    /// same derived reference point and, with one objective, the same ranking of feasible trials as every completed
    /// trial would; then prunes the candidates read now that can never be needed again
    /// (``TrialOutcomes/prunableIDs(of:frontAndReference:)``: with several objectives, infeasible trials and
    /// dominated ones that are no objective's worst; with one objective and constraints, infeasible ones only).
    private func outcomes(study: String, objective: Objective) async throws(ServiceError) -> TrialOutcomes {
        let names = objective.objectives.map(\.name) + objective.constraints.map(\.name)
        let candidates = try await call { try await store.frontCandidateValues(study: study, metrics: names) }
        let table = candidates.table
        let outcomes = TrialOutcomes(ids: table.ids, metrics: table.metrics, table: table.values, objective: objective)
        let prunable = outcomes.prunableIDs(of: table.ids, frontAndReference: objective.isMultiObjective)
        if !prunable.isEmpty {
            // The marks only save later reads: a failure to write them (a lost connection, two replicas pruning the
            // same rows in another order) leaves the candidates a superset and is not the caller's error.
            do {
                try await store.pruneTrials(study: study, ids: prunable, generation: candidates.generation)
            } catch {
                logger.warning("could not prune front candidates", metadata: ["study": "\(study)", "error": "\(error)"])
            }
        }
        return outcomes
    }

    /// How often a completion prunes the study's front candidates (when the study's completed count is a multiple
    /// of it), so that the candidates stay near the front's size although no one asks for the front: one read of
    /// the candidates and at most one UPDATE per this many completions.
    public static let completionsPerPrune = 16

    /// The trials with these ids, in this order, without intermediate measurements, in one store query.
    private func completedTrials(study: String, ids: [Int]) async throws(ServiceError) -> [Trial] {
        guard !ids.isEmpty else { return [] }
        let found = try await call { try await store.trials(study: study, ids: ids) }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }

    // MARK: Suggestions

    /// What `suggest` hands a client.
    public struct Suggestion: Sendable {
        /// The trials the client holds now: those it already held, then the newly assigned ones.
        public var trials: [Trial]
        /// The study as the assignment saw it, with its state after the assignment (COMPLETED when this call found
        /// the budget spent): what a runner needs to run the trials, so it need not read the study again.
        public var study: Study

        /// What the study's designer recorded with these trials (population-based training's generation and
        /// parent), by trial id; empty for designers that record nothing a runner needs.
        public var metadata: [Int: [MetadataEntry]]

        public init(trials: [Trial], study: Study, metadata: [Int: [MetadataEntry]] = [:]) {
            self.trials = trials
            self.study = study
            self.metadata = metadata
        }

        public var studyState: StudyState { study.state }
        public var spec: StudySpec { study.spec }
    }

    /// Hands `client` up to `count` trials to run: first those it already holds (so a retried call never leaks
    /// trials), then trials recovered from vanished workers and other REQUESTED ones, then new ones from the designer.
    ///
    /// Returns fewer (possibly none) when the parallel limit or the budget is reached, or the study is no longer
    /// ACTIVE; when nothing can be created and nothing is out, the study is marked COMPLETED.
    public func suggestTrials(study name: String, client: String, count: Int) async throws(ServiceError) -> [Trial] {
        try await suggest(study: name, client: client, count: count).trials
    }

    /// `suggestTrials` with the study's state and spec as the assignment saw them, in one transaction with the store.
    ///
    /// With `expectedUID` (the creation id of the study the caller agreed to work on), a study deleted and created
    /// again under the same name is refused inside the store's transaction: FAILED_PRECONDITION, and nothing is
    /// created, leased or recovered in it.
    public func suggest(study name: String, client: String, count: Int, expectedUID: String? = nil) async throws(ServiceError) -> Suggestion {
        guard count > 0 else { throw .invalidArgument("suggestTrials needs a count of at least 1, got \(count)") }
        guard !client.isEmpty else { throw .invalidArgument("suggestTrials needs a client id") }
        var known = try await knownStudy(name)
        // A second round only when the study was deleted and created again (a new creation id, so perhaps another
        // algorithm or search space) since this service last read it; a new revision of the same study changes only
        // its budget, which the planner reads from the snapshot.
        for _ in 0..<2 {
            let designer: any Designer
            do {
                designer = try designers(known.spec)
            } catch {
                throw .failedPrecondition("study '\(name)': \(error)")
            }
            let planner = TrialPlanner(client: client, count: count, retryLimit: retryLimit, designer: designer,
                                       isWorkerGone: isWorkerGone)
            struct Outcome {
                var held: [Trial] = []
                var plan: AssignmentPlan?
                var createdMetadata: [[MetadataEntry]] = []
                var study: Study?
                var recreated: Study?
                var unexpected: Study?
            }
            let outcome = Mutex(Outcome())
            let lease = Date().addingTimeInterval(leaseDuration)
            let expected = known.version.uid
            let assigned = try await storeCall(study: name) {
                try await store.assignTrials(study: name, worker: client, leaseExpiresAt: lease, history: designer.historyScope) { snapshot in
                    if let expectedUID, snapshot.study.version.uid != expectedUID {
                        // Not the study the caller agreed to: change nothing in it.
                        outcome.withLock { $0.unexpected = snapshot.study }
                        return AssignmentPlan()
                    }
                    guard snapshot.study.version.uid == expected else {
                        // Planned with another study's designer: change nothing, start over with this one.
                        outcome.withLock { $0.recreated = snapshot.study }
                        return AssignmentPlan()
                    }
                    let (plan, createdMetadata) = try planner.planning(snapshot)
                    outcome.withLock { outcome in
                        outcome.held = snapshot.activeTrials.filter { $0.worker == client }.sorted { $0.id < $1.id }
                        outcome.plan = plan
                        outcome.createdMetadata = createdMetadata
                        var study = snapshot.study
                        if let change = plan.studyState {
                            study.state = change.state
                            study.stateReason = change.reason
                        }
                        outcome.study = study
                    }
                    return plan
                }
            }
            let result = outcome.withLock { $0 }
            if let refit = gaussianProcessCaches.pendingRefit(forStudy: name) {
                refits.submit { refit.run() }
            }
            if let unexpected = result.unexpected {
                remember(unexpected)
                throw .failedPrecondition(
                    "study '\(name)' has creation id \(unexpected.version.uid), not the expected \(expectedUID ?? ""): it was "
                        + "deleted and created again, so no trials were suggested")
            }
            if let recreated = result.recreated {
                remember(recreated)
                known = recreated
                continue
            }
            if let plan = result.plan {
                if !plan.requeue.isEmpty {
                    logger.info("re-running trials abandoned by their worker", metadata: ["study": "\(name)", "trials": "\(plan.requeue)"])
                }
                for (id, reason) in plan.fail.sorted(by: { $0.key < $1.key }) {
                    logger.warning("trial failed", metadata: ["study": "\(name)", "trial": "\(id)", "reason": "\(reason)"])
                }
                if let change = plan.studyState {
                    logger.info("study \(change.state.rawValue.lowercased())", metadata: ["study": "\(name)", "reason": "\(change.reason)"])
                }
            }
            let study = result.study ?? known
            if study.version != known.version { remember(study) }
            let trials = result.held + assigned
            let metadata = try await recordDesignerMetadata(
                study: name, created: Array(assigned.suffix(result.plan?.create.count ?? 0)), metadata: result.createdMetadata,
                handedOut: trials, designer: designer)
            return Suggestion(trials: trials, study: study, metadata: metadata)
        }
        throw .unavailable("study '\(name)' was deleted and created again twice while trials were being suggested; try again")
    }

    /// Writes what the designer recorded with the trials just created as their metadata, and returns the designer's
    /// metadata of every trial handed out (read back from the store for those created earlier, when the designer's
    /// runner needs it: a trial assigned again after its worker vanished keeps its parent).
    private func recordDesignerMetadata(
        study name: String, created: [Trial], metadata: [[MetadataEntry]], handedOut: [Trial], designer: any Designer
    ) async throws(ServiceError) -> [Int: [MetadataEntry]] {
        var byTrial: [Int: [MetadataEntry]] = [:]
        var updates: [MetadataUpdate] = []
        for (trial, entries) in zip(created, metadata) where !entries.isEmpty {
            byTrial[trial.id] = entries
            updates += entries.map { MetadataUpdate(trial: trial.id, entry: $0) }
        }
        if !updates.isEmpty {
            do {
                try await storeCall(study: name) { try await store.updateMetadata(study: name, updates: updates) }
            } catch {
                // A designer whose runner needs the metadata (population-based training's parent) fails the
                // suggestion with it; an explanation (the GP's) is only lost: logged, and the trials still go out.
                guard !designer.recordsTrialMetadata else { throw error }
                logger.warning("could not record the designer's metadata on the new trials",
                               metadata: ["study": "\(name)", "trials": "\(created.map(\.id))", "error": "\(error)"])
            }
        }
        let missing = handedOut.map(\.id).filter { byTrial[$0] == nil }
        guard designer.recordsTrialMetadata, !missing.isEmpty else { return byTrial }
        let stored = try await storeCall(study: name) { try await store.metadata(study: name) }
        for id in missing {
            byTrial[id] = stored.entries(ofTrial: id)
        }
        return byTrial
    }

    /// Adds a REQUESTED trial at a point of the user's choosing; it is handed out before any new suggestion.
    public func requestTrial(study name: String, parameters: ParameterAssignment) async throws(ServiceError) -> Trial {
        let study = try await getStudy(name)
        let coerced = study.spec.searchSpace.coerce(parameters)
        guard study.spec.searchSpace.isValid(coerced) else {
            throw .invalidArgument("parameters \(coerced) are not a point of study '\(name)''s search space")
        }
        return try await call { try await store.requestTrial(study: name, parameters: coerced) }
    }

    /// Adds a trial at a point of the client's choosing (Vizier's CreateTrial): REQUESTED, to be handed out before
    /// any new suggestion, or, with a completion, already ended (a result obtained elsewhere, told to the study).
    public func addTrial(study name: String, parameters: ParameterAssignment, completion: Completion?) async throws(ServiceError) -> Trial {
        if case .measurement(let final?) = completion {
            // Refused before the trial exists, so that a bad result leaves no REQUESTED trial behind.
            try checkMetricNames(of: [final], trial: 0)
            if let missing = try await knownSpec(name).objective.missingObjective(in: final) {
                throw .invalidArgument("the final measurement lacks the objective metric '\(missing)'")
            }
        }
        let requested = try await requestTrial(study: name, parameters: parameters)
        guard let completion else { return requested }
        return try await completeTrial(study: name, trial: requested.id, completion)
    }

    /// Deletes a trial with its measurements and metadata (Vizier's DeleteTrial): it leaves the study's history, so
    /// the designer no longer learns from it. NOT_FOUND for an unknown study or trial.
    public func deleteTrial(study name: String, trial id: Int) async throws(ServiceError) {
        try checkTrialID(id, study: name)
        try await call { try await store.deleteTrial(study: name, trial: id) }
        gaussianProcessCaches.forget(study: name)
    }

    // MARK: Reporting

    /// Records an intermediate measurement of an ACTIVE trial and renews its lease. When the study has an
    /// early-stopping rule, returns its verdict on the trial (the caller stops the trial when told to).
    @discardableResult
    public func addMeasurement(study name: String, trial id: Int, measurement: TrialMeasurement) async throws(ServiceError) -> StoppingDecision {
        try checkTrialID(id, study: name)
        guard !measurement.metrics.isEmpty else {
            throw .invalidArgument("a measurement of trial \(id) needs at least one metric")
        }
        try checkMetricNames(of: [measurement], trial: id)
        try await call {
            try await store.addMeasurement(study: name, trial: id, measurement: measurement,
                                           leaseExpiresAt: Date().addingTimeInterval(leaseDuration))
        }
        return try await earlyStoppingDecision(study: name, trial: id, spec: try await knownSpec(name))
    }

    /// Whether a trial should stop early: the one place this is decided, for a measurement just reported and for a
    /// client that asks (`CheckTrialEarlyStoppingState`). Vizier's semantics:
    /// - an ACTIVE trial gets the study's early-stopping policy's verdict on its measurements so far (never stop
    ///   when the study has no policy);
    /// - a STOPPED trial should stop (it was stopped by a user or a rule while its worker ran on), with its reason;
    /// - any other trial (REQUESTED, COMPLETED, FAILED, INFEASIBLE) should not: there is nothing running to stop.
    /// Throws `notFound` for an unknown study or trial.
    public func earlyStoppingDecision(study name: String, trial id: Int) async throws(ServiceError) -> StoppingDecision {
        try checkTrialID(id, study: name)
        return try await earlyStoppingDecision(study: name, trial: id, spec: try await getStudy(name).spec)
    }

    private func earlyStoppingDecision(study name: String, trial id: Int, spec: StudySpec) async throws(ServiceError) -> StoppingDecision {
        guard let rule = spec.earlyStopping, let stoppingPolicies else {
            return try await decisionWithoutPolicy(study: name, trial: id)
        }
        let policy = stoppingPolicies(rule)
        let history = try await trials(study: name, query: TrialQuery(states: policy.historyScope.states.union([.active]), includeMeasurements: true))
        guard let trial = history.first(where: { $0.id == id }), trial.state == .active else {
            return try await decisionWithoutPolicy(study: name, trial: id)
        }
        return policy.decide(for: trial, among: history, objective: spec.objective)
    }

    /// The decision for a trial no policy judges: stop only a STOPPED one.
    private func decisionWithoutPolicy(study name: String, trial id: Int) async throws(ServiceError) -> StoppingDecision {
        let stored = try await trial(study: name, id: id)
        guard stored.state == .stopped else { return .keepRunning }
        return .stop(because: stored.statusReason ?? "trial \(id) was stopped")
    }

    /// Renews the lease of a trial held by `client`.
    public func heartbeat(study name: String, trial id: Int, client: String) async throws(ServiceError) {
        try checkTrialID(id, study: name)
        try await call {
            try await store.renewLease(study: name, trial: id, worker: client, until: Date().addingTimeInterval(leaseDuration))
        }
    }

    /// How a trial ended, as its runner reports it.
    public enum Completion: Sendable, Hashable {
        /// The trial finished with this final measurement (a client's own); `nil` takes the final measurement from
        /// its stored intermediate ones by the metrics' strategies.
        case measurement(TrialMeasurement?)
        /// The trial finished; its final measurement is taken by the metrics' strategies from its stored intermediate
        /// measurements followed by `observations` (values it reported without a step, never sent as intermediate
        /// ones), and lasted `elapsedSeconds` when given. What a runner reports: the service alone computes finals.
        case observed([TrialMeasurement], elapsedSeconds: Double?)
        /// The point cannot be evaluated (invalid configuration); not counted as a failure.
        case infeasible(reason: String)
    }

    /// Completes a trial, then checks whether the study is done (target reached, budget spent).
    @discardableResult
    public func completeTrial(study name: String, trial id: Int, _ completion: Completion) async throws(ServiceError) -> Trial {
        try checkTrialID(id, study: name)
        switch completion {
        case .measurement(let reported?): try checkMetricNames(of: [reported], trial: id)
        case .observed(let observations, _): try checkMetricNames(of: observations, trial: id)
        case .measurement(nil), .infeasible: break
        }
        let remembered = try await knownSpec(name)
        if case .infeasible(let reason) = completion {
            return try await finish(remembered, trial: id, state: .infeasible, finalMeasurement: nil, reason: reason)
        }
        var spec = remembered
        var final = try await finalMeasurement(of: completion, spec: spec, trial: id)
        if spec.objective.missingObjective(in: final) != nil {
            // Refuse only on the study as it is now, not on a remembered spec.
            spec = try await getStudy(name).spec
            final = try await finalMeasurement(of: completion, spec: spec, trial: id)
        }
        if let missing = spec.objective.missingObjective(in: final) {
            throw .invalidArgument(
                "trial \(id) of study '\(name)' never reported the objective metric '\(missing)'; "
                    + "report it, or fail the trial or mark it infeasible instead")
        }
        guard let final else { throw .internalError("trial \(id) of study '\(name)' has no final measurement") }
        return try await finish(spec, trial: id, state: .completed, finalMeasurement: final, reason: nil)
    }

    /// Fails a trial with a reason (exit status, output tail, …), then checks whether the study failed.
    @discardableResult
    public func failTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        try checkTrialID(id, study: name)
        return try await finish(try await knownSpec(name), trial: id, state: .failed, finalMeasurement: nil, reason: reason)
    }

    /// Stops a trial early (an early-stopping rule, a user); its measurements so far give its final measurement.
    @discardableResult
    public func stopTrial(study name: String, trial id: Int, reason: String) async throws(ServiceError) -> Trial {
        try checkTrialID(id, study: name)
        let spec = try await getStudy(name).spec
        let final = try await finalMeasurement(of: .measurement(nil), spec: spec, trial: id)
        return try await finish(spec, trial: id, state: .stopped, finalMeasurement: final, reason: reason)
    }

    /// Gives trials held by `client` back (ACTIVE → REQUESTED) so that another run picks them up; used when a run is
    /// interrupted. The store counts this as one retry of each trial.
    /// INVALID_ARGUMENT for an id that is not a positive number; ids the client does not hold are left alone.
    public func releaseTrials(study name: String, client: String, trials ids: [Int]) async throws(ServiceError) {
        guard ids.allSatisfy({ $0 > 0 }) else { throw .invalidArgument("trial_ids must be positive trial numbers") }
        guard !ids.isEmpty else { return }
        let wanted = Set(ids)
        _ = try await call {
            try await store.assignTrials(study: name, worker: client, leaseExpiresAt: nil, history: .countsOnly) { snapshot in
                let mine = snapshot.activeTrials.filter { $0.worker == client && wanted.contains($0.id) }.map(\.id)
                return AssignmentPlan(requeue: mine.sorted())
            }
        }
    }

    // MARK: Helpers

    /// The longest reason (stop, failure, infeasibility) a trial keeps, in UTF-8 bytes; a longer one is cut.
    public static let maximumReasonLength = 4_096

    /// A reason as a trial keeps it, whichever front sent it: free text (a failed command's output tail, say) in which
    /// a NUL is shown (U+FFFD), not refused, cut at `maximumReasonLength` bytes on a character boundary with `…`.
    static func storedReason(_ reason: String) -> String {
        let visible = reason.replacingOccurrences(of: "\0", with: "\u{FFFD}")
        guard visible.utf8.count > maximumReasonLength else { return visible }
        var cut = ""
        var bytes = 0
        for character in visible {
            let size = character.utf8.count
            guard bytes + size <= maximumReasonLength else { break }
            cut.append(character)
            bytes += size
        }
        return cut + "…"
    }

    /// The largest trial id a store keeps (PostgreSQL's `INTEGER`); a larger one names no trial.
    public static let maximumTrialID = Int(Int32.max)

    /// A trial id no store can hold names no trial: NOT_FOUND, before any store is asked.
    private func checkTrialID(_ id: Int, study: String) throws(ServiceError) {
        guard id < 1 || id > Self.maximumTrialID else { return }
        throw .notFound(StoreError.trialNotFound(study: study, trial: id).description)
    }

    /// Metric names a store can keep: no NUL (PostgreSQL's text refuses it), whichever store this service has.
    private func checkMetricNames(of measurements: [TrialMeasurement], trial id: Int) throws(ServiceError) {
        for name in Set(measurements.flatMap(\.metrics.keys)) {
            if let problem = SpecValidator.textProblem(name, what: "metric name `\(name.excerptForMessage)`") {
                throw .invalidArgument("a measurement of trial \(id): \(problem.dropLast())")
            }
        }
    }

    /// Whether a spec may be created or resumed: the spec's own rules (`SpecValidator`, the same ones a spec file
    /// meets), the checks of layers above this one, and whether its designer can be built.
    private func validate(_ spec: StudySpec) throws(ServiceError) {
        let problems = spec.problems() + checkSpec(spec)
        if problems.isEmpty == false {
            throw .invalidSpec(problems)
        }
        do {
            _ = try designers(spec)
        } catch {
            throw ServiceError(.invalidArgument, "algorithm: \(error)", cause: error)
        }
    }

    /// The final measurement of a trial: the one place it is computed. A client's own final measurement is taken as
    /// it is; otherwise the metrics' strategies pick it from the stored intermediate measurements (followed by a
    /// runner's unreported observations). A trial that already has one (a retried call) keeps it.
    private func finalMeasurement(of completion: Completion, spec: StudySpec, trial id: Int) async throws(ServiceError) -> TrialMeasurement? {
        switch completion {
        case .measurement(let reported?):
            return reported
        case .measurement(nil):
            return try await finalMeasurement(observations: [], elapsedSeconds: nil, spec: spec, trial: id)
        case .observed(let observations, let elapsedSeconds):
            return try await finalMeasurement(observations: observations, elapsedSeconds: elapsedSeconds, spec: spec, trial: id)
        case .infeasible:
            return nil
        }
    }

    private func finalMeasurement(observations: [TrialMeasurement], elapsedSeconds: Double?, spec: StudySpec,
                                  trial id: Int) async throws(ServiceError) -> TrialMeasurement? {
        let stored = try await trial(study: spec.name, id: id)
        if let final = stored.finalMeasurement { return final }
        guard var final = spec.objective.finalMeasurement(from: stored.measurements + observations) else { return nil }
        if let elapsedSeconds { final.elapsedSeconds = elapsedSeconds }
        return final
    }

    /// Ends a trial, then updates the study: COMPLETED when the trial reached the target or the budget is spent,
    /// FAILED after too many failures. (Only the trial that just ended can newly reach the target, so the best trial
    /// need not be queried.) The counts come back with the finished trial; only when they call for a change is the
    /// study itself read again, to confirm it is still ACTIVE and to judge it by its stored spec.
    private func finish(
        _ spec: StudySpec, trial id: Int, state: TrialState, finalMeasurement: TrialMeasurement?, reason: String?
    ) async throws(ServiceError) -> Trial {
        let name = spec.name
        let reason = reason.map(Self.storedReason)
        let (finished, counts) = try await storeCall(study: name) {
            try await store.finishTrialCounting(study: name, trial: id, state: state, finalMeasurement: finalMeasurement, reason: reason)
        }
        let candidate = finished.state == .completed ? finished : nil
        if candidate != nil, spec.objective.ranksByMoreThanOneMetric, counts.completed % Self.completionsPerPrune == 0 {
            do {
                _ = try await outcomes(study: name, objective: spec.objective)
            } catch {
                logger.warning("could not read the front candidates to prune them", metadata: ["study": "\(name)", "error": "\(error)"])
            }
        }
        guard StudyVerdict.judge(budget: spec.budget, objective: spec.objective, counts: counts, candidate: candidate) != nil else { return finished }
        guard let current = try await call({ try await store.study(named: name) }) else { return finished }
        remember(current)
        guard current.state == .active else { return finished }
        if let verdict = StudyVerdict.judge(budget: current.spec.budget, objective: current.spec.objective, counts: counts, candidate: candidate) {
            try await call { try await store.setStudyState(name, to: verdict.state, reason: verdict.reason) }
            logger.info("study \(verdict.state.rawValue.lowercased())", metadata: ["study": "\(name)", "reason": "\(verdict.reason)"])
        }
        return finished
    }

    /// A study as this service last read it (its spec and version; its state may be out of date), or read now.
    private func knownStudy(_ name: String) async throws(ServiceError) -> Study {
        if let study = knownStudies[name] { return study }
        return try await getStudy(name)
    }

    /// The spec of a study, remembered from an earlier read or read now.
    private func knownSpec(_ name: String) async throws(ServiceError) -> StudySpec {
        try await knownStudy(name).spec
    }

    private func remember(_ study: Study) {
        knownStudies.set(study, for: study.name)
    }

    private func forget(_ name: String) {
        knownStudies.remove(name)
    }

    /// A store call on a study whose spec may be remembered: when the study turns out not to exist, it is forgotten.
    private func storeCall<T>(study name: String, _ body: () async throws -> T) async throws(ServiceError) -> T {
        do {
            return try await body()
        } catch StoreError.studyNotFound(let missing) {
            forget(name)
            throw ServiceError(StoreError.studyNotFound(missing))
        } catch {
            throw ServiceError.wrapping(error)
        }
    }

    /// Runs a store call, turning its errors into `ServiceError`.
    private func call<T>(_ body: () async throws -> T) async throws(ServiceError) -> T {
        do {
            return try await body()
        } catch {
            throw ServiceError.wrapping(error)
        }
    }
}
