import AugurCore
import AugurTraining
import AugurWorkers
import Testing

@Suite struct TrainingTrialPlanTests {
    private let training = TrainingTrial(
        dataset: "digits", epochs: 7, device: "cpu", validationFraction: 0.25,
        parameterMapping: ["learningRate": "lr", "width": "units", "depth": "layers", "batchSize": "batch", "optimizer": "opt"],
        fixed: ["activation": "tanh", "seed": "11"])

    private let parameters: ParameterAssignment = [
        "lr": .double(0.0123456789), "units": .integer(96), "layers": .integer(3), "batch": .double(32), "opt": .string("adamw"),
    ]

    @Test func mapsStudyParametersAndFixedValuesOntoTheConfiguration() throws {
        let plan = try TrainingTrialPlan(training: training, parameters: parameters)
        let configuration = plan.configuration
        #expect(configuration.learningRate == 0.0123456789)
        #expect(configuration.hiddenLayers == [96, 96, 96])
        #expect(configuration.batchSize == 32)
        #expect(configuration.optimizer == .adamw)
        #expect(configuration.activation == .tanh)
        #expect(configuration.seed == 11)
        #expect(configuration.epochs == 7)
        #expect(configuration.validationFraction == 0.25)
        #expect(configuration.device == .cpu)
        #expect(configuration.threads == 0)
        #expect(plan.hyperparameters["learningRate"] == "0.0123456789")
        #expect(plan.hyperparameters["optimizer"] == "adamw")
    }

    @Test func parallelTrialsGetOneOpenBLASThreadUnlessTheSpecSetsThreads() throws {
        #expect(try TrainingTrialPlan(training: training, parameters: parameters, parallelTrials: 2).configuration.threads == 1)
        var withThreads = training
        withThreads.fixed["threads"] = "2"
        #expect(try TrainingTrialPlan(training: withThreads, parameters: parameters, parallelTrials: 2).configuration.threads == 2)
    }

    @Test func fixedEpochsOverrideTheSection() throws {
        var section = training
        section.fixed["epochs"] = "3"
        #expect(try TrainingTrialPlan(training: section, parameters: parameters).configuration.epochs == 3)
    }

    @Test func badSearchSpaceValueIsInfeasibleAndNamesTheHyperparameter() {
        var point = parameters
        point["lr"] = .double(-0.5)
        point["opt"] = .string("rmsprop")
        #expect {
            try TrainingTrialPlan(training: training, parameters: point)
        } throws: { error in
            guard let problem = error as? TrainingTrialPlan.Problem,
                  case .invalidHyperparameters(_, fromSearchSpace: true) = problem else { return false }
            return problem.description.contains("'learningRate' = '-0.5'") && problem.description.contains("'optimizer' = 'rmsprop'")
                && problem.description.contains("must be one of sgd, adam, adamw")
        }
    }

    @Test func badFixedValueOrUnknownNameIsASpecProblem() {
        var section = training
        section.fixed["activation"] = "swish"
        section.fixed["colour"] = "blue"
        #expect {
            try TrainingTrialPlan(training: section, parameters: parameters)
        } throws: { error in
            guard let problem = error as? TrainingTrialPlan.Problem,
                  case .invalidHyperparameters(_, fromSearchSpace: false) = problem else { return false }
            return problem.description.contains("'activation' = 'swish'")
                && problem.description.contains("'colour': is not a hyperparameter of the training core")
        }
        #expect(TrainingTrialPlan.unknownHyperparameters(in: section).count == 1)
        #expect(TrainingTrialPlan.unknownHyperparameters(in: section).first?.field == "trial.training.fixed.colour")
        #expect(TrainingTrialPlan.unknownHyperparameters(in: section).first?.message.contains("'colour'") == true)
        #expect(TrainingTrialPlan.unknownHyperparameters(in: training).isEmpty)
    }

    @Test func missingParameterValueIsReported() {
        var point = parameters
        point["units"] = nil
        #expect(throws: TrainingTrialPlan.Problem.missingParameter(hyperparameter: "width", parameter: "units")) {
            try TrainingTrialPlan(training: training, parameters: point)
        }
    }

    @Test func unknownDeviceIsReported() {
        var section = training
        section.device = "tpu"
        #expect {
            try TrainingTrialPlan(training: section, parameters: parameters)
        } throws: { error in
            (error as? TrainingTrialPlan.Problem)?.description.hasPrefix("trial.training.device:") == true
        }
    }
}
