import AugurCore

extension ParameterDistribution {
    /// Katib's spread for `normal` and `logNormal` (from its hyperopt service): σ = (max − min) / 6, so ±3σ span the
    /// range; measured in the parameter's unit coordinate (the logarithm on log scale), that is σ = 1/6 around 1/2.
    static let unitStandardDeviation = 1.0 / 6

    /// The unit coordinate a uniform draw `u` in [0, 1] stands for under this distribution: `u` itself when uniform;
    /// for `normal`, the `u`-quantile of the normal with mean 1/2 and σ 1/6 truncated to [0, 1]. Monotone in `u`, so
    /// a quasi-random sequence keeps its even coverage of the quantiles.
    public func unitCoordinate(forUniform u: Double) -> Double {
        switch self {
        case .uniform:
            return u
        case .normal:
            // The ends are the bounds exactly (the quantile function stops a hair inside them).
            if u.isNaN || u <= 0 { return 0 }
            if u >= 1 { return 1 }
            let sigma = Self.unitStandardDeviation
            let lower = NormalDistribution.cumulative(-0.5 / sigma)
            let upper = NormalDistribution.cumulative(0.5 / sigma)
            let z = NormalDistribution.quantile(lower + u * (upper - lower))
            return Swift.min(Swift.max(0.5 + sigma * z, 0), 1)
        }
    }
}

extension SearchSpace {
    /// The assignment a random or quasi-random draw `u` (uniform in [0, 1]^d) stands for: each coordinate is first
    /// shaped by its parameter's `distribution`, then mapped by `assignment(atUnit:)` (scale, steps, lists).
    public func assignment(drawnAtUnit u: [Double]) -> ParameterAssignment {
        assignment(atUnit: zip(parameters, u).map { parameter, coordinate in
            parameter.distribution.unitCoordinate(forUniform: coordinate)
        })
    }
}
