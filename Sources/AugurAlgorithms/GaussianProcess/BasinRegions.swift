import AugurCore
import AugurMath
import Foundation

/// Trust regions around the best points of distinct basins for the GP's exploring steps (in the spirit of TuRBO-m,
/// Eriksson et al. 2019: several local searches kept alive at once), derived from the data so that the designer stays
/// stateless (``GaussianProcessDesigner/SearchOptions/basinExploration``).
///
/// **Basins.** The observations are taken best first (larger value first, the earlier one on a tie); one is the center
/// of a basin when no observation taken before it lies within ``GaussianProcessDesigner/SearchOptions/BasinExploration/radius``
/// in lengthscale-scaled distance (`√Σₖ ((xₖ − yₖ)/ℓₖ)²` over every feature). The first center is the incumbent; the
/// others are the best points of the other regions the data have found good, each at least `radius` lengthscales from
/// every better point.
///
/// **Rotation.** The exploring steps are numbered by their model suggestion (`⌊modelSuggestion / period⌋`); step `j`
/// searches the `j mod m`-th entry of the rotation: the basins after the incumbent's (at most
/// ``GaussianProcessDesigner/SearchOptions/BasinExploration/basins`` of them, best first), preceded by the whole space
/// when ``GaussianProcessDesigner/SearchOptions/BasinExploration/includesWholeSpace`` is set. With no basin besides the
/// incumbent's, the step searches the whole space (the default exploring step). The rotation is a pure function of the
/// history, so a fresh computation on the same trials gives the same region. With
/// ``GaussianProcessDesigner/SearchOptions/BasinExploration/allocatesByAcquisition`` the step instead takes the entry
/// whose candidates score best under the exploring acquisition (TuRBO-m's allocation by acquisition).
///
/// **Box.** A basin's box is centered on its best point in the unit cube; its side is
/// ``GaussianProcessDesigner/SearchOptions/BasinExploration/side``, stretched per numeric parameter by its lengthscale
/// relative to their geometric mean (×¼ … ×4, as the incumbent's trust region), clipped to the cube. Categorical
/// parameters are not restricted.
enum BasinRegions {
    /// The indices of the basin centers among `points` (features, one row per observation) with `values` (larger is
    /// better), best first, at most `limit` of them.
    static func centers(points: [[Double]], values: [Double], lengthscales: [Double], radius: Double, limit: Int) -> [Int] {
        let n = Swift.min(points.count, values.count)
        guard n > 0, limit > 0 else { return [] }
        let order = (0..<n).sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        let weights = lengthscales.map { 1 / Swift.max($0 * $0, 1e-300) }
        let radiusSquared = radius * radius
        var centers: [Int] = []
        for (position, candidate) in order.enumerated() {
            let point = points[candidate]
            var isolated = true
            for better in order[..<position] {
                let other = points[better]
                var sum = 0.0
                for k in 0..<Swift.min(point.count, other.count, weights.count) {
                    let difference = point[k] - other[k]
                    sum += difference * difference * weights[k]
                }
                if sum < radiusSquared {
                    isolated = false
                    break
                }
            }
            if isolated {
                centers.append(candidate)
                if centers.count == limit { break }
            }
        }
        return centers
    }

    /// The center searched by exploring step `step` (an index into `centers`'s elements, i.e. an observation index), or
    /// `nil` for the whole space.
    static func target(exploringStep step: Int, centers: [Int], includesWholeSpace: Bool) -> Int? {
        let rotation: [Int?] = (includesWholeSpace ? [nil] : []) + centers.dropFirst().map { Optional($0) }
        guard !rotation.isEmpty, !centers.dropFirst().isEmpty else { return nil }
        return rotation[((step % rotation.count) + rotation.count) % rotation.count]
    }

    /// The box around `center` (a point of the unit cube, one coordinate per parameter): its half-widths per parameter
    /// (0.5 for a categorical one), the side stretched by each numeric feature's lengthscale relative to their geometric
    /// mean, at most 0.5.
    static func halfWidths(encoding: FeatureEncoding, lengthscales: [Double], side: Double) -> [Double] {
        let numericFeatures = encoding.numericFeatures
        var halfWidths = [Double](repeating: 0.5, count: encoding.slots.count)
        guard !numericFeatures.isEmpty else { return halfWidths }
        let logMean = numericFeatures.reduce(0) { $0 + Foundation.log(lengthscales[$1]) } / Double(numericFeatures.count)
        for (p, slot) in encoding.slots.enumerated() {
            guard case .numeric(let feature, _) = slot else { continue }
            let weight = Foundation.exp(Foundation.log(lengthscales[feature]) - logMean)
            let halfWidth = 0.5 * side * Swift.min(Swift.max(weight, 0.25), 4)
            halfWidths[p] = halfWidth.isFinite ? Swift.min(Swift.max(halfWidth, 1e-3), 0.5) : 0.5
        }
        return halfWidths
    }
}

extension GaussianProcessDesigner {
    /// The box that exploring step `exploringStep` searches with `options` (``BasinRegions``): its center in the unit
    /// cube and half-widths per parameter; `nil` for the whole space. With
    /// ``SearchOptions/BasinExploration/allocatesByAcquisition`` it is the entry of the rotation whose candidate set
    /// (drawn from `generator`) scores best under `evaluator`, the earlier entry on a tie.
    func basinBox(_ options: SearchOptions.BasinExploration, model: GaussianProcessModel, data: TrainingData, exploringStep: Int,
                  optimizer: AcquisitionOptimizer, evaluator: AcquisitionEvaluator,
                  generator: inout SeededGenerator) -> (center: [Double], halfWidths: [Double])? {
        let lengthscales = model.hyperparameters.lengthscales
        let centers = BasinRegions.centers(points: data.points, values: data.values, lengthscales: lengthscales, radius: options.radius,
                                           limit: Swift.max(options.basins, 0) + 1)
        let halfWidths = BasinRegions.halfWidths(encoding: encoding, lengthscales: lengthscales, side: options.side)
        func box(_ center: Int?) -> (center: [Double], halfWidths: [Double])? {
            center.map { (encoding.unitPoint(of: data.points[$0]), halfWidths) }
        }
        guard options.allocatesByAcquisition, centers.count > 1 else {
            return box(BasinRegions.target(exploringStep: exploringStep, centers: centers, includesWholeSpace: options.includesWholeSpace))
        }
        let entries: [Int?] = (options.includesWholeSpace ? [nil] : []) + centers.dropFirst().map { Optional($0) }
        var best: (box: (center: [Double], halfWidths: [Double])?, score: Double)?
        for entry in entries {
            let candidate = box(entry)
            let (candidates, _, _) = candidateSet(model: model, data: data, basin: candidate, generator: &generator)
            let score = optimizer.scores(model: model, evaluator: evaluator, candidates: candidates).max() ?? -.infinity
            if best == nil || score > best?.score ?? -.infinity { best = (candidate, score) }
        }
        return best?.box
    }
}
