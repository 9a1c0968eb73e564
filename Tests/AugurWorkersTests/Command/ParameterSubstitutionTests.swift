import AugurCore
import Testing

@testable import AugurWorkers

@Suite struct ParameterSubstitutionTests {
    let substitution = ParameterSubstitution(
        parameters: ["lr": .double(0.01), "layers": .integer(3), "opt": .string("adam")],
        references: ["learningRate": "lr"],
        trialValues: ["id": "7", "directory": "/runs/trials/7", "study": "s"])

    @Test func replacesAugurKatibAndTrialReferences() throws {
        #expect(try substitution.apply(to: "--lr=${parameters.lr}", field: "a") == "--lr=0.01")
        #expect(try substitution.apply(to: "${trialParameters.learningRate}/${parameters.layers}", field: "a") == "0.01/3")
        #expect(try substitution.apply(to: "${trial.directory}/out-${trial.id}", field: "a") == "/runs/trials/7/out-7")
        #expect(try substitution.apply(to: "$HOME ${unterminated", field: "a") == "$HOME ${unterminated")
    }

    @Test func unknownReferenceIsAnError() {
        #expect(throws: WorkerError.unknownReference(reference: "parameters.momentum", field: "command[2]")) {
            try substitution.apply(to: "${parameters.momentum}", field: "command[2]")
        }
        #expect(throws: WorkerError.self) { try substitution.apply(to: "${trialParameters.lr}", field: "x") }
    }

    /// Katib's trial-metadata-substitution example, as the spec reader resolves it.
    @Test func katibTrialMetadataTakesItsLocalMeaning() throws {
        let metadata = ParameterSubstitution(
            parameters: ["lr": .double(0.02)],
            references: ["learningRate": "lr", "trialName": "${trialSpec.Name}", "trialNamespace": "=kubeflow",
                         "trialAnnotationCustom": "=it's \"quoted\""],
            trialValues: ["id": "4", "study": "trial-metadata-substitution",
                          "name": TrialParameterReference.trialName(study: "trial-metadata-substitution", trial: 4)])
        #expect(try metadata.apply(to: "${trialParameters.trialName}", field: "env.TRIAL_NAME") == "trial-metadata-substitution-4")
        #expect(try metadata.apply(to: "${trialParameters.trialNamespace}/${trialParameters.learningRate}", field: "a")
            == "kubeflow/0.02")
        // Fixed text is a value like any other: quoted for the shell where it lands in a script.
        #expect(try metadata.apply(to: "echo ${trialParameters.trialAnnotationCustom}", field: "command[2]", quotingForShell: true)
            == #"echo 'it'\''s "quoted"'"#)
        #expect(metadata.parameterName(of: "trialParameters.trialName") == nil)
        #expect(metadata.parameterName(of: "trialParameters.learningRate") == "lr")
    }

    @Test func environmentNamesAreUpperCasedWithUnderscores() {
        #expect(ParameterSubstitution.environmentName(of: "num-layers") == "AUGUR_PARAM_NUM_LAYERS")
        #expect(ParameterSubstitution.environmentName(of: "lr") == "AUGUR_PARAM_LR")
    }
}
