import AugurCore
import Foundation

/// CMA-ES (the covariance matrix adaptation evolution strategy), as Optuna's `CmaEsSampler` runs it and Katib's
/// `cmaes` configures it, with the IPOP and BIPOP restarts of the `cmaes` package.
///
/// The strategy runs in the unit cube of `UnitCube.swift` over the numeric parameters (double, int and discrete, so
/// log scale is searched in the logarithm and a lattice value owns its cell), from the centre with step size
/// `sigma` (default 1/6). **Categorical parameters are drawn uniformly at random, independently of the strategy**,
/// as Optuna does for the parameters CMA-ES cannot model; a space of categoricals only is random search.
///
/// **Conditional parameters**: the strategy searches the flattened space, every numeric parameter whether it exists
/// or not, and a trial keeps only the parameters that exist under its values; the coordinates it dropped are those
/// its stream drew, so a generation is told the whole points its members were drawn at (inactive coordinates move
/// with the population but never change a result).
///
/// The designer keeps no state. Each call replays the study: trial `n` (counting from 0) was drawn from
/// `SeededGenerator(seed:, stream: n)` out of the generation current when it was created, so walking the trials in
/// creation order, a trial belongs to the current generation exactly when that generation's draw from its stream
/// gives its parameters again. A generation is told once `populationSize` of its trials have COMPLETED (in trial
/// the order they ended; FAILED, STOPPED and INFEASIBLE trials, and trials of older generations or added by hand, are not told,
/// like Optuna's generation tags); meanwhile every new trial draws another point of the same generation from its
/// own stream, so parallel suggestions do not repeat. After each generation the restart strategy may start a new
/// run from a random mean (IPOP doubles the population; BIPOP alternates as the `cmaes` package's example does).
public struct CMAESDesigner: Designer, Hashable {
    public let searchSpace: SearchSpace
    public let objective: Objective
    public let settings: CMAESSettings
    public let seed: UInt64
    /// Indices of the parameters the strategy searches (all but the categoricals).
    private let modelled: [Int]

    /// - Throws: `DesignerError` when the search space is malformed or `sigma` is not positive.
    public init(searchSpace: SearchSpace, objective: Objective, settings: CMAESSettings, seed: UInt64) throws(DesignerError) {
        try searchSpace.checkSearchable()
        if let sigma = settings.sigma, !(sigma.isFinite && sigma > 0) {
            throw .invalidSetting(algorithm: "cmaes", setting: "sigma", reason: "must be greater than 0")
        }
        self.searchSpace = searchSpace
        self.objective = objective
        self.settings = settings
        self.seed = seed
        modelled = searchSpace.parameters.indices.filter { index in
            if case .categorical = searchSpace.parameters[index].domain { return false }
            return true
        }
    }

    public init(spec: StudySpec, settings: CMAESSettings) throws(DesignerError) {
        try self.init(searchSpace: spec.searchSpace, objective: spec.objective, settings: settings, seed: spec.seed)
    }

    public var historyScope: HistoryScope { .finalMeasurements }

    /// The initial step size in unit coordinates.
    public var initialSigma: Double { settings.sigma ?? 1.0 / 6 }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        let run = replay(request.history)
        return (0..<max(request.count, 0)).map { index in
            draw(from: run.strategy, trial: request.trialCount + index)
        }
    }

    // MARK: Replay

    /// A generation's update, as the memo of tells knows it.
    struct TellKey: Hashable, Sendable {
        var before: EvolutionStrategy
        var points: [[Double]]
        var losses: [Double]
    }

    /// Tells already computed, shared by every study of the process: a tell is a pure function of the state and the
    /// solutions, so a replay (every suggestion replays the study) recomputes only the generations that are new.
    /// Without it a suggestion costs one eigendecomposition per past generation.
    static let tells = BoundedCache<TellKey, EvolutionStrategy>(capacity: 4096)

    /// Where a replay of the study ends: the current run, and how many restarts led to it.
    struct Replay: Sendable {
        var strategy: EvolutionStrategy
        var restarts: Int
        /// Generations told, over all runs.
        var generations: Int
        /// Trials with numeric parameters that no generation drew (added by hand, or drawn from a generation that
        /// had already been told).
        var unrecognised = 0
    }

    /// What the replay has seen of one trial: enough to tell a terminal trial seen before from any other.
    struct TrialMark: Hashable, Sendable {
        var study: String
        var id: Int
        var createdAt: Date
        var state: TrialState
        var endedAt: Date?
        var value: Double?

        init(_ trial: Trial, metric: String) {
            study = trial.study
            id = trial.id
            createdAt = trial.createdAt
            state = trial.state
            endedAt = trial.endedAt
            value = trial.finalValue(of: metric)
        }
    }

    /// The replay after the longest run of terminal trials of a study's last suggestion, per designer: a terminal
    /// trial never changes (its parameters are fixed when it is created), so the next suggestion resumes there and
    /// replays only the trials after it.
    static let walks = BoundedCache<CMAESDesigner, (marks: [TrialMark], walk: Walk)>(capacity: 256)

    /// The strategy the study's history has led to.
    func replay(_ history: [Trial]) -> Replay {
        var walk = Walk(run: Replay(strategy: EvolutionStrategy(mean: [Double](repeating: 0.5, count: modelled.count), sigma: initialSigma),
                                    restarts: 0, generations: 0),
                        restarts: RestartSchedule(strategy: settings.restartStrategy, dimension: modelled.count, sigma: initialSigma))
        guard !modelled.isEmpty else { return walk.run }
        let trials = history.sorted { $0.id < $1.id }
        var marks = trials.map { TrialMark($0, metric: objective.metric) }
        var start = 0
        if let cached = Self.walks[self], cached.marks.count <= marks.count, cached.marks[...] == marks.prefix(cached.marks.count) {
            walk = cached.walk
            start = cached.marks.count
        }
        var terminalPrefix = marks[start...].prefix { $0.state.isTerminal }.count + start
        if terminalPrefix == start { terminalPrefix = -1 }
        for index in start..<trials.count {
            process(trials[index], into: &walk)
            if index + 1 == terminalPrefix {
                marks.removeLast(marks.count - terminalPrefix)
                Self.walks.set((marks, walk), for: self)
            }
        }
        advanceIfComplete(&walk)
        return walk.run
    }

    /// The replay's state between two trials.
    struct Walk: Sendable {
        var run: Replay
        var restarts: RestartSchedule
        /// The current generation's trials so far: their points, losses (COMPLETED ones), end times and ids.
        var members: [Member] = []
    }

    struct Member: Sendable {
        var point: [Double]
        var loss: Double?
        var ended: Double
        var id: Int
    }

    private func process(_ trial: Trial, into walk: inout Walk) {
        guard let observed = modelledPoint(of: trial.parameters) else { return }
        var drawn = draw(matching: observed, trial: trial.id - 1, from: walk.run.strategy)
        if drawn == nil {
            advanceIfComplete(&walk)
            if walk.members.isEmpty { drawn = draw(matching: observed, trial: trial.id - 1, from: walk.run.strategy) }
        }
        guard let point = drawn else {
            walk.run.unrecognised += 1
            return
        }
        var loss: Double?
        if trial.state == .completed, let value = trial.finalValue(of: objective.metric), value.isFinite {
            loss = -objective.goal.maximizationValue(value)
        }
        walk.members.append(Member(point: point, loss: loss, ended: trial.endedAt?.timeIntervalSinceReferenceDate ?? -.infinity,
                                   id: trial.id))
    }

    /// Tells the generation once enough of its members have completed, then maybe restarts.
    private func advanceIfComplete(_ walk: inout Walk) {
        // The first members to complete are the ones the live designer told (trial order without end times).
        let completed = walk.members.filter { $0.loss != nil }.sorted { ($0.ended, $0.id) < ($1.ended, $1.id) }
        guard completed.count >= walk.run.strategy.populationSize else { return }
        let told = completed.prefix(walk.run.strategy.populationSize).map { (point: $0.point, loss: $0.loss ?? 0) }
        let before = walk.run.strategy
        walk.run.strategy = Self.tells.value(for: TellKey(before: before, points: told.map(\.point), losses: told.map(\.loss))) {
            var after = before
            after.tell(told)
            return after
        }
        walk.run.generations += 1
        walk.members = []
        if walk.run.strategy.shouldStop, let next = walk.restarts.next(after: walk.run.strategy, seed: seed) {
            walk.run.strategy = next
            walk.run.restarts += 1
        }
    }

    /// What trial `trial`'s stream draws from `strategy` (its modelled coordinates, snapped to their values), when
    /// that is `point` to float rounding; coordinates of parameters that do not exist in the trial (NaN in `point`)
    /// are taken from the draw. `nil` when the trial was not drawn from `strategy`.
    private func draw(matching point: [Double], trial: Int, from strategy: EvolutionStrategy) -> [Double]? {
        guard trial >= 0 else { return nil }
        var generator = SeededGenerator(seed: seed, stream: UInt64(truncatingIfNeeded: trial))
        let unit = strategy.sample(using: &generator)
        let drawn = modelled.enumerated().map { offset, index in
            let parameter = searchSpace.parameters[index]
            return parameter.unitPosition(of: parameter.value(atUnit: unit[offset])) ?? unit[offset]
        }
        return zip(drawn, point).allSatisfy { $1.isNaN || Swift.abs($0 - $1) <= 1e-9 } ? drawn : nil
    }

    /// The unit coordinates of `assignment`'s modelled parameters, NaN for those that do not exist under it.
    private func modelledPoint(of assignment: ParameterAssignment) -> [Double]? {
        var point: [Double] = []
        let active = searchSpace.isConditional ? searchSpace.activeNames(in: assignment) : nil
        for index in modelled {
            let parameter = searchSpace.parameters[index]
            if let active, !active.contains(parameter.name) {
                point.append(.nan)
                continue
            }
            guard let value = assignment[parameter.name], let u = parameter.unitPosition(of: value) else { return nil }
            point.append(u)
        }
        return point
    }

    /// Trial `trial`'s point: the strategy's draw for the modelled parameters, then uniform categoricals.
    private func draw(from strategy: EvolutionStrategy, trial: Int) -> ParameterAssignment {
        var generator = SeededGenerator(seed: seed, stream: UInt64(truncatingIfNeeded: trial))
        var unit = [Double](repeating: 0, count: searchSpace.parameters.count)
        if !modelled.isEmpty {
            for (offset, coordinate) in strategy.sample(using: &generator).enumerated() { unit[modelled[offset]] = coordinate }
        }
        for index in searchSpace.parameters.indices where !modelled.contains(index) { unit[index] = generator.nextUnit() }
        // Pruned once every parameter has its value, categorical parents included.
        let assignment = searchSpace.assignment(atUnit: unit)
        return assignment
    }
}

/// What run comes after a converged one (the `cmaes` package's IPOP and BIPOP examples, which Optuna followed).
struct RestartSchedule: Sendable {
    let strategy: CMAESRestartStrategy
    let basePopulation: Int
    let dimension: Int
    let sigma: Double
    private var restarts = 0
    private var largeRestarts = 0
    private var largeEvaluations = 0
    private var smallEvaluations = 0
    /// The first run counts as a small one (the `cmaes` package's BIPOP example), so the first restart is large.
    private var currentIsSmall = true
    private var currentPopulation: Int

    init(strategy: CMAESRestartStrategy, dimension: Int, sigma: Double) {
        self.strategy = strategy
        self.dimension = dimension
        self.sigma = sigma
        basePopulation = EvolutionStrategy.defaultPopulationSize(dimension: dimension)
        currentPopulation = basePopulation
    }

    /// The next run after `finished` converged, or `nil` without a restart strategy.
    mutating func next(after finished: EvolutionStrategy, seed: UInt64) -> EvolutionStrategy? {
        guard strategy != .none else { return nil }
        restarts += 1
        // A stream of its own per restart, far from the trials' streams.
        var generator = SeededGenerator(seed: seed, stream: (1 << 63) | UInt64(restarts))
        let mean = (0..<dimension).map { _ in generator.nextUnit() }
        var population: Int
        var runSigma = sigma
        switch strategy {
        case .none:
            return nil
        case .ipop:
            population = currentPopulation * 2
        case .bipop:
            let evaluations = finished.populationSize * finished.generation
            if currentIsSmall { smallEvaluations += evaluations } else { largeEvaluations += evaluations }
            if smallEvaluations < largeEvaluations {
                currentIsSmall = true
                let multiplier = Foundation.pow(2.0, Double(largeRestarts))
                let u = generator.nextUnit()
                population = Int((Double(basePopulation) * Foundation.pow(multiplier, u * u)).rounded(.down))
                runSigma = sigma * Foundation.pow(10, -2 * generator.nextUnit())
            } else {
                currentIsSmall = false
                largeRestarts += 1
                population = basePopulation * (1 << Swift.min(largeRestarts, 20))
            }
        }
        population = Swift.max(population, 2)
        currentPopulation = population
        return EvolutionStrategy(mean: mean, sigma: runSigma, populationSize: population)
    }
}
