import Testing
@testable import AugurTraining

@Suite struct TrainingConfigurationTests {
    @Test func studyParameterNamesMapOntoHyperparameters() throws {
        let configuration = try TrainingConfiguration(hyperparameters: [
            "lr": "0.01", "batch_size": "128.0", "Width": "64", "depth": "3", "optimizer": "AdamW",
            "weight-decay": "1e-4", "schedule": "step", "stepEpochs": "5", "device": "cpu", "seed": "12",
        ])
        #expect(configuration.learningRate == 0.01)
        #expect(configuration.batchSize == 128)
        #expect(configuration.hiddenLayers == [64, 64, 64])
        #expect(configuration.optimizer == .adamw)
        #expect(configuration.weightDecay == 1e-4)
        #expect(configuration.schedule == .step(everyEpochs: 5, gamma: 0.1))
        #expect(configuration.device == .cpu)
        #expect(configuration.seed == 12)
    }

    @Test func everyDocumentedNameIsAccepted() {
        for (name, _) in TrainingConfiguration.hyperparameterNames {
            #expect(TrainingConfiguration.canonicalHyperparameterName(name) == name)
            #expect(TrainingConfiguration.canonicalHyperparameterName(name.uppercased()) == name)
        }
        #expect(TrainingConfiguration.canonicalHyperparameterName("lr") == "learningRate")
        #expect(TrainingConfiguration.canonicalHyperparameterName("weight_decay") == "weightDecay")
        #expect(TrainingConfiguration.canonicalHyperparameterName("colour") == nil)
    }

    /// A non-default value for every documented name; each must change the configuration, so no name is ignored.
    static let nonDefaultValues: [String: String] = [
        "learningRate": "0.5", "batchSize": "7", "width": "9", "depth": "1", "hiddenLayers": "5,4",
        "activation": "gelu", "dropout": "0.25", "optimizer": "sgd", "momentum": "0.5", "nesterov": "true",
        "weightDecay": "0.1", "beta1": "0.8", "beta2": "0.99", "epsilon": "1e-6", "schedule": "constant",
        "stepEpochs": "3", "stepGamma": "0.5", "warmupEpochs": "1.5", "epochs": "3", "seed": "5",
        "validationFraction": "0.3", "device": "cpu", "initialization": "xavier", "threads": "1",
    ]

    @Test(arguments: TrainingConfiguration.hyperparameterNames.map(\.name))
    func everyNameChangesTheConfiguration(name: String) throws {
        let value = try #require(Self.nonDefaultValues[name], "no sample value for \(name)")
        var base = TrainingConfiguration()
        if name == "stepEpochs" || name == "stepGamma" { base.schedule = .step(everyEpochs: 10, gamma: 0.1) }
        let configuration = try TrainingConfiguration(hyperparameters: [name: value], base: base)
        #expect(configuration != base)
    }

    @Test func defaultsAreValid() {
        #expect(TrainingConfiguration().problems().isEmpty)
    }

    @Test func valuesApplyOverABaseConfiguration() throws {
        var base = TrainingConfiguration()
        base.hiddenLayers = [32, 32]
        base.epochs = 7
        let configuration = try TrainingConfiguration(hyperparameters: ["width": "16"], base: base)
        #expect(configuration.hiddenLayers == [16, 16])
        #expect(configuration.epochs == 7)
    }

    @Test func explicitHiddenLayers() throws {
        #expect(try TrainingConfiguration(hyperparameters: ["hiddenLayers": "256,128"]).hiddenLayers == [256, 128])
        #expect(try TrainingConfiguration(hyperparameters: ["hidden_layers": ""]).hiddenLayers == [])
    }

    @Test func everyProblemIsReportedTogether() {
        let error = #expect(throws: TrainingError.self) {
            try TrainingConfiguration(hyperparameters: [
                "learning_rat": "0.1", "batchSize": "12.5", "activation": "swish", "dropout": "1.5", "momentum": "abc",
            ])
        }
        guard case .invalidHyperparameters(let problems) = error else {
            Issue.record("expected invalidHyperparameters")
            return
        }
        #expect(Set(problems.map(\.name)) == ["learning_rat", "batchSize", "activation", "dropout", "momentum"])
        let text = error?.description ?? ""
        #expect(text.contains("'learning_rat': is not a hyperparameter"))
        #expect(text.contains("learningRate"))
        #expect(text.contains("must be one of relu, tanh, gelu, sigmoid"))
        #expect(text.contains("'dropout' = '1.5': must be in [0, 1)"))
    }

    @Test func hiddenLayersCannotBeMixedWithWidth() {
        #expect(throws: TrainingError.self) {
            try TrainingConfiguration(hyperparameters: ["hiddenLayers": "8", "width": "4"])
        }
    }

    @Test func nesterovNeedsMomentum() {
        #expect(throws: TrainingError.self) {
            try TrainingConfiguration(hyperparameters: ["optimizer": "sgd", "nesterov": "true", "momentum": "0"])
        }
    }

    @Test(arguments: [("auto", ComputeDevice.auto), ("CPU", .cpu), ("cuda", .cuda(index: nil)), ("gpu:1", .cuda(index: 1))])
    func deviceNames(text: String, device: ComputeDevice) throws {
        #expect(try ComputeDevice(parsing: text) == device)
    }

    @Test func unknownDeviceIsAnError() {
        #expect(throws: BackendError.unknownDevice("tpu")) { try ComputeDevice(parsing: "tpu") }
    }
}
