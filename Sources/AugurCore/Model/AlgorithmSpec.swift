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

/// Settings of the tree-structured Parzen estimator (Optuna's `TPESampler`, Katib's `tpe` and `multivariate-tpe`).
public struct TreeParzenSettings: Sendable, Codable, Hashable {
    /// How many trials are drawn at random before the estimator takes over (Katib's `n_startup_trials`).
    public var startupTrials: Int
    /// How many candidates are drawn from the good trials' density; the one with the highest ratio of good to bad
    /// density is proposed (Katib's `n_ei_candidates`).
    public var candidates: Int
    /// The fraction of the trials counted as good: the best `min(⌈gamma · n⌉, 25)` of `n` (Katib's `gamma`; Optuna's
    /// default gamma function is this with 0.1).
    public var gamma: Double
    /// The weight of the prior (a wide kernel at the middle of each parameter's range, or the uniform law over a
    /// categorical's values) next to each observation's weight (Katib's `prior_weight`).
    public var priorWeight: Double
    /// Whether the densities are joint over all parameters (Optuna's `multivariate=True`, Katib's
    /// `multivariate-tpe`) or one per parameter.
    public var multivariate: Bool

    public init(startupTrials: Int = 10, candidates: Int = 24, gamma: Double = 0.1, priorWeight: Double = 1,
                multivariate: Bool = false) {
        self.startupTrials = startupTrials
        self.candidates = candidates
        self.gamma = gamma
        self.priorWeight = priorWeight
        self.multivariate = multivariate
    }
}

/// What CMA-ES does when its search has converged or stalled.
public enum CMAESRestartStrategy: String, Sendable, Codable, Hashable, CaseIterable {
    /// Keep going with the converged distribution (Optuna's default).
    case none
    /// Restart from a random mean with the population doubled each time (IPOP-CMA-ES).
    case ipop
    /// Alternate restarts with a doubling large population and restarts with a small population and a smaller
    /// step size, whichever regime has spent fewer evaluations (BIPOP-CMA-ES).
    case bipop
}

/// Settings of the covariance matrix adaptation evolution strategy (Optuna's `CmaEsSampler`, Katib's `cmaes`).
public struct CMAESSettings: Sendable, Codable, Hashable {
    /// The initial step size, in the unit cube every parameter is mapped to; `nil` is 1/6 (Optuna's default: a
    /// sixth of the range). Katib's `sigma`.
    public var sigma: Double?
    /// Katib's `restart_strategy`.
    public var restartStrategy: CMAESRestartStrategy

    public init(sigma: Double? = nil, restartStrategy: CMAESRestartStrategy = .none) {
        self.sigma = sigma
        self.restartStrategy = restartStrategy
    }
}

/// Settings of population-based training (Katib's `pbt`): generations of `population` members, each trained from
/// its parent's checkpoint; after a generation ends, its worst `truncationThreshold` fraction is replaced by copies of
/// its best, with their parameters perturbed or resampled.
public struct PopulationBasedTrainingSettings: Sendable, Codable, Hashable {
    /// Members per generation (Katib's `n_population`).
    public var population: Int
    /// The fraction of a generation replaced by copies of its best members, in (0, 0.5] (Katib's
    /// `truncation_threshold`).
    public var truncationThreshold: Double
    /// `nil`: a copied member's numbers are multiplied by 0.8 or 1.2 and its list values move to a neighbour;
    /// otherwise each parameter is drawn afresh with this probability and kept otherwise (Katib's
    /// `resample_probability`).
    public var resampleProbability: Double?
    /// The path a trial's command names as its checkpoint directory (Katib's `suggestion_trial_dir`): the runner
    /// replaces it, in the command's arguments and environment values, by the trial's own checkpoint directory.
    public var checkpointPath: String?

    public init(population: Int = 10, truncationThreshold: Double = 0.2, resampleProbability: Double? = nil,
                checkpointPath: String? = nil) {
        self.population = population
        self.truncationThreshold = truncationThreshold
        self.resampleProbability = resampleProbability
        self.checkpointPath = checkpointPath
    }
}

/// Which designer proposes a study's trials.
public enum AlgorithmSpec: Sendable, Codable, Hashable {
    case random
    case quasiRandom(QuasiRandomSequence)
    case grid
    case gaussianProcess(GaussianProcessSettings)
    /// The tree-structured Parzen estimator, univariate or multivariate.
    case treeParzen(TreeParzenSettings)
    /// CMA-ES.
    case cmaes(CMAESSettings)
    /// Population-based training.
    case populationBased(PopulationBasedTrainingSettings)

    /// The name used in spec files and output.
    public var name: String {
        switch self {
        case .random: "random"
        case .quasiRandom: "quasirandom"
        case .grid: "grid"
        case .gaussianProcess: "gp"
        case .treeParzen(let settings): settings.multivariate ? "multivariate-tpe" : "tpe"
        case .cmaes: "cmaes"
        case .populationBased: "pbt"
        }
    }
}
