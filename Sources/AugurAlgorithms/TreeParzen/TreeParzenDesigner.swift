import AugurCore
import Foundation

/// The tree-structured Parzen estimator (Bergstra et al. 2011), as Optuna's `TPESampler` runs it and Katib's `tpe`
/// and `multivariate-tpe` configure it.
///
/// 1. Until `startupTrials` trials have a result, trial `n` is drawn at random from `SeededGenerator(seed:, stream: n)`
///    (the parameters' distributions honoured), as `RandomDesigner` would.
/// 2. Then the finished trials are split at `gamma`: the best `min(⌈gamma · n⌉, 25)` of the `n` trials with a result
///    are "good"; the rest, the infeasible trials and the trials whose results are pending are "bad". Counting pending
///    trials (ACTIVE, REQUESTED, `DesignRequest.pending`, and earlier suggestions of the same request) as bad is
///    Optuna's `constant_liar`: parallel workers are steered away from the points already being evaluated.
/// 3. A Parzen estimator (``ParzenEstimator``) is fitted to each group, in the unit coordinates of `UnitCube.swift`
///    (so log scale is modelled in the logarithm and a lattice value at its cell, which on linear scale is scored by
///    the kernels' mass over the cell, as Optuna scores a stepped parameter); categorical and discrete
///    parameters get categorical kernels.
/// 4. `candidates` points are drawn from the good density and the one with the largest `log l(x) − log g(x)` is
///    proposed. Univariate: per parameter, independently. Multivariate: jointly, one kernel per component.
///
/// **Conditional parameters** are modelled as Optuna models them: each parameter's estimators are fitted only on the
/// good and bad trials in which it exists (a trial where it does not holds NaN at its coordinate), and a proposal
/// keeps only the parameters that exist under the values proposed for their parents. The multivariate estimator
/// models the unconditional parameters jointly and each conditional one on its own.
///
/// STOPPED trials count with their last value after the completed ones (Optuna's pruned trials); FAILED trials
/// are left out. Every random choice comes from trial `n`'s own stream, so the same seed and history give the same
/// suggestion on every replica.
public struct TreeParzenDesigner: Designer {
    public let searchSpace: SearchSpace
    public let objective: Objective
    public let settings: TreeParzenSettings
    public let seed: UInt64
    private let dimensions: [ParzenDimension]

    /// - Throws: `DesignerError` when the search space is malformed or a setting is out of range.
    public init(searchSpace: SearchSpace, objective: Objective, settings: TreeParzenSettings, seed: UInt64) throws(DesignerError) {
        try searchSpace.checkSearchable()
        guard settings.startupTrials >= 0 else {
            throw .invalidSetting(algorithm: "tpe", setting: "startupTrials", reason: "must be 0 or more")
        }
        guard settings.candidates >= 1 else {
            throw .invalidSetting(algorithm: "tpe", setting: "candidates", reason: "must be at least 1")
        }
        guard settings.gamma > 0, settings.gamma <= 1 else {
            throw .invalidSetting(algorithm: "tpe", setting: "gamma", reason: "must be in (0, 1]")
        }
        guard settings.priorWeight.isFinite, settings.priorWeight >= 0 else {
            throw .invalidSetting(algorithm: "tpe", setting: "priorWeight", reason: "must be 0 or more")
        }
        self.searchSpace = searchSpace
        self.objective = objective
        self.settings = settings
        self.seed = seed
        dimensions = searchSpace.parameters.map { parameter in
            switch parameter.domain {
            case .double(_, _, .linear, .some(_)), .integer(_, _, _, .linear): parameter.cardinality.map { .lattice(cells: $0) } ?? .numeric
            case .double, .integer: .numeric
            case .discrete(let values): .categorical(count: values.count)
            case .categorical(let values): .categorical(count: values.count)
            }
        }
    }

    /// The designer of `spec`'s search space, objective and seed.
    public init(spec: StudySpec, settings: TreeParzenSettings) throws(DesignerError) {
        try self.init(searchSpace: spec.searchSpace, objective: spec.objective, settings: settings, seed: spec.seed)
    }

    public var historyScope: HistoryScope { .finalMeasurements }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        var history = TreeParzenHistory(request: request, objective: objective, space: searchSpace, dimensions: dimensions)
        var suggestions: [ParameterAssignment] = []
        for index in 0..<max(request.count, 0) {
            var generator = SeededGenerator(seed: seed, stream: UInt64(truncatingIfNeeded: request.trialCount + index))
            let assignment: ParameterAssignment
            if history.finishedCount < settings.startupTrials {
                let unit = searchSpace.parameters.map { _ in generator.nextUnit() }
                assignment = searchSpace.assignment(drawnAtUnit: unit)
            } else {
                assignment = searchSpace.assignment(atInternal: proposal(history, using: &generator), dimensions: dimensions)
            }
            suggestions.append(assignment)
            if let point = searchSpace.internalPoint(of: assignment, dimensions: dimensions) { history.pending.append(point) }
        }
        return suggestions
    }

    /// How many trials are good among `finished`: `min(⌈gamma · finished⌉, 25)`.
    public func goodCount(finished: Int) -> Int {
        Swift.min(Int((settings.gamma * Double(finished)).rounded(.up)), 25)
    }

    /// The point (internal coordinates) with the best density ratio among the candidates.
    private func proposal(_ history: TreeParzenHistory, using generator: inout SeededGenerator) -> [Double] {
        let (good, bad) = history.split(goodCount: goodCount(finished: history.finishedCount))
        if settings.multivariate {
            guard searchSpace.isConditional else {
                return bestCandidate(good: good, bad: bad, dimensions: Array(dimensions.indices), using: &generator)
            }
            let joint = searchSpace.parameters.indices.filter { searchSpace.parameters[$0].condition == nil }
            var point = [Double](repeating: 0, count: dimensions.count)
            if !joint.isEmpty {
                for (dimension, coordinate) in zip(joint, bestCandidate(good: good, bad: bad, dimensions: joint, using: &generator)) {
                    point[dimension] = coordinate
                }
            }
            for dimension in dimensions.indices where searchSpace.parameters[dimension].condition != nil {
                point[dimension] = bestCandidate(good: good, bad: bad, dimensions: [dimension], using: &generator)[0]
            }
            return point
        }
        return dimensions.indices.map { dimension in
            bestCandidate(good: good, bad: bad, dimensions: [dimension], using: &generator)[0]
        }
    }

    private func bestCandidate(good: [[Double]], bad: [[Double]], dimensions chosen: [Int],
                               using generator: inout SeededGenerator) -> [Double] {
        let kinds = chosen.map { dimensions[$0] }
        // Only the trials in which every chosen parameter exists (NaN marks one that does not); every row as it is
        // when all parameters are chosen in order and none is conditional.
        let whole = !searchSpace.isConditional && chosen.elementsEqual(dimensions.indices)
        let observed = { (rows: [[Double]]) in
            whole ? rows : rows.map { row in chosen.map { row[$0] } }.filter { !$0.contains { $0.isNaN } }
        }
        let goodEstimator = ParzenEstimator(observations: observed(good), dimensions: kinds, priorWeight: settings.priorWeight)
        let badEstimator = ParzenEstimator(observations: observed(bad), dimensions: kinds, priorWeight: settings.priorWeight)
        // A lattice value is scored where it lands (its cell centre), as Optuna scores the rounded value.
        let candidates = goodEstimator.sample(count: settings.candidates, using: &generator).map { candidate in
            zip(chosen, candidate).map { dimension, coordinate in
                snap(coordinate, parameter: searchSpace.parameters[dimension], kind: dimensions[dimension])
            }
        }
        let goodLogDensities = goodEstimator.logDensities(at: candidates), badLogDensities = badEstimator.logDensities(at: candidates)
        var best: [Double] = []
        var bestScore = -Double.infinity
        for (index, candidate) in candidates.enumerated() {
            let score = goodLogDensities[index] - badLogDensities[index]
            if best.isEmpty || score > bestScore {
                best = candidate
                bestScore = score
            }
        }
        return best
    }

    private func snap(_ coordinate: Double, parameter: ParameterSpec, kind: ParzenDimension) -> Double {
        if case .categorical = kind { return coordinate }
        guard parameter.cardinality != nil else { return coordinate }
        return parameter.unitPosition(of: parameter.value(atUnit: coordinate)) ?? coordinate
    }
}

/// The study's trials as the estimator sees them: the internal points of the ranked trials, of the trials that can
/// only be bad, and of the pending ones.
struct TreeParzenHistory {
    typealias Observation = (id: Int, point: [Double])
    /// Completed trials with a finite objective, best first (ties in trial order).
    var completed: [Observation] = []
    /// Stopped trials with a value, most advanced first, then best first.
    var stopped: [Observation] = []
    /// Infeasible trials (and completed ones without a usable objective value).
    var infeasible: [Observation] = []
    /// Points whose results are pending, in the order they were proposed.
    var pending: [[Double]] = []

    init(request: DesignRequest, objective: Objective, space: SearchSpace, dimensions: [ParzenDimension]) {
        var ranked: [(loss: Double, id: Int, point: [Double])] = []
        var stoppedRanked: [(step: Int, loss: Double, id: Int, point: [Double])] = []
        // The service passes the ACTIVE and REQUESTED trials both in the history and as `pending`: count them once.
        var knownPending = Set<ParameterAssignment>()
        let conditional = space.isConditional
        // The store hands trials over in id order; sort only when they are not.
        let inIdOrder = zip(request.history, request.history.dropFirst()).allSatisfy { $0.id < $1.id }
        for trial in inIdOrder ? request.history : request.history.sorted(by: { $0.id < $1.id }) {
            let assignment = trial.parameters
            if !request.pending.isEmpty, !trial.state.isTerminal { knownPending.insert(space.coerce(assignment)) }
            guard let point = space.internalPoint(of: assignment, dimensions: dimensions, conditional: conditional) else { continue }
            switch trial.state {
            case .completed:
                // A trial that violates an outcome constraint joins the infeasible ones (Optuna's constrained TPE).
                if let value = trial.finalValue(of: objective.metric), value.isFinite, objective.isFeasible(trial.finalMeasurement?.metrics ?? [:]) {
                    ranked.append((-objective.goal.maximizationValue(value), trial.id, point))
                } else {
                    infeasible.append((trial.id, point))
                }
            case .stopped:
                let measurement = trial.finalMeasurement?.metrics[objective.metric] != nil ? trial.finalMeasurement
                    : trial.measurements.last { $0.metrics[objective.metric] != nil }
                if let measurement, let value = measurement.metrics[objective.metric], value.isFinite {
                    stoppedRanked.append((measurement.step, -objective.goal.maximizationValue(value), trial.id, point))
                }
            case .infeasible:
                infeasible.append((trial.id, point))
            case .failed:
                break
            case .active, .requested:
                pending.append(point)
            }
        }
        for assignment in request.pending {
            let coerced = space.coerce(assignment)
            guard knownPending.insert(coerced).inserted, let point = space.internalPoint(of: coerced, dimensions: dimensions) else { continue }
            pending.append(point)
        }
        completed = ranked.sorted { ($0.loss, $0.id) < ($1.loss, $1.id) }.map { ($0.id, $0.point) }
        stopped = stoppedRanked.sorted { ($1.step, $0.loss, $0.id) < ($0.step, $1.loss, $1.id) }.map { ($0.id, $0.point) }
    }

    /// Trials with a result: the completed and the stopped (Optuna's COMPLETE and PRUNED).
    var finishedCount: Int { completed.count + stopped.count }

    /// The good and the bad points, each in trial order (Optuna weighs recent trials more); pending points come
    /// last among the bad (the constant liar).
    func split(goodCount: Int) -> (good: [[Double]], bad: [[Double]]) {
        let goodCompleted = completed.prefix(goodCount)
        let goodStopped = stopped.prefix(Swift.max(0, goodCount - goodCompleted.count))
        let good = Array(goodCompleted) + Array(goodStopped)
        let bad = Array(completed.dropFirst(goodCompleted.count)) + Array(stopped.dropFirst(goodStopped.count)) + infeasible
        let inTrialOrder: ([Observation]) -> [[Double]] = { $0.sorted { $0.id < $1.id }.map(\.point) }
        return (inTrialOrder(good), inTrialOrder(bad) + pending)
    }
}

extension SearchSpace {
    /// The estimator's coordinates of `assignment`: the unit coordinate of a number, the index of a list value, NaN
    /// for a conditional parameter that does not exist under it; `nil` when one that exists is missing or invalid.
    /// `conditional` is `isConditional`, passed in by a caller that converts many trials.
    func internalPoint(of assignment: ParameterAssignment, dimensions: [ParzenDimension], conditional: Bool? = nil) -> [Double]? {
        var point: [Double] = []
        point.reserveCapacity(parameters.count)
        let active = (conditional ?? isConditional) ? activeNames(in: assignment) : nil
        // Through the buffer: no copy of each parameter's spec per trial.
        let complete = parameters.withUnsafeBufferPointer { parameters in
            for index in parameters.indices {
                if let active, !active.contains(parameters[index].name) {
                    point.append(.nan)
                    continue
                }
                guard let value = assignment[parameters[index].name] else { return false }
                switch dimensions[index] {
                case .numeric, .lattice:
                    guard let u = parameters[index].unitPosition(of: value) else { return false }
                    point.append(u)
                case .categorical:
                    guard let position = parameters[index].gridIndex(of: value) else { return false }
                    point.append(Double(position))
                }
            }
            return true
        }
        return complete ? point : nil
    }

    /// The assignment at internal coordinates `point`, holding only the parameters that exist under it.
    func assignment(atInternal point: [Double], dimensions: [ParzenDimension]) -> ParameterAssignment {
        var assignment = ParameterAssignment()
        for (index, parameter) in parameters.enumerated() {
            switch dimensions[index] {
            case .numeric, .lattice:
                assignment[parameter.name] = parameter.value(atUnit: point[index])
            case .categorical:
                let value = Int(point[index])
                assignment[parameter.name] = parameter.gridValue(at: value) ?? parameter.value(atUnit: 0)
            }
        }
        return pruned(assignment)
    }
}
