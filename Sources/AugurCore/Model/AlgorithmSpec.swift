/// The low-discrepancy sequence a quasi-random designer draws from.
public enum QuasiRandomSequence: String, Sendable, Codable, Hashable, CaseIterable {
    case halton
    case sobol
}

/// The acquisition function a Gaussian-process designer maximizes.
public enum AcquisitionFunction: String, Sendable, Codable, Hashable, CaseIterable {
    /// log expected improvement: EI computed in log space, stable far from the incumbent.
    case logExpectedImprovement = "logei"
    /// Expected improvement (Katib's `gp_hedge`/`EI` map here).
    case expectedImprovement = "ei"
    /// Upper confidence bound `mean + beta * sd`.
    case upperConfidenceBound = "ucb"
    /// Probability of improvement.
    case probabilityOfImprovement = "pi"
}

/// Settings of the Gaussian-process bandit.
public struct GaussianProcessSettings: Sendable, Codable, Hashable {
    /// How many trials come from the quasi-random designer before the model takes over.
    public var initialTrials: Int
    public var acquisition: AcquisitionFunction
    /// The exploration weight of UCB.
    public var ucbBeta: Double

    public init(initialTrials: Int = 10, acquisition: AcquisitionFunction = .logExpectedImprovement, ucbBeta: Double = 1.8) {
        self.initialTrials = initialTrials
        self.acquisition = acquisition
        self.ucbBeta = ucbBeta
    }
}

/// Which designer proposes a study's trials.
public enum AlgorithmSpec: Sendable, Codable, Hashable {
    case random
    case quasiRandom(QuasiRandomSequence)
    case grid
    case gaussianProcess(GaussianProcessSettings)

    /// The name used in spec files and output.
    public var name: String {
        switch self {
        case .random: "random"
        case .quasiRandom: "quasirandom"
        case .grid: "grid"
        case .gaussianProcess: "gp"
        }
    }
}
