import Foundation

/// Applies the configured update rule to a network's parameters, keeping the per-parameter state
/// (velocity, or Adam's moments) on the same backend.
///
/// Weight decay applies to weight matrices only; biases are never decayed.
final class Optimizer {
    let kind: OptimizerKind
    let momentum: Float
    let nesterov: Bool
    let weightDecay: Float
    let beta1: Float
    let beta2: Float
    let epsilon: Float
    private(set) var stepCount = 0
    private var firstState: [DeviceBuffer] = []
    private var secondState: [DeviceBuffer] = []

    init(
        kind: OptimizerKind, momentum: Double, nesterov: Bool, weightDecay: Double,
        beta1: Double, beta2: Double, epsilon: Double
    ) {
        self.kind = kind
        self.momentum = Float(momentum)
        self.nesterov = nesterov
        self.weightDecay = Float(weightDecay)
        self.beta1 = Float(beta1)
        self.beta2 = Float(beta2)
        self.epsilon = Float(epsilon)
    }

    /// The optimizer's state, group by group, for a checkpoint (empty lists before the first step).
    func exportState(backend: any ComputeBackend) throws(BackendError) -> (steps: Int, first: [[Float]], second: [[Float]]) {
        func values(_ buffer: DeviceBuffer) throws(BackendError) -> [Float] {
            var values = [Float](repeating: 0, count: buffer.count)
            try values.withUnsafeMutableBufferPointer { (target) throws(BackendError) in try backend.download(buffer, into: target) }
            return values
        }
        var first: [[Float]] = []
        var second: [[Float]] = []
        for buffer in firstState { first.append(try values(buffer)) }
        for buffer in secondState { second.append(try values(buffer)) }
        return (stepCount, first, second)
    }

    /// Takes the state of a checkpoint back. Returns `false` (and keeps a fresh state) when the state does not fit
    /// `groups` (another optimizer's, or another network's).
    func restoreState(
        steps: Int, first: [[Float]], second: [[Float]], groups: [DeviceBuffer], backend: any ComputeBackend
    ) throws(BackendError) -> Bool {
        let isSGD = kind == .sgd
        let secondCount: (Int) -> Int = { isSGD ? 1 : $0 }
        guard first.count == groups.count, second.count == groups.count,
              zip(first, groups).allSatisfy({ $0.count == $1.count }),
              zip(second, groups).allSatisfy({ $0.count == secondCount($1.count) })
        else { return false }
        var restoredFirst: [DeviceBuffer] = []
        var restoredSecond: [DeviceBuffer] = []
        for (values, group) in zip(first, groups) {
            let buffer = try backend.makeBuffer(count: group.count)
            try values.withUnsafeBufferPointer { (source) throws(BackendError) in try backend.upload(source, to: buffer) }
            restoredFirst.append(buffer)
        }
        for (values, group) in zip(second, groups) {
            let buffer = try backend.makeBuffer(count: secondCount(group.count))
            try values.withUnsafeBufferPointer { (source) throws(BackendError) in try backend.upload(source, to: buffer) }
            restoredSecond.append(buffer)
        }
        firstState = restoredFirst
        secondState = restoredSecond
        stepCount = steps
        return true
    }

    /// Updates every `(parameters, gradients, decays)` triple with `learningRate`.
    func step(
        _ groups: [(parameters: DeviceBuffer, gradients: DeviceBuffer, decays: Bool)],
        learningRate: Double, backend: any ComputeBackend
    ) throws(BackendError) {
        if firstState.count != groups.count {
            firstState = []
            secondState = []
            for group in groups {
                firstState.append(try backend.makeBuffer(count: group.parameters.count))
                secondState.append(try backend.makeBuffer(count: kind == .sgd ? 1 : group.parameters.count))
            }
        }
        stepCount += 1
        let rate = Float(learningRate)
        for (index, group) in groups.enumerated() {
            let decay = group.decays ? weightDecay : 0
            switch kind {
            case .sgd:
                try backend.sgdStep(
                    parameters: group.parameters, gradients: group.gradients, velocity: firstState[index],
                    count: group.parameters.count,
                    settings: SGDStepSettings(learningRate: rate, momentum: momentum, nesterov: nesterov, weightDecay: decay))
            case .adam, .adamw:
                let t = Double(stepCount)
                let settings = AdamStepSettings(
                    learningRate: rate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decay,
                    decoupledWeightDecay: kind == .adamw,
                    biasCorrection1: Float(1 - pow(Double(beta1), t)),
                    biasCorrection2: Float(1 - pow(Double(beta2), t)))
                try backend.adamStep(
                    parameters: group.parameters, gradients: group.gradients, firstMoment: firstState[index],
                    secondMoment: secondState[index], count: group.parameters.count, settings: settings)
            }
        }
    }
}
