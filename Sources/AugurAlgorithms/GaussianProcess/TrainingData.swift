import AugurCore

/// What the Gaussian-process designer learns from a study's history.
///
/// - COMPLETED trials with a finite objective value are observations.
/// - STOPPED trials (early-stopped) are observations at their final measurement's objective value, or, without
///   one, at the last intermediate measurement that reports the objective; a stopped trial with no value at all is
///   left out. Early stopping ends trials that look bad, so their last value is a fair (pessimistic) label.
/// - FAILED and INFEASIBLE trials, and COMPLETED trials without a finite objective value, are observations at the
///   worst objective value seen among the others: the model learns to avoid their region instead of suggesting it
///   again. While no trial has a value they are left out.
/// - ACTIVE and REQUESTED trials, and `DesignRequest.pending`, are pending points the batch logic fantasizes about.
struct TrainingData: Sendable {
    /// Features of the feasible observations.
    var points: [[Double]] = []
    /// Objective values of the feasible observations, turned so that larger is better.
    var values: [Double] = []
    /// Each feasible observation's position in the history in trial-id order (the `trialCount` it was proposed at,
    /// in a sequential study).
    var positions: [Int] = []
    /// Features of failed and infeasible trials.
    var infeasiblePoints: [[Double]] = []
    /// The history positions of failed and infeasible trials.
    var infeasiblePositions: [Int] = []
    /// Features of trials whose results are pending.
    var pendingPoints: [[Double]] = []
    /// Every assignment already proposed (coerced to the parameters' types), so that no suggestion repeats one.
    var knownAssignments: Set<ParameterAssignment> = []

    init(request: DesignRequest, objective: Objective, encoding: FeatureEncoding) {
        let space = encoding.space
        let trials = request.history.sorted { $0.id < $1.id }
        for (position, trial) in trials.enumerated() {
            let assignment = space.coerce(trial.parameters)
            knownAssignments.insert(assignment)
            guard let features = encoding.features(of: assignment) else { continue }
            switch trial.state {
            case .completed:
                if let value = trial.finalValue(of: objective.metric), value.isFinite {
                    points.append(features)
                    values.append(objective.goal.maximizationValue(value))
                    positions.append(position)
                } else {
                    infeasiblePoints.append(features)
                    infeasiblePositions.append(position)
                }
            case .stopped:
                let value = trial.finalValue(of: objective.metric)
                    ?? trial.measurements.last { $0.metrics[objective.metric] != nil }?.metrics[objective.metric]
                if let value, value.isFinite {
                    points.append(features)
                    values.append(objective.goal.maximizationValue(value))
                    positions.append(position)
                }
            case .failed, .infeasible:
                infeasiblePoints.append(features)
                infeasiblePositions.append(position)
            case .active, .requested:
                pendingPoints.append(features)
            }
        }
        for pending in request.pending {
            let assignment = space.coerce(pending)
            guard knownAssignments.insert(assignment).inserted, let features = encoding.features(of: assignment) else { continue }
            pendingPoints.append(features)
        }
    }

    /// The feasible observations followed by the infeasible ones at the worst value (or the feasible ones alone).
    var labelledPoints: (points: [[Double]], values: [Double]) {
        guard let worst = values.min(), !infeasiblePoints.isEmpty else { return (points, values) }
        return (points + infeasiblePoints, values + [Double](repeating: worst, count: infeasiblePoints.count))
    }

    /// Feasible observations made after the last one that beat the best before it by more than `tolerance` in warped,
    /// standardized units (``OutputWarper``), in trial order. Unlike ``observationsSinceBest`` this keeps growing
    /// while a search creeps down one basin by tiny steps; small steps count once they add up to `tolerance`.
    func observationsSinceImprovement(tolerance: Double) -> Int {
        let warped = OutputWarper().warp(values)
        guard var best = warped.first else { return 0 }
        var last = 0
        for (index, value) in warped.enumerated().dropFirst() where value > best + tolerance {
            best = value
            last = index
        }
        return warped.count - 1 - last
    }

    /// Feasible observations made after the best one, in trial order: the trust region shrinks as this grows.
    var observationsSinceBest: Int {
        guard let best = values.indices.max(by: { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }) else { return 0 }
        return values.count - 1 - best
    }
}
