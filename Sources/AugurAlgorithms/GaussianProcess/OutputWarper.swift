import Foundation

/// Vizier-style warping of objective values (larger is better) before the GP sees them, then standardization.
///
/// 1. **Half-rank**: values below the median are replaced by `median + s·Φ⁻¹(q)`, where `q` is their rank quantile
///    and `s` the spread of the upper half around the median. The bad half then looks Gaussian whatever its tail:
///    one diverged run at `−10⁹` no longer flattens the model of the good region.
/// 2. **Log**: `0.5 − log(1 + t·(b − 1)) / log b` with `t = (max − y)/(max − min)` and `b = 1.5`, which stretches the
///    region near the best values, where the model's resolution matters.
/// 3. **Standardize** to mean 0 and standard deviation 1.
///
/// Each step preserves order, so the best trial stays the best. Identical values warp to all zeros. ``warping`` can
/// leave out steps 1–2 (``OutputWarping``).
public struct OutputWarper: Sendable {
    /// The log warping's base.
    public var logBase = 1.5
    /// Which of the steps above are applied (standardization always is).
    public var warping: OutputWarping

    public init(warping: OutputWarping = .vizier) {
        self.warping = warping
    }

    /// The warped, standardized values, in the same order.
    public func warp(_ values: [Double]) -> [Double] {
        let n = values.count
        guard n > 0 else { return [] }
        // Every step is equivariant under a positive scale, so values whose squares would overflow are first scaled
        // by a power of two (exact); ordinary values are left as they are.
        let largest = values.reduce(0) { Swift.max($0, abs($1)) }
        guard largest.isFinite, let lowest = values.min(), let highest = values.max(), highest > lowest else {
            return [Double](repeating: 0, count: n)
        }
        let scaled = largest > 0x1p500 ? values.map { $0 * Double(sign: .plus, exponent: -largest.exponent, significand: 1) } : values
        switch warping {
        case .vizier, .robustHalfRank, .logWarp: break
        case .byShape: return OutputWarper(warping: Self.upperTailIsLonger(scaled) ? .standardize : .vizier).warp(scaled)
        case .halfRank: return Self.standardized(halfRank(scaled))
        case .standardize: return Self.standardized(scaled)
        }
        var warped = warping == .logWarp ? scaled : halfRank(scaled, robustSpread: warping == .robustHalfRank)
        guard let low = warped.min(), let high = warped.max(), high > low else {
            return [Double](repeating: 0, count: n)
        }
        let denominator = Foundation.log(logBase)
        for i in 0..<n {
            let t = (high - warped[i]) / (high - low)
            warped[i] = 0.5 - Foundation.log1p(t * (logBase - 1)) / denominator
        }
        return Self.standardized(warped)
    }

    /// Whether the values reach further above their median than below it: a plateau with rare far better values.
    static func upperTailIsLonger(_ values: [Double]) -> Bool {
        let sorted = values.sorted()
        let n = sorted.count
        guard let low = sorted.first, let high = sorted.last else { return false }
        let median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        return high - median > median - low
    }

    /// The values shifted and scaled to mean 0 and standard deviation 1 (all zeros when they are equal).
    private static func standardized(_ values: [Double]) -> [Double] {
        let n = values.count
        let mean = values.reduce(0, +) / Double(n)
        var variance = 0.0
        for value in values { variance += (value - mean) * (value - mean) }
        let deviation = (variance / Double(n)).squareRoot()
        guard deviation > 0 else { return [Double](repeating: 0, count: n) }
        return values.map { ($0 - mean) / deviation }
    }

    private func halfRank(_ values: [Double], robustSpread: Bool = false) -> [Double] {
        let n = values.count
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        let sorted = order.map { values[$0] }
        let median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
        let upper = values.filter { $0 >= median }
        var spread = (upper.reduce(0) { $0 + ($1 - median) * ($1 - median) } / Double(Swift.max(upper.count, 1))).squareRoot()
        if robustSpread {
            // The median distance of the upper half from the median is 0.6745 σ for a Gaussian; unlike the root mean
            // square it ignores a few far better values, which would otherwise spread the bad half over several units.
            let distances = upper.map { $0 - median }.sorted()
            let m = distances.count
            let typical = m == 0 ? 0 : m % 2 == 1 ? distances[m / 2] : 0.5 * (distances[m / 2 - 1] + distances[m / 2])
            if typical > 0 { spread = typical / 0.674_489_75 }
        }
        if !(spread > 0) {
            let mean = values.reduce(0, +) / Double(n)
            spread = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        }
        guard spread > 0 else { return values }
        // Average ranks of ties (1-based), so equal values warp equally.
        var ranks = [Double](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start
            while end + 1 < n && sorted[end + 1] == sorted[start] { end += 1 }
            let rank = 0.5 * Double(start + end) + 1
            for position in start...end { ranks[order[position]] = rank }
            start = end + 1
        }
        var result = values
        for i in 0..<n where values[i] < median {
            let quantile = (ranks[i] - 0.5) / Double(n)
            result[i] = Swift.min(median + spread * NormalDistribution.quantile(quantile), median)
        }
        return result
    }
}

/// Which transformations of the objective values (larger is better) come before the standardization that the GP
/// always fits on (``OutputWarper``).
public enum OutputWarping: String, Sendable, CaseIterable {
    /// Half-rank, then the log warp, then standardization (Vizier's; the default).
    case vizier
    /// Half-rank, then standardization: the bad half is tamed, the good half keeps its linear shape.
    case halfRank
    /// Standardization only (Optuna's GPSampler): the model sees the values' own shape, outliers included.
    case standardize
    /// As ``vizier``, but the half-rank's spread `s` is the upper half's median distance from the median over
    /// 0.6745 (a Gaussian's ratio) instead of its root mean square, so that a few far better values do not spread
    /// the bad half over several units.
    case robustHalfRank
    /// The log warp, then standardization: the good values stretched as in ``vizier``, the bad half left as it is.
    case logWarp
    /// ``standardize`` when the values reach further above their median than below it (a plateau with rare far
    /// better values, which the half-rank would spread over several units), ``vizier`` otherwise (a long bad tail,
    /// which the half-rank tames); decided afresh on each call.
    case byShape
}

extension OutputWarper {
    /// `Σᵢ log w′(yᵢ)` of the warping that took `raw` to `warped` (same order), up to a constant that every warping of
    /// the same `raw` shares: the term that turns the GP's likelihood of the warped values into a density of the raw
    /// ones (Snelson et al., "Warped Gaussian processes"). The slope at each distinct raw value is that of the monotone
    /// piecewise-linear map through the sorted (raw, warped) pairs, centred between its neighbours (one-sided at the
    /// ends), as ``WarpInverse`` interpolates; for standardization it is exactly `1/σ`. Raw values are first divided
    /// by their largest magnitude (the shared constant), so that huge values do not overflow. 0 with fewer than two
    /// distinct values.
    public static func logJacobian(raw: [Double], warped: [Double]) -> Double {
        let n = Swift.min(raw.count, warped.count)
        let largest = raw.prefix(n).reduce(0) { Swift.max($0, abs($1)) }
        guard n > 1, largest > 0, largest.isFinite else { return 0 }
        // Distinct raw values in increasing order, each with its warped value (ties warp equally) and multiplicity.
        let order = (0..<n).sorted { raw[$0] < raw[$1] || (raw[$0] == raw[$1] && $0 < $1) }
        var xs: [Double] = []
        var ws: [Double] = []
        var counts: [Int] = []
        for i in order {
            let x = raw[i] / largest
            if let last = xs.last, last == x {
                counts[counts.count - 1] += 1
            } else {
                xs.append(x)
                ws.append(warped[i])
                counts.append(1)
            }
        }
        let m = xs.count
        guard m > 1, let wLow = ws.first, let wHigh = ws.last, wHigh > wLow else { return 0 }
        // A flat piece (a slope of 0 would make the density 0) is floored at a millionth of the overall slope.
        let floor = 1e-6 * (wHigh - wLow) / (xs[m - 1] - xs[0])
        var total = 0.0
        for j in 0..<m {
            let left = Swift.max(j - 1, 0)
            let right = Swift.min(j + 1, m - 1)
            let slope = (ws[right] - ws[left]) / (xs[right] - xs[left])
            total += Double(counts[j]) * Foundation.log(Swift.max(slope.isFinite ? slope : floor, floor))
        }
        return total
    }
}
