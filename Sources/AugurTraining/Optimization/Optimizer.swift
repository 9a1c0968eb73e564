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
