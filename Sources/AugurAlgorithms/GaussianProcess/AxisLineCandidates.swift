import AugurCore

/// Acquisition candidates on the axis lines through the best trials (``GaussianProcessDesigner/SearchOptions/axisLineValues``):
/// for each of the best few trials and each parameter, points that keep every other parameter at that trial's value and
/// move this one across its whole range.
///
/// On a separable objective with several basins per coordinate (Styblinski–Tang, Rastrigin) the incumbent often has
/// a few coordinates in the wrong basin, and the better point is the incumbent with one coordinate moved far. A
/// quasi-random candidate changes every coordinate and a perturbation of a good trial moves each only a little, so
/// without these points the acquisition is never scored there.
///
/// Points are in the unit cube of the parameters (one coordinate per parameter, as ``FeatureEncoding/unitPoint(of:)``
/// gives them). A numeric line has `values` stratified positions `(j + u) / values`, `j = 0 … values − 1`, with one
/// offset `u` drawn per line, so that successive suggestions look at different points of the same line; finite
/// parameters are snapped to legal values later, by ``FeatureEncoding/features(atUnit:)``. A categorical line has one
/// point per other category (the centre's own category is skipped).
struct AxisLineCandidates: Sendable {
    /// Positions per numeric line.
    var values: Int

    /// The line points through each of `centers` (unit points, one coordinate per parameter of `slots`), centre by
    /// centre and parameter by parameter. Each differs from its centre in exactly one coordinate (a numeric point whose
    /// stratified position equals the centre's keeps it and is still listed).
    func unitPoints(through centers: [[Double]], slots: [FeatureEncoding.Slot], generator: inout SeededGenerator) -> [[Double]] {
        guard values > 0 else { return [] }
        var points: [[Double]] = []
        for center in centers {
            for (p, slot) in slots.enumerated() where p < center.count {
                switch slot {
                case .numeric:
                    let offset = generator.nextUnit()
                    for j in 0..<values {
                        var point = center
                        point[p] = (Double(j) + offset) / Double(values)
                        points.append(point)
                    }
                case .categorical(_, let count):
                    let own = Swift.min(Swift.max(Int(center[p] * Double(count)), 0), count - 1)
                    for category in 0..<count where category != own {
                        var point = center
                        point[p] = (Double(category) + 0.5) / Double(count)
                        points.append(point)
                    }
                }
            }
        }
        return points
    }
}
