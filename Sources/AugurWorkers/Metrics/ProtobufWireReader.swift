/// Reads the protocol buffer wire format field by field, for the few TensorFlow messages Augur decodes by hand
/// (`Event`, `Summary`, `TensorProto`); unknown fields are skipped, as every protobuf reader does.
struct ProtobufWireReader {
    /// A field's value as the wire carries it.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    /// Why a message could not be read: a sentence fragment for the caller's error.
    struct Malformed: Error {
        var reason: String
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// The next field number and value, or `nil` at the end of the message.
    mutating func next() throws(Malformed) -> (field: UInt64, value: Value)? {
        guard index < bytes.endIndex else { return nil }
        let key = try varint()
        let field = key >> 3
        guard field > 0 else { throw Malformed(reason: "a field has number 0") }
        switch key & 7 {
        case 0:
            return (field, .varint(try varint()))
        case 1:
            return (field, .fixed64(try fixed(8)))
        case 2:
            let length = try varint()
            guard length <= UInt64(bytes.endIndex - index) else {
                throw Malformed(reason: "field \(field) claims \(length) bytes but only \(bytes.endIndex - index) remain")
            }
            let start = index
            index += Int(length)
            return (field, .bytes(bytes[start..<index]))
        case 5:
            return (field, .fixed32(UInt32(truncatingIfNeeded: try fixed(4))))
        default:
            throw Malformed(reason: "field \(field) has wire type \(key & 7), which no TensorFlow summary uses")
        }
    }

    private mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw Malformed(reason: "a varint is longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw Malformed(reason: "a varint runs past the end of the message")
    }

    private mutating func fixed(_ count: Int) throws(Malformed) -> UInt64 {
        guard bytes.endIndex - index >= count else {
            throw Malformed(reason: "a \(count * 8)-bit value runs past the end of the message")
        }
        var result: UInt64 = 0
        for offset in 0..<count {
            result |= UInt64(bytes[index + offset]) << (8 * UInt64(offset))
        }
        index += count
        return result
    }

    /// The values of a repeated scalar field, packed (one length-delimited run) or not (one value per field).
    static func unpack(_ value: Value, width: Int) throws(Malformed) -> [UInt64] {
        switch value {
        case .varint(let number): return [number]
        case .fixed64(let number): return [number]
        case .fixed32(let number): return [UInt64(number)]
        case .bytes(let run):
            var reader = ProtobufWireReader(run)
            var values: [UInt64] = []
            while reader.index < run.endIndex {
                values.append(width == 0 ? try reader.varint() : try reader.fixed(width))
            }
            return values
        }
    }
}
