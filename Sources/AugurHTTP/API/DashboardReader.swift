import AugurCore
import AugurService
import AugurStorage
import Foundation

/// Reads what the dashboard shows from the study service. It only reads: every decision about a study is the
/// service's. Each method maps service refusals to `DashboardError` (404, 400, 503).
struct DashboardReader: Sendable {
    let service: StudyService
    /// Encoded analysis replies (history, importance, curves) of studies with no running trial, by request and study
    /// state (`analysisCacheKey`): such a study's trials change only by changing its counts or version, so the key
    /// tells when a reply is stale. A study of 100,000 trials then costs its full read once, not on every poll.
    let analysisCache = BoundedCache<String, Data>(capacity: 64)
    /// Every trial's digest per study, read once while the study is unchanged and shared by the history, importance
    /// and curves requests that a page makes together.
    let sharedDigests = SharedDigests(capacity: 8)
    /// The most completed trials an importance estimate reads; a larger study is estimated on a uniform stride of
    /// this many of them (by id), which keeps the first read of a 100,000-trial study within the API's 100 ms.
    var importanceSampleLimit = 2_000

    /// The most points a history reply may have, and its default.
    static let historyPointsLimit = 5_000
    static let defaultHistoryPoints = 1_000
    /// Trials ended in these states appear in the history (completed with their value, the others marked).
    static let historyStates: Set<TrialState> = [.completed, .stopped, .failed, .infeasible]

    private func call<T>(_ body: () async throws(ServiceError) -> T) async throws(DashboardError) -> T {
        do {
            return try await body()
        } catch {
            throw DashboardError(error)
        }
    }

    /// The digests of the study's trials in `states`, by id, from `sharedDigests`.
    private func digests(_ study: Study, states: Set<TrialState>) async throws(DashboardError) -> [TrialDigest] {
        let name = study.name
        let counts = try await call { () async throws(ServiceError) in try await service.trialCounts(study: name) }
        let all: [TrialDigest]
        do {
            all = try await sharedDigests.digests(of: name, key: .init(version: study.version, counts: counts)) { [service] cursor in
                try await service.trialDigestChanges(study: name, since: cursor)
            }
        } catch let error as ServiceError {
            throw DashboardError(error)
        } catch {
            throw DashboardError(.internalServerError, "reading the trials of '\(name)' failed: \(error)")
        }
        return states.count == TrialState.allCases.count ? all : all.filter { states.contains($0.state) }
    }

    func studies() async throws(DashboardError) -> StudiesJSON {
        let summaries = try await call { () async throws(ServiceError) in try await service.listStudies() }
        var rows: [StudyRowJSON] = []
        for summary in summaries {
            rows.append(try await row(summary.study, counts: summary.counts, bestValue: summary.bestValue))
        }
        return StudiesJSON(studies: rows)
    }

    /// One row: the last activity is the latest time stamp of the study's newest trial (or its creation).
    private func row(_ study: Study, counts: TrialCounts, bestValue: Double?) async throws(DashboardError) -> StudyRowJSON {
        var lastActivity = study.createdAt
        if counts.total > 0 {
            // Stores number a study's trials 1, 2, … and never delete one, so the newest is trial `total`: one
            // indexed read. Should it be missing, the newest by id order is read instead (an offset walk).
            var newest: [Trial] = []
            if let trial = try? await service.trial(study: study.name, id: counts.total) {
                newest = [trial]
            } else {
                newest = try await call { () async throws(ServiceError) in
                    try await service.trials(study: study.name, query: TrialQuery(order: .id, limit: 1, offset: counts.total - 1,
                                                                                  includeMeasurements: false))
                }
            }
            if let trial = newest.first {
                lastActivity = [lastActivity, trial.createdAt, trial.startedAt, trial.endedAt].compactMap { $0 }.max() ?? lastActivity
            }
        }
        let spec = study.spec
        return StudyRowJSON(name: study.name, state: study.state.rawValue, stateReason: study.stateReason, algorithm: spec.algorithm.name,
                            metric: spec.objective.metric, goal: spec.objective.goal.rawValue,
                            progress: ProgressJSON(counts, budget: spec.budget), bestValue: bestValue, createdAt: study.createdAt,
                            lastActivity: lastActivity)
    }

    func study(_ name: String) async throws(DashboardError) -> StudyJSON {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let counts = try await call { () async throws(ServiceError) in try await service.trialCounts(study: name) }
        let best = try await call { () async throws(ServiceError) in try await service.bestTrials(study: name, count: 1) }.first
        let spec = study.spec
        let bestValue = best?.finalValue(of: spec.objective.metric)
        let parameters = spec.searchSpace.parameters.map { parameter -> ParameterJSON in
            var json: ParameterJSON = switch parameter.domain {
            case let .double(min, max, scale, _):
                ParameterJSON(name: parameter.name, type: parameter.typeName, scale: scale.rawValue, min: min, max: max)
            case let .integer(min, max, _, scale):
                ParameterJSON(name: parameter.name, type: parameter.typeName, scale: scale.rawValue, min: Double(min), max: Double(max))
            case let .discrete(values):
                ParameterJSON(name: parameter.name, type: parameter.typeName, scale: "linear", min: values.min(), max: values.max(),
                              values: values.map(ParameterValue.double))
            case let .categorical(values):
                ParameterJSON(name: parameter.name, type: parameter.typeName, scale: "linear", values: values.map(ParameterValue.string))
            }
            json.parent = parameter.condition?.parent
            json.parentValues = parameter.condition?.values
            return json
        }
        return StudyJSON(study: try await row(study, counts: counts, bestValue: bestValue), parameters: parameters,
                         metrics: spec.objective.allMetricNames, earlyStopping: spec.earlyStopping.map(Self.describe),
                         parallelTrials: spec.budget.parallelTrials, maxFailedTrials: spec.budget.maxFailedTrials, seed: spec.seed,
                         version: study.version.description, bestTrial: best.map { TrialJSON($0, objective: spec.objective.metric) })
    }

    /// The early-stopping rule in the words of the spec file: `median (start step 5, at least 3 trials)`.
    static func describe(_ rule: EarlyStoppingSpec) -> String {
        switch rule {
        case .median(let settings):
            "median (start step \(settings.startStep), at least \(settings.minTrialsRequired) trials)"
        case .successiveHalving(let settings):
            "asha (min resource \(settings.minResource), reduction factor \(settings.reductionFactor), \(settings.rungs) rungs)"
        case .hyperband(let settings):
            "hyperband (resource \(settings.minResource) to \(settings.maxResource), eta \(settings.eta))"
        }
    }

    /// The key under which an analysis reply of this study may be cached, or `nil` while a trial runs (its
    /// measurements change without changing the counts). The key holds the request, the study's version and counts.
    func analysisCacheKey(_ name: String, request: String) async throws(DashboardError) -> String? {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let counts = try await call { () async throws(ServiceError) in try await service.trialCounts(study: name) }
        guard counts.active == 0 else { return nil }
        return "\(request)|\(study.version)|\(counts.requested),\(counts.completed),\(counts.stopped),\(counts.failed),\(counts.infeasible)"
    }

    /// A page of trials: those in `states` (all when `nil`) in `order`, `pageSize` from `offset`.
    func trialPage(_ name: String, states: Set<TrialState>?, order: TrialQuery.Order, pageSize: Int, offset: Int)
        async throws(DashboardError) -> TrialPageJSON {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let counts = try await call { () async throws(ServiceError) in try await service.trialCounts(study: name) }
        let total = (states ?? Set(TrialState.allCases)).reduce(0) { $0 + counts[$1] }
        let trials = try await call { () async throws(ServiceError) in
            try await service.trials(study: name, query: TrialQuery(states: states, order: order, limit: pageSize, offset: offset,
                                                                    includeMeasurements: false))
        }
        let next = offset + trials.count < total && !trials.isEmpty ? QueryParameters.pageToken(offset: offset + trials.count) : nil
        return TrialPageJSON(trials: trials.map { TrialJSON($0, objective: study.spec.objective.metric) }, totalSize: total,
                             nextPageToken: next)
    }

    /// Every trial matching the filter, for a download.
    func allTrials(_ name: String, states: Set<TrialState>?, order: TrialQuery.Order) async throws(DashboardError) -> (Study, [Trial]) {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let trials = try await call { () async throws(ServiceError) in
            try await service.trials(study: name, query: TrialQuery(states: states, order: order, includeMeasurements: false))
        }
        return (study, trials)
    }

    func trial(_ name: String, id: Int) async throws(DashboardError) -> TrialJSON {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let trial = try await call { () async throws(ServiceError) in try await service.trial(study: name, id: id) }
        let history = try await call { () async throws(ServiceError) in try await service.trialEvents(study: name, trial: id) }
        return TrialJSON(trial, objective: study.spec.objective.metric, withMeasurements: true, history: history)
    }

    /// Every ended trial's objective value and the best so far, by id; when there are more than `maxPoints`, every
    /// improvement of the best so far is kept and a uniform stride of the rest fills the remaining room
    /// (`Downsampling.indices`). The best-so-far values are computed over all trials before downsampling, from the
    /// store's digests (id, state, value: no trial is decoded); only the kept points' parameters are read.
    func history(_ name: String, maxPoints: Int) async throws(DashboardError) -> HistoryJSON {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let digests = try await digests(study, states: Self.historyStates)
        let objective = study.spec.objective
        var best: Double?
        var bests: [Double?] = []
        bests.reserveCapacity(digests.count)
        var improvements: [Int] = []
        for (index, digest) in digests.enumerated() {
            if digest.state == .completed, let value = digest.objectiveValue, value.isFinite {
                if best.map({ objective.goal.isBetter(value, than: $0) }) ?? true {
                    best = value
                    improvements.append(index)
                }
            }
            bests.append(best)
        }
        let kept = Downsampling.indices(count: digests.count, limit: maxPoints, mustKeep: improvements)
        let parameters = try await call { () async throws(ServiceError) in
            try await service.trialParameters(study: name, ids: kept.map { digests[$0].id })
        }
        let points = kept.map { index in
            let digest = digests[index]
            return HistoryPointJSON(trial: digest.id, state: digest.state.rawValue, value: digest.objectiveValue,
                                    best: bests[index], parameters: parameters[digest.id] ?? [:])
        }
        return HistoryJSON(metric: objective.metric, goal: objective.goal.rawValue, total: digests.count,
                           downsampled: kept.count < digests.count, maxPoints: maxPoints, points: points)
    }


    func importance(_ name: String, quantile: Double) async throws(DashboardError) -> ImportanceJSON {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let digests = try await digests(study, states: [.completed]).filter { $0.objectiveValue != nil }
        let chosen = Downsampling.indices(count: digests.count, limit: importanceSampleLimit).map { digests[$0] }
        let parameters = try await call { () async throws(ServiceError) in
            try await service.trialParameters(study: name, ids: chosen.map(\.id))
        }
        let objective = study.spec.objective
        let samples = chosen.compactMap { digest in
            digest.objectiveValue.flatMap { value in parameters[digest.id].map { (parameters: $0, value: value) } }
        }
        let sampled = chosen.count < digests.count
            ? "estimated on a uniform stride of \(chosen.count) of the study's \(digests.count) completed trials" : nil
        let method = "PED-ANOVA (Pearson divergence of top-quantile vs all histograms)"
        guard let estimate = ParameterImportance.estimate(searchSpace: study.spec.searchSpace, goal: objective.goal, trials: samples,
                                                          quantile: quantile) else {
            return ImportanceJSON(metric: objective.metric, method: method, quantile: quantile, trialCount: samples.count, topCount: 0,
                                  parameters: [],
                                  note: "importance needs at least \(ParameterImportance.minimumTrials) completed trials with a value of \(objective.metric)")
        }
        return ImportanceJSON(metric: objective.metric, method: method, quantile: quantile, trialCount: estimate.trialCount,
                              topCount: estimate.topCount,
                              parameters: estimate.entries.map { .init(name: $0.parameter, importance: $0.importance, divergence: $0.divergence, bins: $0.bins) },
                              note: sampled)
    }

    /// The objective metric's intermediate values of at most `maxTrials` trials (every trial when they fit; else the
    /// five best, every running one up to the limit, and a uniform stride of the rest), each curve downsampled to
    /// `maxSteps` points (a uniform stride that keeps the first and last). The choice is made on the store's digests;
    /// only the chosen trials are read whole.
    func intermediate(_ name: String, maxTrials: Int, maxSteps: Int) async throws(DashboardError) -> IntermediateJSON {
        let study = try await call { () async throws(ServiceError) in try await service.getStudy(name) }
        let objective = study.spec.objective
        let started: Set<TrialState> = [.active, .completed, .stopped, .failed, .infeasible]
        let digests = try await digests(study, states: started)
        // The five best, best first, in one pass (no sort of the whole study).
        var ranked: [(index: Int, value: Double)] = []
        for (index, digest) in digests.enumerated() {
            guard let value = digest.objectiveValue, value.isFinite else { continue }
            guard ranked.count < 5 || objective.goal.isBetter(value, than: ranked[ranked.count - 1].value) else { continue }
            let position = ranked.firstIndex { objective.goal.isBetter(value, than: $0.value) } ?? ranked.count
            ranked.insert((index, value), at: position)
            if ranked.count > 5 { ranked.removeLast() }
        }
        let preferred = ranked.map(\.index) + digests.indices.filter { digests[$0].state == .active }
        let kept = Downsampling.indices(count: digests.count, limit: maxTrials, mustKeep: preferred)
        var curves: [CurveJSON] = []
        for index in kept {
            let trial = try await call { () async throws(ServiceError) in try await service.trial(study: name, id: digests[index].id) }
            let values = trial.measurements.compactMap { measurement in
                measurement.metrics[objective.metric].map { [Double(measurement.step), $0] }
            }
            let points = Downsampling.indices(count: values.count, limit: maxSteps).map { values[$0] }
            curves.append(CurveJSON(trial: trial.id, state: trial.state.rawValue, reason: trial.statusReason, points: points,
                                    totalPoints: values.count))
        }
        return IntermediateJSON(metric: objective.metric, totalTrials: digests.count, curves: curves)
    }
}
