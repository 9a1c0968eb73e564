import Foundation
import AugurCore

/// One trial's objective values by step, read the way every stopping policy reads them (see ``StoppingPolicy``).
struct LearningCurve: Sendable, Hashable {
    /// The trial's objective value at one step.
    struct Point: Sendable, Hashable {
        var step: Int
        var value: Double
    }

    /// Strictly increasing steps.
    let points: [Point]

    init(points: [Point]) {
        self.points = points
    }

    /// The values of `metric` in `trial.measurements`, skipping measurements without it or with NaN, sorted by step,
    /// the last report winning when several share a step.
    init(trial: Trial, metric: String) {
        var points: [Point] = []
        points.reserveCapacity(trial.measurements.count)
        var sorted = true
        for measurement in trial.measurements {
            guard let value = measurement.metrics[metric], !value.isNaN else { continue }
            if let last = points.last, measurement.step <= last.step { sorted = false }
            points.append(Point(step: measurement.step, value: value))
        }
        if !sorted {
            // Stable by report order within a step, so the last report of a step is the last of its run.
            let ordered = points.enumerated().sorted { lhs, rhs in
                lhs.element.step != rhs.element.step ? lhs.element.step < rhs.element.step : lhs.offset < rhs.offset
            }
            var unique: [Point] = []
            unique.reserveCapacity(ordered.count)
            for (_, point) in ordered {
                if let last = unique.last, last.step == point.step {
                    unique[unique.count - 1] = point
                } else {
                    unique.append(point)
                }
            }
            points = unique
        }
        self.points = points
    }

    var isEmpty: Bool { points.isEmpty }

    /// The step of the latest measurement.
    var lastStep: Int? { points.last?.step }

    /// The step of the measurement before the latest one.
    var previousStep: Int? { points.count >= 2 ? points[points.count - 2].step : nil }

    /// The latest value at or before `step`.
    func value(atOrBefore step: Int) -> Double? {
        guard let index = lastIndex(atOrBefore: step) else { return nil }
        return points[index].value
    }

    /// The mean of the values at or before `step` (one term per reported step).
    func runningAverage(through step: Int) -> Double? {
        guard let index = lastIndex(atOrBefore: step) else { return nil }
        var sum = 0.0
        for point in points[...index] { sum += point.value }
        let average = sum / Double(index + 1)
        return average.isNaN ? nil : average
    }

    /// The best value at or before `step` under `goal`, with the step it was reported at.
    func best(through step: Int, goal: ObjectiveGoal) -> Point? {
        guard let index = lastIndex(atOrBefore: step) else { return nil }
        var best = points[0]
        for point in points[...index] where goal.isBetter(point.value, than: best.value) {
            best = point
        }
        return best
    }

    /// Index of the last point whose step is at or before `step` (binary search).
    private func lastIndex(atOrBefore step: Int) -> Int? {
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle].step <= step { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }
}

extension Trial {
    /// Whether this trial's curve counts when judging another trial.
    var countsForEarlyStopping: Bool {
        switch state {
        case .active, .completed, .stopped: true
        case .requested, .failed, .infeasible: false
        }
    }
}

extension Array where Element == Trial {
    /// The curves of the trials other than `trial` that count for early stopping, leaving out those with no value.
    func competitorCurves(excluding trial: Trial, metric: String) -> [LearningCurve] {
        var curves: [LearningCurve] = []
        curves.reserveCapacity(count)
        for other in self where other.id != trial.id && other.countsForEarlyStopping {
            let curve = LearningCurve(trial: other, metric: metric)
            if !curve.isEmpty { curves.append(curve) }
        }
        return curves
    }
}

/// A number as it appears in a stopping reason: short, and never `0.30000000000000004`.
func stoppingFormat(_ value: Double) -> String {
    if !value.isFinite { return formatNumber(value) }
    return formatNumber(Double(String(format: "%.4g", value)) ?? value)
}
