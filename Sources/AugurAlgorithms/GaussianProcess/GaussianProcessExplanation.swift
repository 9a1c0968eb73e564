import AugurCore
import Foundation

extension GaussianProcessDesigner {
    /// Why the designer proposed a trial, kept as trial metadata under the namespace ``namespace`` (shown by
    /// `augur trials --verbose`):
    /// - `source`: `initial design` (quasi-random, before the model takes over), `model`, or `quasi-random` (the
    ///   model could not be fitted);
    /// - for a model-based trial, `acquisition` (the function maximized, e.g. `logei`, or `ucb(beta=3)` on an
    ///   exploring suggestion), `acquisition_value` (its value at the point, in the units the designer maximizes:
    ///   log EI and log PI are logarithms), and `predicted_mean` and `predicted_stddev`: the model's prediction of
    ///   the objective there, in the objective's own units (see ``WarpInverse`` for how it is mapped back).
    public enum Explanation: Sendable, Equatable {
        case initialDesign
        case unfittable
        case model(acquisition: String, value: Double, prediction: (mean: Double, deviation: Double))

        /// The metadata namespace of the GP's explanations.
        public static let namespace = "augur.gp"

        public var metadata: [MetadataEntry] {
            func entry(_ key: String, _ value: String) -> MetadataEntry {
                MetadataEntry(namespace: Self.namespace, key: key, value: .text(value))
            }
            switch self {
            case .initialDesign:
                return [entry("source", "initial design")]
            case .unfittable:
                return [entry("source", "quasi-random")]
            case .model(let acquisition, let value, let prediction):
                return [entry("source", "model"), entry("acquisition", acquisition), entry("acquisition_value", Self.format(value)),
                        entry("predicted_mean", Self.format(prediction.mean)), entry("predicted_stddev", Self.format(prediction.deviation))]
            }
        }

        static func format(_ value: Double) -> String {
            value.isFinite ? String(format: "%.6g", value) : "\(value)"
        }

        public static func == (lhs: Explanation, rhs: Explanation) -> Bool {
            lhs.metadata == rhs.metadata
        }
    }
}

/// Maps the GP's prediction, made in warped and standardized units (``OutputWarper``), back to the objective's units.
///
/// The warping is monotone, so the observations' (warped, raw) pairs trace it; a predicted mean is mapped by linear
/// interpolation between them, and beyond the observed range along the nearest end segment's slope. The standard
/// deviation is scaled by the slope at the mean. Both are approximations (the warping is not linear), exact at the
/// observations, and exact everywhere in their range for ``OutputWarping/standardize`` (an affine map).
struct WarpInverse: Sendable {
    /// Warped values, ascending, and the raw (maximization) values they came from.
    private let warped: [Double]
    private let raw: [Double]
    private let goal: ObjectiveGoal

    init(warped: [Double], raw: [Double], goal: ObjectiveGoal) {
        let order = warped.indices.sorted { warped[$0] < warped[$1] || (warped[$0] == warped[$1] && raw[$0] < raw[$1]) }
        var keptWarped: [Double] = []
        var keptRaw: [Double] = []
        for index in order where keptWarped.last.map({ warped[index] > $0 }) ?? true {
            keptWarped.append(warped[index])
            keptRaw.append(raw[index])
        }
        self.warped = keptWarped
        self.raw = keptRaw
        self.goal = goal
    }

    /// The objective-unit mean and standard deviation of a warped-unit prediction.
    func objective(mean: Double, deviation: Double) -> (mean: Double, deviation: Double) {
        guard let first = warped.first, let last = warped.last else { return (.nan, .nan) }
        guard warped.count > 1 else { return (goal.maximizationValue(raw[0]), .nan) }
        var segment = 0
        if mean >= last {
            segment = warped.count - 2
        } else if mean > first {
            var low = 0
            var high = warped.count - 1
            while high - low > 1 {
                let middle = (low + high) / 2
                if warped[middle] <= mean { low = middle } else { high = middle }
            }
            segment = low
        }
        let slope = (raw[segment + 1] - raw[segment]) / (warped[segment + 1] - warped[segment])
        let value = raw[segment] + slope * (mean - warped[segment])
        return (goal.maximizationValue(value), abs(slope) * deviation)
    }
}
