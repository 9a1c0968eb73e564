import AugurCore
@testable import AugurWorkers
import Foundation
import Synchronization
import Testing

/// TensorFlow event files: the fixtures under `Fixtures/tfevents` were written by tensorboardX's EventFileWriter
/// (`make_fixtures.py` beside them); the damaged ones are built here, record by record.
@Suite struct TensorFlowEventTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tfevents")
    static let testFile = fixtures.appendingPathComponent("mnist/test/events.out.tfevents.1767225600.fixture").path
    static let trainFile = fixtures.appendingPathComponent("mnist/train/events.out.tfevents.1767225600.fixture").path

    /// The value a `float` summary holds, as a Double.
    static func float(_ value: Double) -> Double { Double(Float(value)) }

    @Test func crc32cMatchesTheCheckValueAndTFRecordsMask() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // The masked CRC of an 8-byte zero length, as every TFRecord writer computes it.
        #expect(CRC32C.masked(CRC32C.checksum([UInt8](repeating: 0, count: 8))) == Self.maskedZeroLength)
    }

    /// masked(crc32c(8 zero bytes)): crc32c = 0x8C28B28A, rotated right 15 and plus 0xA282EAD8.
    static let maskedZeroLength: UInt32 = {
        let crc: UInt32 = 0x8C28_B28A
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }()

    @Test func tensorSummariesOfTF2AreRead() throws {
        let scalars = try TensorFlowEventFile.scalars(atPath: Self.testFile)
        #expect(scalars.map(\.tag) == ["loss", "accuracy", "loss", "accuracy", "loss", "accuracy"])
        #expect(scalars.map(\.value) == [0.30, 0.91, 0.16, 0.95, 0.09, 0.97].map(Self.float))
        #expect(scalars.map(\.step) == [0, 0, 1, 1, 2, 2])
        #expect(scalars.first?.wallTime == 1_767_225_600.5)
    }

    @Test func simpleValuesAreReadAndHistogramsSkipped() throws {
        let scalars = try TensorFlowEventFile.scalars(atPath: Self.trainFile)
        #expect(scalars.count == 9)
        #expect(scalars.filter { $0.tag == "accuracy" }.map(\.value) == [0.88, 0.93, 0.96].map(Self.float))
        #expect(scalars.contains { $0.tag == "weights" } == false)
    }

    // MARK: Katib's matching

    @Test(arguments: [
        ("accuracy", "accuracy", "/logs/test", true),
        ("accuracy_top5", "accuracy", "/logs/test", true),
        ("val_accuracy", "accuracy", "/logs/test", false),
        ("accuracy", "test/accuracy", "/logs/test", true),
        ("accuracy", "test/accuracy", "/logs/train", false),
        ("accuracy", "train/accuracy", "/logs/pretrain", true),
    ])
    func metricsMatchTagsAsKatibDoes(tag: String, metric: String, directory: String, matches: Bool) {
        #expect(TensorFlowEventCollector.matches(tag: tag, metric: metric, fileDirectory: directory) == matches)
    }

    /// Katib's tfjob-mnist-with-summaries example: `accuracy` read from the `test` directory only.
    @Test func theKatibExampleReadsTestAccuracyPerEpoch() throws {
        let collector = TensorFlowEventCollector(metricNames: ["accuracy"])
        let observations = try collector.observations(inDirectory: Self.fixtures.appendingPathComponent("mnist/test").path)
        #expect(observations == [0.91, 0.95, 0.97].enumerated().map {
            MetricObservation(metrics: ["accuracy": Self.float($0.element)], step: $0.offset)
        })
    }

    @Test func aMetricWithADirectoryPicksItsRunAndObservationsFollowWallTime() throws {
        let collector = TensorFlowEventCollector(metricNames: ["train/loss", "test/loss"])
        let observations = try collector.observations(inDirectory: Self.fixtures.appendingPathComponent("mnist").path)
        // train/ events are written at whole seconds, test/ ones half a second later.
        #expect(observations.map { $0.metrics.keys.sorted() } == [["train/loss"], ["test/loss"], ["train/loss"], ["test/loss"],
                                                                    ["train/loss"], ["test/loss"]])
        #expect(observations.compactMap { $0.metrics["test/loss"] } == [0.30, 0.16, 0.09].map(Self.float))
        #expect(observations.compactMap(\.step) == [0, 0, 1, 1, 2, 2])
    }

    @Test func aMissingDirectoryHoldsNoObservations() throws {
        let collector = TensorFlowEventCollector(metricNames: ["accuracy"])
        #expect(try collector.observations(inDirectory: "/nonexistent/augur-tfevents").isEmpty)
    }

    @Test func unchangedFilesOfAnEarlierAttemptAreSkipped() throws {
        let directory = try makeTemporaryDirectory()
        try FileManager.default.copyItem(atPath: Self.testFile, toPath: directory + "/events.out.tfevents.1")
        let before = TensorFlowEventCollector.snapshot(of: directory)
        let collector = TensorFlowEventCollector(metricNames: ["accuracy"])
        #expect(try collector.observations(inDirectory: directory, skippingUnchanged: before).isEmpty)
        #expect(try collector.observations(inDirectory: directory).count == 3)
    }

    // MARK: Hand-built records

    /// One TFRecord around `data`.
    static func record(_ data: [UInt8]) -> [UInt8] {
        let length = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(data.count) >> (8 * UInt64($0))) }
        return length + TensorFlowEventTests.littleEndian(CRC32C.masked(CRC32C.checksum(length))) + data
            + TensorFlowEventTests.littleEndian(CRC32C.masked(CRC32C.checksum(data)))
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) }
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            let low = UInt8(value & 0x7F)
            value >>= 7
            bytes.append(value == 0 ? low : low | 0x80)
        } while value != 0
        return bytes
    }

    static func field(_ number: UInt64, bytes: [UInt8]) -> [UInt8] {
        TensorFlowEventTests.varint(number << 3 | 2) + TensorFlowEventTests.varint(UInt64(bytes.count)) + bytes
    }

    /// An Event at `step` whose summary has one value with `tag` and `tensor` (a TensorProto's bytes).
    static func tensorEvent(step: UInt64, tag: String, tensor: [UInt8]) -> [UInt8] {
        let value = TensorFlowEventTests.field(1, bytes: Array(tag.utf8)) + TensorFlowEventTests.field(8, bytes: tensor)
        return TensorFlowEventTests.varint(2 << 3) + TensorFlowEventTests.varint(step) + TensorFlowEventTests.field(5, bytes: TensorFlowEventTests.field(1, bytes: value))
    }

    @Test func tensorsOfOtherTypesAndLayoutsAreRead() throws {
        let double = TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(2) + TensorFlowEventTests.field(6, bytes: (0..<8).map { UInt8(truncatingIfNeeded: (0.25).bitPattern >> (8 * UInt64($0))) })
        let contentFloat = TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(1) + TensorFlowEventTests.field(4, bytes: TensorFlowEventTests.littleEndian(Float(1.5).bitPattern))
        let int64 = TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(9) + TensorFlowEventTests.varint(10 << 3) + TensorFlowEventTests.varint(UInt64(bitPattern: -7))
        let half = TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(19) + TensorFlowEventTests.varint(13 << 3) + TensorFlowEventTests.varint(0x3C00)
        let vector = TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(1) + TensorFlowEventTests.field(2, bytes: TensorFlowEventTests.field(2, bytes: TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(2)))
            + TensorFlowEventTests.field(5, bytes: TensorFlowEventTests.littleEndian(Float(1).bitPattern) + TensorFlowEventTests.littleEndian(Float(2).bitPattern))
        let text = TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(7) + TensorFlowEventTests.field(8, bytes: Array("hello".utf8))
        var bytes: [UInt8] = []
        for (step, tensor) in [double, contentFloat, int64, half, vector, text].enumerated() {
            bytes += TensorFlowEventTests.record(TensorFlowEventTests.tensorEvent(step: UInt64(step), tag: "m", tensor: tensor))
        }
        let scalars = try TensorFlowEventFile.scalars(in: bytes, file: "built")
        #expect(scalars.map(\.value) == [0.25, 1.5, -7, 1])
        #expect(scalars.map(\.step) == [0, 1, 2, 3])
    }

    static let good = TensorFlowEventTests.record(TensorFlowEventTests.tensorEvent(step: 3, tag: "loss", tensor: TensorFlowEventTests.varint(1 << 3) + TensorFlowEventTests.varint(1)
        + TensorFlowEventTests.field(5, bytes: TensorFlowEventTests.littleEndian(Float(0.5).bitPattern))))

    @Test func aDamagedDataChecksumNamesTheRecord() {
        var bytes = Self.good + Self.good
        bytes[Self.good.count + 14] ^= 0x01
        #expect(throws: TensorFlowEventError.dataChecksum(file: "f", record: 1, offset: Self.good.count)) {
            try TensorFlowEventFile.scalars(in: bytes, file: "f")
        }
    }

    @Test func aDamagedLengthChecksumNamesTheRecord() {
        var bytes = Self.good
        bytes[9] ^= 0x80
        #expect(throws: TensorFlowEventError.lengthChecksum(file: "f", record: 0, offset: 0)) {
            try TensorFlowEventFile.scalars(in: bytes, file: "f")
        }
    }

    @Test(arguments: [1, 11, 13, 20])
    func aFileCutOffInARecordIsReportedNotRead(dropping count: Int) throws {
        let bytes = Array((Self.good + Self.good).dropLast(count))
        let error = try #require(throws: TensorFlowEventError.self) {
            try TensorFlowEventFile.scalars(in: bytes, file: "f")
        }
        guard case .truncated(let file, let record, let offset, _, _) = error else {
            Issue.record("expected a truncation, got \(error)")
            return
        }
        #expect((file, record, offset) == ("f", 1, Self.good.count))
        #expect(error.description.contains("is cut off in record 1"))
    }

    @Test func aHugeLengthIsATruncationNotACrash() throws {
        let length = [UInt8](repeating: 0xFF, count: 8)
        let bytes = length + TensorFlowEventTests.littleEndian(CRC32C.masked(CRC32C.checksum(length))) + [1, 2, 3, 4]
        let error = try #require(throws: TensorFlowEventError.self) { try TensorFlowEventFile.scalars(in: bytes, file: "f") }
        #expect(error.description.contains("cut off in record 0"))
    }

    @Test(arguments: [
        ([0x0A, 0x05, 0x41], "claims 5 bytes but only 1 remain"),
        ([0x08, 0xFF], "varint runs past the end"),
        ([0x0B], "wire type 3"),
        ([0x2A, 0x03, 0x0A, 0x09, 0x00], "claims 9 bytes"),
    ])
    func anEventThatIsNotProtobufIsReportedWithItsReason(data: [UInt8], reason: String) throws {
        let error = try #require(throws: TensorFlowEventError.self) {
            try TensorFlowEventFile.scalars(in: Self.good + TensorFlowEventTests.record(data), file: "f")
        }
        #expect(error == .malformedEvent(file: "f", record: 1, offset: Self.good.count, reason: error.reason))
        #expect(error.description.contains(reason))
    }

    @Test func halfPrecisionValues() {
        #expect(TensorFlowEventFile.halfToDouble(0x3C00) == 1)
        #expect(TensorFlowEventFile.halfToDouble(0xC000) == -2)
        #expect(TensorFlowEventFile.halfToDouble(0x3555) == 0x1.554p-2)
        #expect(TensorFlowEventFile.halfToDouble(0x0001) == 0x1p-24)
        #expect(TensorFlowEventFile.halfToDouble(0x7C00) == .infinity)
    }
}

extension TensorFlowEventError {
    /// The reason of a malformed event (empty for other cases), for comparing whole errors in tests.
    var reason: String {
        if case .malformedEvent(_, _, _, let reason) = self { return reason }
        return ""
    }
}

extension TensorFlowEventTests {
    // MARK: The command runner

    static func eventStudy(_ script: String, directory: String = "logs/test") -> StudySpec {
        var spec = shellStudy(script, metrics: MetricsCollector(source: .directory(path: directory), format: .tensorFlowEvent))
        spec.objective = Objective(metric: "accuracy", goal: .maximize)
        return spec
    }

    @Test func aCommandTrialReportsTheEventFilesItWrote() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let reported = Mutex<[TrialMeasurement]>([])
        let sink = MeasurementSink { measurement in
            reported.withLock { $0.append(measurement) }
            return .keepRunning
        }
        let source = Self.fixtures.appendingPathComponent("mnist").path
        let outcome = await runner.run(trial(), of: Study(spec: Self.eventStudy("cp -R '\(source)' logs")), measurements: sink)
        guard case .completed(let observations, _) = outcome else {
            Issue.record("expected completion, got \(outcome)")
            return
        }
        #expect(observations.isEmpty)
        #expect(reported.withLock { $0.map(\.step) } == [0, 1, 2])
        let final = Objective(metric: "accuracy", goal: .maximize).finalMeasurement(from: reported.withLock { $0 })
        #expect(final?.metrics["accuracy"] == Self.float(0.97))
    }

    @Test func aDamagedEventFileFailsTheTrialWithItsPlace() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let script = #"mkdir -p logs/test && printf 'garbage' > logs/test/events.out.tfevents.1"#
        let outcome = await runner.run(trial(), of: Study(spec: Self.eventStudy(script)), measurements: .discarding)
        let reason = try #require(failureReason(outcome))
        #expect(reason.contains("logs/test/events.out.tfevents.1 is cut off in record 0 (byte 0)"))
    }

    @Test func aTrialWithoutEventFilesNamesTheDirectory() async throws {
        let runner = CommandTrialRunner(runDirectory: try makeTemporaryDirectory())
        let outcome = await runner.run(trial(), of: Study(spec: Self.eventStudy("true")), measurements: .discarding)
        #expect(failureReason(outcome)?.hasPrefix("never reported metric 'accuracy' in the TensorFlow event files under ") == true)
    }
}
