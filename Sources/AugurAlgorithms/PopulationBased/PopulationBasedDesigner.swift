import AugurCore

/// Population-based training (Jaderberg et al. 2017, Katib's `pbt`): the study runs in generations of `population`
/// members, each member one trial that trains on from its parent's checkpoint.
///
/// Trial `n` (counting from 1) is member `(n - 1) mod population` of generation `(n - 1) / population`, so a
/// population slot never gets two trials and any replica reaches the same plan from the same history. Generation 0 is
/// drawn at random. A later generation starts once every member of the one before has ended; its members are then
/// made by truncation selection over the previous generation's final objective values:
///
/// - a member among the best continues: the same parameters, from its own checkpoint (its parent is itself, one
///   generation back);
/// - a member among the worst `truncationThreshold` fraction, or one that failed or never reported the objective, is
///   replaced: it copies one of the best `truncationThreshold` fraction (chosen at random), starts from that trial's
///   checkpoint, and explores: each number multiplied by 0.8 or 1.2 and each list value moved to a neighbour, or with
///   `resampleProbability` each parameter drawn afresh with that probability.
///
/// Katib perturbs every member that is not replaced and starts a replaced member from its own checkpoint with the
/// better member's parameters; Augur follows the paper and Ray Tune instead (the replaced member takes the better
/// member's weights too), which is what makes the exploit step pay off.
///
/// Each trial's generation, member and parent are recorded as its metadata (``PopulationMember``) and handed to the
/// runner, which copies the parent's checkpoint directory into the trial's own before the trial starts.
public struct PopulationBasedDesigner: Designer {
    public let searchSpace: SearchSpace
    public let settings: PopulationBasedTrainingSettings
    public let objective: Objective
    public let seed: UInt64

    /// - Throws: `DesignerError` when the search space is malformed or a setting is out of range.
    public init(searchSpace: SearchSpace, objective: Objective, settings: PopulationBasedTrainingSettings, seed: UInt64) throws(DesignerError) {
        try searchSpace.checkSearchable()
        guard settings.population >= 2 else {
            throw .invalidSetting(algorithm: "pbt", setting: "population", reason: "must be at least 2")
        }
        guard settings.truncationThreshold > 0 && settings.truncationThreshold <= 0.5 else {
            throw .invalidSetting(algorithm: "pbt", setting: "truncationThreshold", reason: "must be in (0, 0.5]")
        }
        if let probability = settings.resampleProbability, !(probability >= 0 && probability <= 1) {
            throw .invalidSetting(algorithm: "pbt", setting: "resampleProbability", reason: "must be between 0 and 1")
        }
        self.searchSpace = searchSpace
        self.objective = objective
        self.settings = settings
        self.seed = seed
    }

    /// The designer of `spec`'s search space, objective and seed.
    public init(spec: StudySpec, settings: PopulationBasedTrainingSettings) throws(DesignerError) {
        try self.init(searchSpace: spec.searchSpace, objective: spec.objective, settings: settings, seed: spec.seed)
    }

    public var historyScope: HistoryScope { .finalMeasurements }

    public var recordsTrialMetadata: Bool { true }

    /// How many members a generation replaces, and how many of its best it copies from: the threshold's share of
    /// the population, at least one.
    public var truncationCount: Int {
        max(1, Int(settings.truncationThreshold * Double(settings.population)))
    }

    public func suggest(_ request: DesignRequest) throws -> [ParameterAssignment] {
        try propose(request).map(\.parameters)
    }

    /// The next trials' points with their place in the population. Fewer than asked (possibly none) while the
    /// previous generation still has trials running: the next generation waits for it.
    public func propose(_ request: DesignRequest) throws -> [DesignProposal] {
        let trials = Dictionary(request.history.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let lastID = max(request.history.map(\.id).max() ?? 0, request.trialCount)
        var proposals: [DesignProposal] = []
        var selections: [Int: Selection] = [:]
        for index in 0..<max(request.count, 0) {
            let id = lastID + 1 + index
            let generation = (id - 1) / settings.population
            let member = (id - 1) % settings.population
            var generator = SeededGenerator(seed: seed, stream: UInt64(truncatingIfNeeded: id))
            guard generation > 0 else {
                proposals.append(fresh(generation: 0, member: member, using: &generator))
                continue
            }
            if selections[generation] == nil {
                guard let selection = selection(ofGeneration: generation - 1, in: trials, lastID: lastID) else { break }
                selections[generation] = selection
            }
            guard let selection = selections[generation] else { break }
            proposals.append(next(member: member, generation: generation, selection: selection, using: &generator))
        }
        return proposals
    }

    /// What truncation selection made of one ended generation.
    struct Selection {
        /// The generation's trials by member (`nil`: no such trial, e.g. deleted).
        var members: [Trial?]
        /// Members (by index) that continue with their own checkpoint.
        var survivors: Set<Int>
        /// The trials a replaced member copies from, best first; empty when no member reported the objective.
        var donors: [Trial]
    }

    /// The selection over generation `generation`, or `nil` while one of its trials has not ended (or is not created
    /// yet: trials above `lastID`; one at or below it that the history lacks was deleted and counts as failed).
    func selection(ofGeneration generation: Int, in trials: [Int: Trial], lastID: Int) -> Selection? {
        let population = settings.population
        guard (generation + 1) * population <= lastID else { return nil }
        let members: [Trial?] = (0..<population).map { trials[generation * population + $0 + 1] }
        guard members.allSatisfy({ $0.map { $0.state.isTerminal } ?? true }) else { return nil }
        let ranked = members.indices.compactMap { index -> (index: Int, value: Double)? in
            guard let trial = members[index], trial.state == .completed || trial.state == .stopped,
                  let value = trial.finalValue(of: objective.metric), value.isFinite else { return nil }
            return (index, value)
        }.sorted { lhs, rhs in
            objective.goal.isBetter(lhs.value, than: rhs.value) || (lhs.value == rhs.value && lhs.index < rhs.index)
        }
        let cut = min(truncationCount, ranked.count)
        let donors = ranked.prefix(max(cut, ranked.isEmpty ? 0 : 1)).compactMap { members[$0.index] }
        // The worst `truncationCount` ranked members are replaced, but never one of the donors.
        let keep = max(ranked.count - truncationCount, donors.count)
        let survivors = Set(ranked.prefix(keep).map(\.index))
        return Selection(members: members, survivors: survivors, donors: donors)
    }

    private func next(member: Int, generation: Int, selection: Selection, using generator: inout SeededGenerator) -> DesignProposal {
        if selection.survivors.contains(member), let predecessor = selection.members[member] {
            return DesignProposal(
                parameters: searchSpace.coerce(predecessor.parameters),
                metadata: PopulationMember(generation: generation, member: member, parent: predecessor.id).metadata)
        }
        guard !selection.donors.isEmpty else {
            // Nothing of the previous generation is worth continuing: start this member afresh.
            return fresh(generation: generation, member: member, using: &generator)
        }
        let donor = selection.donors[generator.nextIndex(below: selection.donors.count)]
        let copied = searchSpace.coerce(donor.parameters)
        var explored = explore(copied, using: &generator)
        if !searchSpace.isValid(explored) { explored = copied }
        return DesignProposal(
            parameters: explored, metadata: PopulationMember(generation: generation, member: member, parent: donor.id).metadata)
    }

    private func fresh(generation: Int, member: Int, using generator: inout SeededGenerator) -> DesignProposal {
        let unit = (0..<searchSpace.parameters.count).map { _ in generator.nextUnit() }
        return DesignProposal(
            parameters: searchSpace.assignment(drawnAtUnit: unit),
            metadata: PopulationMember(generation: generation, member: member).metadata)
    }

    /// The explore step: perturb every parameter, or resample each with `resampleProbability`.
    func explore(_ assignment: ParameterAssignment, using generator: inout SeededGenerator) -> ParameterAssignment {
        var result = assignment
        for parameter in searchSpace.parameters {
            guard let value = assignment[parameter.name] else { continue }
            if let probability = settings.resampleProbability {
                // Two draws per parameter whatever the outcome, so one parameter's luck never shifts another's.
                let resample = generator.nextUnit() < probability
                let unit = parameter.distribution.unitCoordinate(forUniform: generator.nextUnit())
                if resample { result[parameter.name] = parameter.value(atUnit: unit) }
            } else {
                let up = generator.nextUnit() < 0.5
                result[parameter.name] = perturbed(value, of: parameter, up: up)
            }
        }
        return result
    }

    /// `value` multiplied by 1.2 (`up`) or 0.8 within the parameter's bounds and on its lattice; a list value moves
    /// one place (a categorical list wraps around, a discrete one stops at its ends).
    func perturbed(_ value: ParameterValue, of parameter: ParameterSpec, up: Bool) -> ParameterValue {
        let factor = up ? 1.2 : 0.8
        switch parameter.domain {
        case let .double(min, max, _, step):
            guard let x = value.doubleValue else { return value }
            let moved = Swift.min(Swift.max(x * factor, min), max)
            guard step != nil, let position = parameter.unitPosition(of: .double(moved)) else { return .double(moved) }
            return parameter.value(atUnit: position)
        case let .integer(min, max, step, _):
            guard let x = value.doubleValue else { return value }
            var moved = (x * factor).rounded()
            // Small integers would not move at all (1 · 1.2 rounds to 1): move them by a step instead.
            if moved == x { moved = x + Double(up ? step : -step) }
            moved = Swift.min(Swift.max(moved, Double(min)), Double(max))
            return parameter.unitPosition(of: .double(moved)).map { parameter.value(atUnit: $0) } ?? value
        case let .discrete(values):
            guard let x = value.doubleValue, let index = values.firstIndex(of: x) else { return value }
            return .double(values[Swift.min(Swift.max(index + (up ? 1 : -1), 0), values.count - 1)])
        case let .categorical(values):
            guard let s = value.stringValue, let index = values.firstIndex(of: s) else { return value }
            return .string(values[(index + (up ? 1 : -1) + values.count) % values.count])
        }
    }
}
