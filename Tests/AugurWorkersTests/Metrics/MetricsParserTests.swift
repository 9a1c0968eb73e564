import AugurCore
import AugurWorkers
import Testing

@Suite struct MetricsParserTests {
    let names = ["loss", "accuracy"]

    @Test func katibDefaultTextLinesGiveValuesAndSteps() throws {
        let parser = try MetricsParser(format: .text(patterns: []), metricNames: names)
        #expect(parser.parse("loss=0.25") == MetricObservation(metrics: ["loss": 0.25]))
        #expect(parser.parse("epoch=3 loss = 1.5e-2 accuracy=0.9 other=7")
            == MetricObservation(metrics: ["loss": 0.015, "accuracy": 0.9], step: 3))
        #expect(parser.parse("step=12, loss=-3") == MetricObservation(metrics: ["loss": -3], step: 12))
        #expect(parser.parse("nothing to see: epoch=4") == nil)
        #expect(parser.parse("loss=abc") == nil)
    }

    @Test func customPatternsTakeNameAndValueFromTheirGroups() throws {
        let parser = try MetricsParser(format: .text(patterns: [#"(\w+):\s*([-+]?[0-9.]+)"#]), metricNames: names)
        #expect(parser.parse("Epoch 2 - loss: 0.75 accuracy: 0.5") == MetricObservation(metrics: ["loss": 0.75, "accuracy": 0.5]))
        #expect(parser.parse("loss=0.1") == nil)
    }

    /// Katib's file-metrics-collector example: RE2 syntax, where the braces are literal.
    @Test func katibFileCollectorFilterReadsItsLines() throws {
        let filter = #"{metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)}"#
        let parser = try MetricsParser(format: .text(patterns: [filter]), metricNames: names)
        #expect(parser.parse("2024-01-01T00:00:00Z {metricName: accuracy, metricValue: 0.9695}")
            == MetricObservation(metrics: ["accuracy": 0.9695]))
        #expect(parser.parse("{metricName: loss, metricValue: -2}") == MetricObservation(metrics: ["loss": -2]))
    }

    /// Katib's xgboostjob-lightgbm example: names with a space, captured and trimmed as Katib does.
    @Test func metricNamesWithSpacesAreReported() throws {
        let parser = try MetricsParser(format: .text(patterns: [#"(\w+\s\w+)\s:\s((-?\d+)(\.\d+)?)"#]),
                                       metricNames: ["valid_1 auc", "training auc"])
        #expect(parser.parse("[LightGBM] [Info] Iteration:3, valid_1 auc : 0.75, training auc : 0.5")
            == MetricObservation(metrics: ["valid_1 auc": 0.75, "training auc": 0.5]))
        let padded = try MetricsParser(format: .text(patterns: [#"name=( ?[a-z_1 ]+ ?);([0-9.]+)"#]),
                                       metricNames: ["valid_1 auc"])
        #expect(padded.parse("name= valid_1 auc ;0.5") == MetricObservation(metrics: ["valid_1 auc": 0.5]))
    }

    @Test func invalidPatternIsAnError() {
        #expect(throws: WorkerError.self) { try MetricsParser(format: .text(patterns: ["(unclosed"]), metricNames: names) }
    }

    @Test func jsonLinesGiveNumbersAndNumericStrings() throws {
        let parser = try MetricsParser(format: .json, metricNames: names)
        #expect(parser.parse(#"{"epoch": 2, "loss": 0.5, "accuracy": "0.8", "note": "x"}"#)
            == MetricObservation(metrics: ["loss": 0.5, "accuracy": 0.8], step: 2))
        #expect(parser.parse(#"{"loss": true}"#) == nil)
        #expect(parser.parse("loss=0.3") == nil)
        #expect(parser.parse("{not json") == nil)
    }
}
