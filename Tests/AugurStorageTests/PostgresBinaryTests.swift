import AugurCore
@testable import AugurStorage
import Foundation
import Testing

/// The binary wire format decoders, on bytes made by hand the way PostgreSQL's `int4send`, `float8send` and
/// `array_send` write them.
@Suite("PostgresBinary")
struct PostgresBinaryTests {
    static func int32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
    static func float8(_ value: Double) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init) }

    /// A one-dimensional `float8[]` with lower bound `lowerBound`; `nil` elements are NULL.
    static func array(_ elements: [Double?], lowerBound: Int32 = 1) -> [UInt8] {
        var bytes = int32(1) + int32(elements.contains(nil) ? 1 : 0) + int32(701) + int32(Int32(elements.count)) + int32(lowerBound)
        for element in elements {
            if let element { bytes += int32(8) + float8(element) } else { bytes += int32(-1) }
        }
        return bytes
    }

    static let emptyArray = int32(0) + int32(0) + int32(701)

    static func decode(_ bytes: [UInt8]) throws -> [Double?] {
        try bytes.withUnsafeBytes { try PostgresBinary.doubleArray($0) }
    }

    @Test func integersOfEachWidth() throws {
        #expect(try [UInt8]([0x00, 0x2A]).withUnsafeBytes { try PostgresBinary.integer($0) } == 42)
        #expect(try Self.int32(-7).withUnsafeBytes { try PostgresBinary.integer($0) } == -7)
        #expect(try Self.int32(100_000).withUnsafeBytes { try PostgresBinary.integer($0) } == 100_000)
        let large = withUnsafeBytes(of: Int64(5_000_000_000).bigEndian, Array.init)
        #expect(try large.withUnsafeBytes { try PostgresBinary.integer($0) } == 5_000_000_000)
        #expect(throws: PostgresBinary.Malformed.self) { try [UInt8]([1, 2, 3]).withUnsafeBytes { try PostgresBinary.integer($0) } }
    }

    @Test(arguments: [0.25, -1.5e-300, 0, -0.0, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude])
    func doublesRoundTripBitForBit(_ value: Double) throws {
        #expect(try Self.float8(value).withUnsafeBytes { try PostgresBinary.double($0) }.bitPattern == value.bitPattern)
    }

    @Test func nanStaysNaN() throws {
        #expect(try Self.float8(.nan).withUnsafeBytes { try PostgresBinary.double($0) }.isNaN)
        #expect(throws: PostgresBinary.Malformed.self) { try Self.int32(1).withUnsafeBytes { try PostgresBinary.double($0) } }
    }

    @Test func arraysWithAndWithoutNulls() throws {
        #expect(try Self.decode(Self.array([0.25, 0.5, 1])) == [0.25, 0.5, 1])
        #expect(try Self.decode(Self.array([nil, 0.75, nil])) == [nil, 0.75, nil])
        #expect(try Self.decode(Self.array([nil])) == [nil])
        #expect(try Self.decode(Self.array([-.infinity, .infinity])) == [-.infinity, .infinity])
        // The lower bound only numbers the elements; the store reads them in order.
        #expect(try Self.decode(Self.array([3, 4], lowerBound: 0)) == [3, 4])
    }

    @Test func emptyArrays() throws {
        #expect(try Self.decode(Self.emptyArray) == [])
        #expect(try Self.decode(Self.array([])) == [])
    }

    /// Property: any sequence of doubles and NULLs written as `array_send` would comes back as it was.
    @Test func randomArraysRoundTrip() throws {
        var generator = SeededGenerator(seed: 2026)
        for _ in 0..<200 {
            let count = Int(generator.next() % 12)
            let elements: [Double?] = (0..<count).map { _ in
                generator.next() % 4 == 0 ? nil : Double(bitPattern: generator.next())
            }
            let decoded = try Self.decode(Self.array(elements))
            #expect(decoded.map { $0?.bitPattern } == elements.map { $0?.bitPattern })
        }
    }

    @Test func forEachDoubleVisitsInOrder() throws {
        var seen: [Double?] = []
        try Self.array([1, nil, 3]).withUnsafeBytes { buffer in try PostgresBinary.forEachDouble(inArray: buffer) { seen.append($0) } }
        #expect(seen == [1, nil, 3])
    }

    /// Bad bytes give an error that says what was wrong, never a read past the end.
    @Test(arguments: [
        ([], "shorter than its 12-byte header"),
        (Array(array([1, 2]).prefix(16)), "shorter than its 20-byte header"),
        (Array(array([1, 2]).dropLast()), "ends inside element 2 of 2"),
        (Array(array([1, 2]).dropLast(12)), "ends inside element 2 of 2"),
        (array([1]) + [0], "followed by 1 more bytes"),
        (emptyArray + [0, 0], "empty array followed by 2 more bytes"),
        (int32(2) + int32(0) + int32(701) + int32(1) + int32(1) + int32(1) + int32(1), "2 dimensions"),
        (int32(1) + int32(0) + int32(23) + int32(1) + int32(1) + int32(4) + int32(7), "element type 23"),
        (int32(1) + int32(0) + int32(701) + int32(1) + int32(1) + int32(4) + int32(7), "element of 4 bytes"),
        (int32(1) + int32(0) + int32(701) + int32(-3) + int32(1), "-3 elements"),
        (int32(1) + int32(7) + int32(701) + int32(0) + int32(1), "NULL flag is 7"),
        (int32(1) + int32(0) + int32(701) + int32(1) + int32(1) + int32(-1), "NULL elements whose NULL flag is 0"),
        (int32(1) + int32(0) + int32(701) + int32(Int32.max) + int32(1), "ends inside element 1"),
    ] as [([UInt8], String)])
    func malformedArraysThrow(_ bytes: [UInt8], _ reason: String) {
        #expect {
            _ = try Self.decode(bytes)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }
}
