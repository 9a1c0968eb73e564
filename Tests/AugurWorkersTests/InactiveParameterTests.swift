import AugurCore
import AugurTraining
import Testing

@testable import AugurWorkers

/// A trial of a study with conditional parameters runs with its active parameters only.
@Suite struct InactiveParameterTests {
    @Test func aReferenceToAnInactiveParameterIsTheEmptyString() throws {
        let substitution = ParameterSubstitution(
            parameters: ["optimizer": .string("adam"), "lr_adam": .double(0.001)], references: [:],
            trialValues: ["id": "1"], inactive: ["lr_sgd"])
        #expect(try substitution.apply(to: "--sgd=${parameters.lr_sgd} --adam=${parameters.lr_adam}", field: "a")
            == "--sgd= --adam=0.001")
        #expect(try substitution.apply(to: "echo ${parameters.lr_sgd}", field: "command[2]", quotingForShell: true) == "echo ''")
        // A name the study does not have is still an error.
        #expect(throws: WorkerError.unknownReference(reference: "parameters.lr_rms", field: "a")) {
            try substitution.apply(to: "${parameters.lr_rms}", field: "a")
        }
    }

    @Test func aHyperparameterMappedToAnInactiveParameterKeepsItsDefault() throws {
        let training = TrainingTrial(dataset: "digits", epochs: 2, device: "cpu", validationFraction: 0.25,
                                     parameterMapping: ["optimizer": "opt", "momentum": "momentum", "learningRate": "lr"])
        let parameters: ParameterAssignment = ["opt": .string("adam"), "lr": .double(0.01)]
        let plan = try TrainingTrialPlan(training: training, parameters: parameters, inactive: ["momentum"])
        #expect(plan.configuration.momentum == TrainingConfiguration().momentum)
        #expect(plan.configuration.learningRate == 0.01)
        // Without the condition, a missing parameter is still the error it was.
        #expect(throws: TrainingTrialPlan.Problem.self) { try TrainingTrialPlan(training: training, parameters: parameters) }
    }
}
