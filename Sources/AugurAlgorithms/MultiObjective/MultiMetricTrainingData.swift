import AugurCore

/// What the multi-objective Gaussian-process bandit learns from a study's history: one set of observations shared
/// by every objective, and one per outcome constraint.
///
/// - COMPLETED and STOPPED trials whose final measurement has every objective (finite) are observations of every
///   objective; they are *feasible* when they are COMPLETED and meet every constraint (only those form the front).
/// - A constraint is observed wherever its metric has a finite final value, as its slack (how far inside the safe
///   side: `threshold − value` for `atMost`, `value − threshold` for `atLeast`), so that it is met where the slack is
///   at least 0.
/// - FAILED and INFEASIBLE trials, and COMPLETED ones without every objective, are observations of every objective
///   at its worst value seen (as in the one-objective bandit's ``TrainingData``), never of a constraint; while no
///   trial has a value they are left out.
/// - ACTIVE and REQUESTED trials, and `DesignRequest.pending`, are pending points.
struct MultiMetricTrainingData: Sendable {
    /// Features of the objectives' observations.
    var points: [[Double]] = []
    /// For every objective (``Objective/objectives`` order), its values at `points`, larger better.
    var objectiveValues: [[Double]]
    /// Whether the observation at each of `points` is a feasible completed trial.
    var feasible: [Bool] = []
    /// For every constraint, the features and slacks where it was observed.
    var constraintPoints: [[[Double]]]
    var constraintSlacks: [[Double]]
    var pendingPoints: [[Double]] = []
    /// Every assignment already proposed (coerced), so that no suggestion repeats one.
    var knownAssignments: Set<ParameterAssignment> = []

    init(request: DesignRequest, objective: Objective, encoding: FeatureEncoding) {
        let objectives = objective.objectives
        let constraints = objective.constraints
        objectiveValues = Array(repeating: [], count: objectives.count)
        constraintPoints = Array(repeating: [], count: constraints.count)
        constraintSlacks = Array(repeating: [], count: constraints.count)
        var failedPoints: [[Double]] = []
        let space = encoding.space
        for trial in request.history.sorted(by: { $0.id < $1.id }) {
            let assignment = space.coerce(trial.parameters)
            knownAssignments.insert(assignment)
            guard let features = encoding.features(of: assignment) else { continue }
            switch trial.state {
            case .completed, .stopped:
                let metrics = trial.finalMeasurement?.metrics ?? [:]
                for (index, constraint) in constraints.enumerated() {
                    guard let value = metrics[constraint.name], value.isFinite else { continue }
                    constraintPoints[index].append(features)
                    constraintSlacks[index].append(constraint.constraint.slack(value))
                }
                if let vector = objective.maximizationVector(metrics), vector.allSatisfy(\.isFinite) {
                    points.append(features)
                    for k in vector.indices { objectiveValues[k].append(vector[k]) }
                    feasible.append(trial.state == .completed && objective.isFeasible(metrics))
                } else if trial.state == .completed {
                    failedPoints.append(features)
                }
            case .failed, .infeasible:
                failedPoints.append(features)
            case .active, .requested:
                pendingPoints.append(features)
            }
        }
        if !points.isEmpty {
            let worst = objectiveValues.map { $0.min() ?? 0 }
            for features in failedPoints {
                points.append(features)
                for k in worst.indices { objectiveValues[k].append(worst[k]) }
                feasible.append(false)
            }
        }
        for pending in request.pending {
            let assignment = space.coerce(pending)
            guard knownAssignments.insert(assignment).inserted, let features = encoding.features(of: assignment) else { continue }
            pendingPoints.append(features)
        }
    }
}
