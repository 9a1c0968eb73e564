import AugurCore
import AugurMath

/// The acquisition search's last step in a space with integers, stepped doubles, discrete lists or categoricals:
/// it scores only points that can be run, and moves in the discrete dimensions one legal value at a time.
///
/// The continuous search (``AcquisitionOptimizer``) treats a finite parameter as a continuous position and holds
/// categorical blocks fixed while it refines, so its best points are between legal values and its ranking is the
/// ranking of points no trial can have. This search:
/// 1. snaps the optimizer's leading proposals to legal values (``FeatureEncoding/snapped(_:)``) and scores them there,
///    so every score it returns is the acquisition at a runnable point;
/// 2. climbs from the best few of them: a step goes to the best *neighbour* (one finite parameter one lattice value or
///    list entry up or down, or one categorical parameter set to another category) while that improves the score;
/// 3. refines the continuous parameters of the points it reached by gradient, the discrete ones held fixed.
///
/// Points in `excluded` (assignments a trial already has, or an earlier member of the batch) may be walked through
/// but are never returned, so the search does not stop at a point it cannot suggest.
struct DiscreteNeighbourhoodSearch: Sendable {
    let encoding: FeatureEncoding
    /// How many of the optimizer's proposals are snapped and scored.
    var snappedProposals = 64
    /// How many of the best snapped points start a climb.
    var climbs = 4
    /// The most steps a climb takes.
    var maxSteps = 12

    /// Whether the space has a dimension this search moves in.
    static func applies(to encoding: FeatureEncoding) -> Bool {
        encoding.slots.contains {
            switch $0 {
            case .numeric(_, let isFinite): isFinite
            case .categorical: true
            }
        }
    }

    /// Snapped, new points ordered by score (best first), then the rest of `proposals` snapped and new in their order.
    func search(proposals: [AcquisitionOptimizer.Proposal], model: GaussianProcessModel, evaluator: AcquisitionEvaluator,
                lower: [Double], upper: [Double], excluded: Set<ParameterAssignment>) -> [AcquisitionOptimizer.Proposal] {
        var scored: [ParameterAssignment: AcquisitionOptimizer.Proposal] = [:]
        var order: [ParameterAssignment] = []

        /// Scores the points not scored yet in one batched posterior evaluation; returns every point's proposal.
        func score(_ points: [[Double]]) -> [AcquisitionOptimizer.Proposal] {
            var fresh: [(ParameterAssignment, [Double])] = []
            var seen = Set<ParameterAssignment>()
            for point in points {
                let assignment = encoding.assignment(of: point)
                if scored[assignment] == nil, seen.insert(assignment).inserted { fresh.append((assignment, point)) }
            }
            if !fresh.isEmpty {
                let d = encoding.dimensions
                var elements = [Double](repeating: 0, count: fresh.count * d)
                for (row, entry) in fresh.enumerated() {
                    for k in 0..<d { elements[row + k * fresh.count] = entry.1[k] }
                }
                let (means, variances) = model.predict(Matrix(rows: fresh.count, columns: d, elements: elements))
                for (row, entry) in fresh.enumerated() {
                    let value = evaluator.score(mean: means[row], variance: variances[row])
                    scored[entry.0] = AcquisitionOptimizer.Proposal(features: entry.1, score: value.isNaN ? -.infinity : value)
                    order.append(entry.0)
                }
            }
            return points.compactMap { scored[encoding.assignment(of: $0)] }
        }

        let leading = score(proposals.prefix(snappedProposals).map { encoding.snapped($0.features) })
        var starts: [AcquisitionOptimizer.Proposal] = []
        for proposal in leading.sorted(by: { $0.score > $1.score }) where starts.count < climbs {
            if !starts.contains(where: { $0.features == proposal.features }) { starts.append(proposal) }
        }

        var summits: [AcquisitionOptimizer.Proposal] = []
        for start in starts {
            var current = start
            for _ in 0..<maxSteps {
                guard let best = score(neighbours(of: current.features)).max(by: { $0.score < $1.score }),
                      best.score > current.score else { break }
                current = best
            }
            summits.append(current)
        }

        // The continuous parameters of each summit, refined by gradient with its discrete values held fixed.
        let continuous = encoding.slots.compactMap { slot -> Int? in
            if case .numeric(let feature, false) = slot { feature } else { nil }
        }
        if !continuous.isEmpty, !summits.isEmpty {
            let d = encoding.dimensions
            var elements = [Double](repeating: 0, count: summits.count * d)
            for (row, summit) in summits.enumerated() {
                for k in 0..<d { elements[row + k * summits.count] = summit.features[k] }
            }
            let refiner = AcquisitionOptimizer(refinements: summits.count, refinementIterations: 20)
            let refined = refiner.maximize(model: model, evaluator: evaluator, candidates: Matrix(rows: summits.count, columns: d, elements: elements),
                                           lower: lower, upper: upper, movable: continuous)
            _ = score(refined.map { encoding.snapped($0.features) })
        }

        var result = order.compactMap { excluded.contains($0) ? nil : scored[$0] }
        result.sort { $0.score > $1.score }
        var returned = Set(order)
        for proposal in proposals.dropFirst(snappedProposals) {
            let features = encoding.snapped(proposal.features)
            let assignment = encoding.assignment(of: features)
            guard !excluded.contains(assignment), returned.insert(assignment).inserted else { continue }
            result.append(AcquisitionOptimizer.Proposal(features: features, score: proposal.score))
        }
        return result
    }

    /// The snapped points one discrete move away from `features`: one finite numeric parameter one legal value up or
    /// down, or one categorical parameter set to another category.
    func neighbours(of features: [Double]) -> [[Double]] {
        var result: [[Double]] = []
        for (parameter, slot) in zip(encoding.space.parameters, encoding.slots) {
            switch slot {
            case .numeric(let feature, let isFinite):
                guard isFinite, let index = parameter.gridIndex(of: parameter.value(atUnit: features[feature])) else { continue }
                for next in [index - 1, index + 1] {
                    guard let value = parameter.gridValue(at: next), let position = parameter.unitPosition(of: value) else { continue }
                    var point = features
                    point[feature] = position
                    result.append(encoding.snapped(point))
                }
            case .categorical(let feature, let count):
                guard (0..<count).contains(where: { features[feature + $0] == 1 }) else { continue }
                for category in 0..<count where features[feature + category] != 1 {
                    var point = features
                    for index in 0..<count { point[feature + index] = index == category ? 1 : 0 }
                    result.append(encoding.snapped(point))
                }
            }
        }
        return result
    }
}
