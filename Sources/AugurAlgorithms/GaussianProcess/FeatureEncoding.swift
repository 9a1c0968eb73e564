import AugurCore

/// How trials' parameters become the GP's input features, and back.
///
/// A numeric parameter (double, integer, discrete list) is one feature: its position in [0, 1] from
/// `ParameterSpec.unitPosition(of:)` (log-scale parameters in log space). Integers, stepped doubles and discrete
/// lists are modelled as continuous and snapped back to the nearest legal value by `ParameterSpec.value(atUnit:)`.
/// A categorical parameter with `k` values is `k` one-hot features, so the ARD kernel learns one lengthscale per
/// category and the distance between two different categories does not depend on their order in the list.
///
/// A conditional parameter that does not exist under a point's values gets fixed features: 0
/// (`SearchSpace.inactiveUnitPosition`) for a number, an all-zero block for a categorical. Every point the model
/// sees or the acquisition proposes is put in that form (`features(of:)`, `features(atUnit:)`, `snapped(_:)`), so
/// two points that differ only in a parameter that does not exist are the same point to the kernel: inactive
/// dimensions neither add noise to the fit nor pull the search, and the parent's value decides which children count.
struct FeatureEncoding: Sendable {
    enum Slot: Sendable {
        /// A numeric parameter at feature `feature`; `isFinite` when it has a lattice or a list to snap to.
        case numeric(feature: Int, isFinite: Bool)
        /// A categorical parameter whose one-hot block starts at `feature`.
        case categorical(feature: Int, count: Int)
    }

    let space: SearchSpace
    let slots: [Slot]
    /// Number of features.
    let dimensions: Int

    init(space: SearchSpace) {
        self.space = space
        var slots: [Slot] = []
        var next = 0
        for parameter in space.parameters {
            switch parameter.domain {
            case .categorical(let values):
                slots.append(.categorical(feature: next, count: values.count))
                next += values.count
            case .double(_, _, _, let step):
                slots.append(.numeric(feature: next, isFinite: step != nil))
                next += 1
            case .integer, .discrete:
                slots.append(.numeric(feature: next, isFinite: true))
                next += 1
            }
        }
        self.slots = slots
        self.dimensions = next
    }

    /// Whether any parameter is categorical.
    var hasCategories: Bool {
        slots.contains { if case .categorical = $0 { true } else { false } }
    }

    /// Feature indices of numeric parameters, the ones gradient refinement moves; categorical features stay put.
    var numericFeatures: [Int] {
        slots.compactMap { if case .numeric(let feature, _) = $0 { feature } else { nil } }
    }

    /// The features of an assignment; `nil` when a parameter that exists under it is missing or has a value of the
    /// wrong type.
    func features(of assignment: ParameterAssignment) -> [Double]? {
        var features = [Double](repeating: 0, count: dimensions)
        let active = space.isConditional ? space.activeNames(in: assignment) : nil
        for (parameter, slot) in zip(space.parameters, slots) {
            if let active, !active.contains(parameter.name) { continue }
            guard let value = assignment[parameter.name] else { return nil }
            switch slot {
            case .numeric(let feature, _):
                guard let position = parameter.unitPosition(of: value) else { return nil }
                features[feature] = position
            case .categorical(let feature, _):
                guard let index = parameter.gridIndex(of: value) else { return nil }
                features[feature + index] = 1
            }
        }
        return features
    }

    /// The features of the point `unit` of [0, 1]^p (one coordinate per parameter, as designers draw them):
    /// numeric coordinates snapped to their legal values when finite, categorical ones one-hot.
    func features(atUnit unit: [Double]) -> [Double] {
        var features = [Double](repeating: 0, count: dimensions)
        for (index, (parameter, slot)) in zip(space.parameters, slots).enumerated() {
            let u = unit[index]
            switch slot {
            case .numeric(let feature, let isFinite):
                features[feature] = isFinite ? (parameter.unitPosition(of: parameter.value(atUnit: u)) ?? u) : Swift.min(Swift.max(u, 0), 1)
            case .categorical(let feature, let count):
                features[feature + Swift.min(Swift.max(Int(u * Double(count)), 0), count - 1)] = 1
            }
        }
        return withInactiveFixed(features)
    }

    /// `features` with the features of every parameter that does not exist under them set to the fixed ones.
    private func withInactiveFixed(_ features: [Double]) -> [Double] {
        guard space.isConditional else { return features }
        let active = space.activeNames(in: assignment(of: features))
        var result = features
        for (parameter, slot) in zip(space.parameters, slots) where !active.contains(parameter.name) {
            switch slot {
            case .numeric(let feature, _):
                result[feature] = SearchSpace.inactiveUnitPosition
            case .categorical(let feature, let count):
                for index in 0..<count { result[feature + index] = 0 }
            }
        }
        return result
    }

    /// Snaps finite numeric features to the position of their legal value and categorical blocks to one-hot.
    func snapped(_ features: [Double]) -> [Double] {
        var result = features
        for (parameter, slot) in zip(space.parameters, slots) {
            switch slot {
            case .numeric(let feature, let isFinite):
                let u = Swift.min(Swift.max(features[feature], 0), 1)
                result[feature] = isFinite ? (parameter.unitPosition(of: parameter.value(atUnit: u)) ?? u) : u
            case .categorical(let feature, let count):
                var best = 0
                for index in 1..<Swift.max(count, 1) where features[feature + index] > features[feature + best] { best = index }
                for index in 0..<count { result[feature + index] = index == best ? 1 : 0 }
            }
        }
        return withInactiveFixed(result)
    }

    /// The assignment at `features`: numeric values snapped, each categorical block's largest feature chosen, and
    /// only the parameters that exist under those values kept.
    func assignment(of features: [Double]) -> ParameterAssignment {
        var assignment = ParameterAssignment()
        for (parameter, slot) in zip(space.parameters, slots) {
            switch slot {
            case .numeric(let feature, _):
                assignment[parameter.name] = parameter.value(atUnit: features[feature])
            case .categorical(let feature, let count):
                var best = 0
                for index in 1..<Swift.max(count, 1) where features[feature + index] > features[feature + best] { best = index }
                assignment[parameter.name] = parameter.gridValue(at: best)
            }
        }
        return space.pruned(assignment)
    }

    /// The unit-cube coordinates (one per parameter) of `features`, the inverse of `features(atUnit:)` up to snapping.
    func unitPoint(of features: [Double]) -> [Double] {
        zip(space.parameters, slots).map { _, slot in
            switch slot {
            case .numeric(let feature, _):
                return features[feature]
            case .categorical(let feature, let count):
                var best = 0
                for index in 1..<Swift.max(count, 1) where features[feature + index] > features[feature + best] { best = index }
                return (Double(best) + 0.5) / Double(count)
            }
        }
    }
}
