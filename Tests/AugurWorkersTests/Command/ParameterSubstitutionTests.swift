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

    @Test func environmentNamesAreUpperCasedWithUnderscores() {
        #expect(ParameterSubstitution.environmentName(of: "num-layers") == "AUGUR_PARAM_NUM_LAYERS")
        #expect(ParameterSubstitution.environmentName(of: "lr") == "AUGUR_PARAM_LR")
    }
}
