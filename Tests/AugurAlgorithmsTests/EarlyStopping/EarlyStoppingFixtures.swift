import AugurCore
import Foundation

/// Hand-built learning curves for the stopping-policy tests.
///
/// Curves are written as losses (smaller is better). `LearningCurves(goal:)` turns them into the metric a study with
/// that goal sees: the loss itself when minimizing, its negation when maximizing, so every known answer holds for
/// both goals unchanged.
struct LearningCurves {
    let goal: ObjectiveGoal
    let metric = "loss"

    var objective: Objective { Objective(metric: metric, goal: goal) }

    func value(_ loss: Double) -> Double {
        goal == .minimize ? loss : -loss
    }

    /// A trial reporting `losses` at steps 1, 2, 3, ….
    func trial(_ id: Int, _ losses: [Double], state: TrialState = .completed) -> Trial {
        trial(id, steps: losses.enumerated().map { (step: $0.offset + 1, loss: $0.element) }, state: state)
    }

    /// A trial reporting `(step, loss)` pairs in the given order.
    func trial(_ id: Int, steps: [(step: Int, loss: Double)], state: TrialState = .completed) -> Trial {
        Trial(id: id, study: "curves", parameters: [:], state: state,
              measurements: steps.map { TrialMeasurement(step: $0.step, metrics: [metric: value($0.loss)]) })
    }
}
