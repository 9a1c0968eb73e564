import AugurCore

extension MetricStrategy {
    /// Picks the final value from values in the order they were reported.
    public func pick(_ values: [Double]) -> Double? {
        switch self {
        case .latest: values.last
        case .min: values.min()
        case .max: values.max()
        }
    }
}

extension Objective {
    /// The final measurement of a trial that did not report one itself: for every metric the study collects, its
    /// strategy (latest / min / max) applied over the reported values; the step is the last step reported. Metrics the
    /// study does not name are kept with their latest value. `nil` when nothing was reported.
    public func finalMeasurement(from measurements: [TrialMeasurement]) -> TrialMeasurement? {
        guard let last = measurements.last else { return nil }
        var valuesByMetric: [String: [Double]] = [:]
        for measurement in measurements {
            for (name, value) in measurement.metrics {
                valuesByMetric[name, default: []].append(value)
            }
        }
        var strategies: [String: MetricStrategy] = [metric: strategy]
        for additional in additionalMetrics where strategies[additional.name] == nil {
            strategies[additional.name] = additional.strategy
        }
        var metrics: [String: Double] = [:]
        for (name, values) in valuesByMetric {
            if let value = (strategies[name] ?? .latest).pick(values) {
                metrics[name] = value
            }
        }
        let step = measurements.map(\.step).max() ?? last.step
        return TrialMeasurement(step: step, elapsedSeconds: measurements.compactMap(\.elapsedSeconds).max(), metrics: metrics)
    }
}

extension Objective {
    /// The first objective metric (in ``objectives`` order) that `measurement` lacks, or `nil` when it has them all:
    /// a trial completes only with a value for every objective.
    public func missingObjective(in measurement: TrialMeasurement?) -> String? {
        objectives.first { measurement?.metrics[$0.name] == nil }?.name
    }
}
