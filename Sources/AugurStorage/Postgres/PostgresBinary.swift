/// Decoders for values in PostgreSQL's binary wire format (what a statement with `binaryResults` gets back): integers
/// and IEEE doubles in network byte order, and one-dimensional `float8[]` arrays. Every decoder checks lengths and
/// headers and throws `PostgresBinary.Malformed` instead of reading past the bytes it was given.
enum PostgresBinary {
    /// Bytes that are not the binary form of the expected type; `description` says what was wrong.
    struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        let description: String
    }

    /// The type oid of `float8`, the element type an array header must name.
    static let float8OID: UInt32 = 701

    /// An `int2`, `int4` or `int8` value (told apart by its length: 2, 4 or 8 bytes).
    static func integer(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> Int {
        switch bytes.count {
        case 2: return Int(Int16(bitPattern: UInt16(bigEndian: bytes.loadUnaligned(as: UInt16.self))))
        case 4: return Int(Int32(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self))))
        case 8: return Int(Int64(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))))
        default: throw Malformed(description: "an integer of \(bytes.count) bytes (expected 2, 4 or 8)")
        }
    }

    /// A `float8` value (8 bytes, IEEE 754 binary64, big-endian); NaN and the infinities come through as they are.
    static func double(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> Double {
        guard bytes.count == 8 else { throw Malformed(description: "a float8 of \(bytes.count) bytes (expected 8)") }
        return double(bytes, at: 0)
    }

    private static func double(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Double {
        Double(bitPattern: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }

    private static func int32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        Int(Int32(bitPattern: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
    }

    /// The elements of a `float8[]` of at most one dimension, `nil` for a NULL element; an empty array (no
    /// dimensions) gives `[]`.
    ///
    /// The layout (PostgreSQL's `array_send`): the number of dimensions, a flag that is 1 when the array holds a
    /// NULL, the element type's oid, then per dimension its length and lower bound (4-byte big-endian integers
    /// each); then per element its byte length (-1 for NULL) followed by that many bytes. Anything else — more
    /// dimensions, another element type, a length that does not match the bytes — throws.
    static func doubleArray(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> [Double?] {
        var elements: [Double?] = []
        try forEachDouble(inArray: bytes) { elements.append($0) }
        return elements
    }

    /// Calls `body` with each element of a binary `float8[]` in order, as `doubleArray` reads them, without building
    /// an array; the whole value is checked before `body` is first called.
    static func forEachDouble(inArray bytes: UnsafeRawBufferPointer, _ body: (Double?) -> Void) throws(Malformed) {
        let count = try float8ArrayCount(bytes)
        guard count > 0 else { return }
        var offset = 20
        for _ in 0..<count {
            let length = int32(bytes, at: offset)
            offset += 4
            if length < 0 {
                body(nil)
            } else {
                body(double(bytes, at: offset))
                offset += 8
            }
        }
    }

    /// Checks a binary `float8[]` from end to end and returns how many elements it has.
    private static func float8ArrayCount(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> Int {
        guard bytes.count >= 12 else { throw Malformed(description: "an array of \(bytes.count) bytes, shorter than its 12-byte header") }
        let dimensions = int32(bytes, at: 0)
        let flags = int32(bytes, at: 4)
        let elementType = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard flags == 0 || flags == 1 else { throw Malformed(description: "an array whose NULL flag is \(flags) (expected 0 or 1)") }
        guard elementType == float8OID else {
            throw Malformed(description: "an array of element type \(elementType) (expected float8, \(float8OID))")
        }
        switch dimensions {
        case 0:
            guard bytes.count == 12 else { throw Malformed(description: "an empty array followed by \(bytes.count - 12) more bytes") }
            return 0
        case 1:
            break
        default:
            throw Malformed(description: "an array of \(dimensions) dimensions (expected 1)")
        }
        guard bytes.count >= 20 else { throw Malformed(description: "an array of \(bytes.count) bytes, shorter than its 20-byte header") }
        let count = int32(bytes, at: 12)
        guard count >= 0 else { throw Malformed(description: "an array of \(count) elements") }
        var offset = 20
        var nulls = 0
        for index in 0..<count {
            guard offset + 4 <= bytes.count else { throw Malformed(description: "an array that ends inside element \(index + 1) of \(count)") }
            let length = int32(bytes, at: offset)
            offset += 4
            if length == -1 {
                nulls += 1
                continue
            }
            guard length == 8 else { throw Malformed(description: "a float8 array element of \(length) bytes (expected 8)") }
            guard offset + 8 <= bytes.count else { throw Malformed(description: "an array that ends inside element \(index + 1) of \(count)") }
            offset += 8
        }
        guard offset == bytes.count else { throw Malformed(description: "an array of \(count) elements followed by \(bytes.count - offset) more bytes") }
        guard nulls == 0 || flags == 1 else { throw Malformed(description: "an array with NULL elements whose NULL flag is 0") }
        return count
    }
}
