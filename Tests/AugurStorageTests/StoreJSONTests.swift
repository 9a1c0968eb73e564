import AugurCore
import Foundation
import Testing

@testable import AugurStorage

/// The fast JSON path must read what `JSONEncoder` writes, write what `JSONDecoder` reads, and hand anything else to
/// `JSONDecoder`.
@Suite("StoreJSON")
struct StoreJSONTests {
    @Test func readsEveryKindOfValue() {
        let text = #" { "a" : 1, "b": -2.5e-3, "c": "x\"y\\z\/\n\u00e9\ud83d\ude00", "d": [true, false, null], "e": {}, "f": 9007199254740993 } "#
        let expected: StoreJSON.Value = .object([
            "a": .number(1, integer: 1),
            "b": .number(-0.0025, integer: nil),
            "c": .string("x\"y\\z/\né😀"),
            "d": .array([.bool(true), .bool(false), .null]),
            "e": .object([:]),
            "f": .number(9_007_199_254_740_992, integer: 9_007_199_254_740_993),
        ])
        #expect(StoreJSON.parse(text) == expected)
    }

    @Test(arguments: ["", "{", "{\"a\":}", "{\"a\":1,}", "[1 2]", "\"\\x\"", "\"\u{01}\"", "{\"a\":1} x", "1e400", "\"\\ud83d\"", "nul"])
    func rejectsInvalidDocuments(text: String) {
        #expect(StoreJSON.parse(text) == nil)
    }

    @Test func writesWhatJSONDecoderReads() throws {
        let metrics: [String: Double] = ["loss": 0.1, "one": 1, "tiny": 1e-300, "big": 1e20, "negative": -3.25, "odd \"name\"\n/é": 0.30000000000000004]
        let text = StoreCoding.encodeMetrics(metrics)
        #expect(try JSONDecoder().decode([String: Double].self, from: Data(text.utf8)) == metrics)
        #expect(text.hasPrefix(#"{"big":100000000000000000000,"#) || text.hasPrefix(#"{"big":1e+20,"#))

        let measurement = TrialMeasurement(step: 7, elapsedSeconds: 2.5, metrics: metrics)
        #expect(try StoreCoding.decodeMeasurement(StoreCoding.encodeMeasurement(measurement)) == measurement)
        let withoutElapsed = TrialMeasurement(step: 0, metrics: [:])
        #expect(StoreCoding.encodeMeasurement(withoutElapsed) == #"{"metrics":{},"step":0}"#)
        #expect(try StoreCoding.decodeMeasurement(StoreCoding.encodeMeasurement(withoutElapsed)) == withoutElapsed)
    }

    @Test func keepsNonFiniteMetrics() throws {
        let text = StoreCoding.encodeMetrics(["a": .infinity, "b": -.infinity])
        #expect(text == #"{"a":"inf","b":"-inf"}"#)
        #expect(try StoreCoding.decodeMetrics(text) == ["a": .infinity, "b": -.infinity])
        #expect(try StoreCoding.decodeMetrics(#"{"n":"nan"}"#)["n"]?.isNaN == true)
    }

    @Test func parametersMatchTheCodableForm() throws {
        let space = SearchSpace([
            .double("lr", min: 0, max: 2), .integer("n", min: 0, max: 10), .discrete("d", [1, 2]), .categorical("c", ["1", "b"]),
        ])
        let parameters: ParameterAssignment = ["lr": .double(1), "n": .integer(3), "d": .double(2), "c": .string("1")]
        let text = StoreCoding.encodeParameters(parameters)
        #expect(text == #"{"c":"1","d":2,"lr":1,"n":3}"#)
        #expect(try StoreCoding.decodeParameters(text, space: space) == parameters)
        // What JSONEncoder wrote, and hand-written variants, read the same way.
        let codable = String(decoding: try JSONEncoder().encode(parameters), as: UTF8.self)
        #expect(try StoreCoding.decodeParameters(codable, space: space) == parameters)
        #expect(try StoreCoding.decodeParameters(#"{"lr": 1.0, "n": 3.0, "d": 2, "c": 1}"#, space: space) == parameters)
    }

    @Test func fallsBackToJSONDecoderAndReportsGarbage() throws {
        // `null` is not a parameter value the fast path knows; JSONDecoder rejects it too, with a sentence.
        #expect(throws: StoreError.self) { _ = try StoreCoding.decodeParameters(#"{"lr": null}"#, space: SearchSpace([])) }
        #expect(throws: StoreError.self) { _ = try StoreCoding.decodeMetrics("not json") }
        // A measurement with an elapsed time written as a string of digits is not one the fast path reads.
        #expect(throws: StoreError.self) { _ = try StoreCoding.decodeMeasurement(#"{"metrics":{},"step":"x"}"#) }
    }
}
