import Testing
@testable import AugurCore

/// The files under `Experiments/` are what users copy first: each must parse without errors.
@Suite struct ExampleSpecsTests {
    @Test func examplesExist() {
        #expect(Set(SpecTestPaths.yamlFiles(in: SpecTestPaths.experiments)).isSuperset(of: [
            "quickstart.yaml", "katib-grid.yaml", "random-mixed.yaml", "katib-file-metrics.yaml",
        ]))
    }

    @Test(arguments: SpecTestPaths.yamlFiles(in: SpecTestPaths.experiments))
    func exampleParses(file: String) throws {
        let path = SpecTestPaths.experiments.appendingPathComponent(file).path
        let parsed: ParsedSpec
        do {
            parsed = try StudySpecParser.load(path: path)
        } catch {
            Issue.record("\(file) does not parse:\n\(error)")
            return
        }
        #expect(parsed.spec.trial != nil, "every example runs something")
        if parsed.spec.format == .augur {
            #expect(parsed.warnings.isEmpty, "\(parsed.warnings)")
        } else {
            // Katib files are written for Kubernetes: only notes about Kubernetes-only fields are expected.
            for warning in parsed.warnings {
                #expect(warning.message.contains("ignored"), "\(warning)")
            }
        }
    }

    @Test func quickstartIsWhatTheReadmeRuns() throws {
        let path = SpecTestPaths.experiments.appendingPathComponent("quickstart.yaml").path
        let spec = try StudySpecParser.load(path: path).spec
        #expect(spec.name == "quickstart")
        #expect(spec.searchSpace.parameters.count == 2)
        #expect(spec.budget == Budget(maxTrials: 20, parallelTrials: 2))
        #expect(spec.algorithm == .quasiRandom(.halton))
    }

    @Test func katibGridHasTwelvePoints() throws {
        let path = SpecTestPaths.experiments.appendingPathComponent("katib-grid.yaml").path
        let spec = try StudySpecParser.load(path: path).spec
        #expect(spec.format == .katib)
        #expect(spec.algorithm == .grid)
        #expect(spec.searchSpace.parameters.compactMap(\.cardinality) == [4, 3])
        #expect(spec.budget.maxTrials == 12)
    }

    @Test func katibFileMetricsReadsJSON() throws {
        let path = SpecTestPaths.experiments.appendingPathComponent("katib-file-metrics.yaml").path
        let spec = try StudySpecParser.load(path: path).spec
        guard case .command(let trial)? = spec.trial else {
            Issue.record("expected a command trial")
            return
        }
        #expect(trial.metrics == MetricsCollector(source: .file(path: "/tmp/augur-katib-file-metrics/metrics.json"), format: .json))
        #expect(spec.earlyStopping == .median(MedianStoppingSettings(minTrialsRequired: 3, startStep: 2)))
        #expect(spec.objective.strategy == .latest)
        #expect(spec.seed == 10)
    }
}
