/// The parts of a spec as far as a reader could read them; see `SpecValidator.problems(of:)`.
struct SpecDraft {
    var name: String?
    var objective: Objective?
    /// The parameters in file order; an element is `nil` when that parameter could not be read.
    var parameters: [ParameterSpec?]?
    var algorithm: AlgorithmSpec?
    var earlyStopping: EarlyStoppingSpec?
    var budget: Budget?
    var trial: TrialTemplate?
    var seed: UInt64?
    var format: SpecFormat

    init(format: SpecFormat) {
        self.format = format
    }

    init(_ spec: StudySpec) {
        name = spec.name
        objective = spec.objective
        parameters = spec.searchSpace.parameters
        algorithm = spec.algorithm
        earlyStopping = spec.earlyStopping
        budget = spec.budget
        trial = spec.trial
        seed = spec.seed
        format = spec.format
    }

    /// The spec, when every required part was read.
    var spec: StudySpec? {
        guard let name, let objective, let parameters, let algorithm, let budget, let seed else { return nil }
        let read = parameters.compactMap { $0 }
        guard read.count == parameters.count else { return nil }
        return StudySpec(name: name, searchSpace: SearchSpace(read), objective: objective, algorithm: algorithm,
                         earlyStopping: earlyStopping, budget: budget, trial: trial, seed: seed, format: format)
    }
}
