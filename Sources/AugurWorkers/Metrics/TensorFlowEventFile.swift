import Foundation

/// One numeric summary value of a TensorFlow event file.
public struct TensorFlowScalar: Sendable, Hashable {
    /// The summary's tag (`accuracy`, `loss`, …).
    public var tag: String
    public var value: Double
    /// The event's `step`.
    public var step: Int
    /// The event's `wall_time`, in seconds since 1970.
    public var wallTime: Double

    public init(tag: String, value: Double, step: Int, wallTime: Double) {
        self.tag = tag
        self.value = value
        self.step = step
        self.wallTime = wallTime
    }
}

/// Why a TensorFlow event file could not be read. Each case names the file, the record (counted from 0) and its
/// byte offset, so that a user can find the damage.
public enum TensorFlowEventError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file ends inside a record.
    case truncated(file: String, record: Int, offset: Int, needed: Int, available: Int)
    /// The masked CRC-32C of a record's length does not match.
    case lengthChecksum(file: String, record: Int, offset: Int)
    /// The masked CRC-32C of a record's data does not match.
    case dataChecksum(file: String, record: Int, offset: Int)
    /// A record's data is not a `tensorflow.Event` message.
    case malformedEvent(file: String, record: Int, offset: Int, reason: String)
    /// The file or directory could not be read.
    case unreadable(path: String, message: String)

    public var description: String {
        switch self {
        case let .truncated(file, record, offset, needed, available):
            "TensorFlow event file \(file) is cut off in record \(record) (byte \(offset)): it needs \(needed) more "
                + "bytes, the file has \(available); the writer may not have flushed or closed it"
        case let .lengthChecksum(file, record, offset):
            "TensorFlow event file \(file) is damaged: the length of record \(record) (byte \(offset)) fails its "
                + "CRC-32C check"
        case let .dataChecksum(file, record, offset):
            "TensorFlow event file \(file) is damaged: the data of record \(record) (byte \(offset)) fails its "
                + "CRC-32C check"
        case let .malformedEvent(file, record, offset, reason):
            "TensorFlow event file \(file): record \(record) (byte \(offset)) is not a TensorFlow Event: \(reason)"
        case let .unreadable(path, message):
            "cannot read TensorFlow event files at \(path): \(message)"
        }
    }
}

/// Reads TensorFlow event files (`events.out.tfevents.*`), as TensorBoard and Katib's `TensorFlowEvent` collector
/// do, without TensorFlow.
///
/// The file is a sequence of TFRecords: a little-endian `uint64` length, the masked CRC-32C of those 8 bytes, the
/// data, and the masked CRC-32C of the data; both checksums are verified. Each record's data is a
/// `tensorflow.Event` whose `summary.value[]` entries carry a `tag` and either a `simple_value` (TF1's
/// `tf.summary.scalar`, tensorboardX) or a `tensor` (TF2's `tf.summary.scalar`); a tensor gives a value when it
/// holds exactly one number (float, double, half, bfloat16, int32, int64 or bool). Other summaries (histograms,
/// images, text) are skipped.
public enum TensorFlowEventFile {
    /// The numeric summary values of the file at `path`, in file order.
    public static func scalars(atPath path: String) throws(TensorFlowEventError) -> [TensorFlowScalar] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, message: error.localizedDescription)
        }
        return try scalars(in: [UInt8](data), file: path)
    }

    /// The numeric summary values of an event file's `bytes`; `file` names it in errors.
    public static func scalars(in bytes: [UInt8], file: String) throws(TensorFlowEventError) -> [TensorFlowScalar] {
        var scalars: [TensorFlowScalar] = []
        var offset = 0
        var record = 0
        while offset < bytes.count {
            let header = 12
            guard bytes.count - offset >= header else {
                throw .truncated(file: file, record: record, offset: offset, needed: header, available: bytes.count - offset)
            }
            let length = littleEndian(bytes, at: offset, count: 8)
            let lengthCRC = UInt32(truncatingIfNeeded: littleEndian(bytes, at: offset + 8, count: 4))
            guard CRC32C.masked(CRC32C.checksum(bytes[offset..<offset + 8])) == lengthCRC else {
                throw .lengthChecksum(file: file, record: record, offset: offset)
            }
            let available = bytes.count - offset - header
            // Compared before any arithmetic, so that a huge length cannot overflow.
            guard length <= UInt64(available), available - Int(length) >= 4 else {
                let needed = length > UInt64(Int.max - 4) ? Int.max : Int(length) + 4
                throw .truncated(file: file, record: record, offset: offset, needed: needed, available: available)
            }
            let start = offset + header
            let end = start + Int(length)
            let dataCRC = UInt32(truncatingIfNeeded: littleEndian(bytes, at: end, count: 4))
            guard CRC32C.masked(CRC32C.checksum(bytes[start..<end])) == dataCRC else {
                throw .dataChecksum(file: file, record: record, offset: offset)
            }
            do {
                scalars += try event(bytes[start..<end])
            } catch {
                throw .malformedEvent(file: file, record: record, offset: offset, reason: error.reason)
            }
            offset = end + 4
            record += 1
        }
        return scalars
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<count {
            value |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
        }
        return value
    }

    // MARK: tensorflow.Event (tensorflow/core/util/event.proto)

    private static func event(_ bytes: ArraySlice<UInt8>) throws(ProtobufWireReader.Malformed) -> [TensorFlowScalar] {
        var reader = ProtobufWireReader(bytes)
        var wallTime = 0.0
        var step = 0
        var summaries: [ArraySlice<UInt8>] = []
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .fixed64(let bits)): wallTime = Double(bitPattern: bits)
            case (2, .varint(let number)): step = Int(truncatingIfNeeded: Int64(bitPattern: number))
            case (5, .bytes(let summary)): summaries.append(summary)
            default: continue
            }
        }
        var scalars: [TensorFlowScalar] = []
        for summary in summaries {
            var summaryReader = ProtobufWireReader(summary)
            while let (field, value) = try summaryReader.next() {
                guard field == 1, case .bytes(let entry) = value else { continue }
                if let (tag, number) = try summaryValue(entry) {
                    scalars.append(TensorFlowScalar(tag: tag, value: number, step: step, wallTime: wallTime))
                }
            }
        }
        return scalars
    }

    /// A `Summary.Value`'s tag and number, when it has one.
    private static func summaryValue(_ bytes: ArraySlice<UInt8>) throws(ProtobufWireReader.Malformed) -> (String, Double)? {
        var reader = ProtobufWireReader(bytes)
        var tag = ""
        var number: Double?
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .bytes(let text)): tag = String(decoding: text, as: UTF8.self)
            case (2, .fixed32(let bits)): number = Double(Float(bitPattern: bits))
            case (8, .bytes(let tensor)): number = try tensorScalar(tensor)
            default: continue
            }
        }
        guard let number else { return nil }
        return (tag, number)
    }

    // MARK: tensorflow.TensorProto (tensorflow/core/framework/tensor.proto)

    private enum DataType: UInt64 {
        case float = 1, double = 2, int32 = 3, bool = 10, int64 = 9, bfloat16 = 14, half = 19
    }

    /// The single number a scalar (or one-element) numeric tensor holds; `nil` for any other tensor.
    private static func tensorScalar(_ bytes: ArraySlice<UInt8>) throws(ProtobufWireReader.Malformed) -> Double? {
        var reader = ProtobufWireReader(bytes)
        var dataType: DataType?
        var elements = 1
        var content: ArraySlice<UInt8>?
        var values: [Double] = []
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .varint(let code)): dataType = DataType(rawValue: code)
            case (2, .bytes(let shape)): elements = try elementCount(shape)
            case (4, .bytes(let raw)): content = raw
            case (5, _): values += try ProtobufWireReader.unpack(value, width: 4).map { Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) }
            case (6, _): values += try ProtobufWireReader.unpack(value, width: 8).map { Double(bitPattern: $0) }
            case (7, _), (11, _), (13, _):
                // int_val also carries int8/16, uint8/16 and bfloat16 bits; half_val carries half bits.
                let raw = try ProtobufWireReader.unpack(value, width: 0)
                values += raw.map { number in
                    switch (field, dataType) {
                    case (13, _), (7, .half?): halfToDouble(UInt16(truncatingIfNeeded: number))
                    case (7, .bfloat16?): Double(Float(bitPattern: UInt32(truncatingIfNeeded: number) << 16))
                    default: Double(Int32(truncatingIfNeeded: number))
                    }
                }
            case (10, _): values += try ProtobufWireReader.unpack(value, width: 0).map { Double(Int64(bitPattern: $0)) }
            default: continue
            }
        }
        guard let dataType, elements == 1 else { return nil }
        if let content, content.isEmpty == false {
            let width: Int = switch dataType {
            case .float, .int32: 4
            case .double, .int64: 8
            case .half, .bfloat16: 2
            case .bool: 1
            }
            guard content.count == width else { return nil }
            var bits: UInt64 = 0
            for (index, byte) in content.enumerated() { bits |= UInt64(byte) << (8 * UInt64(index)) }
            return switch dataType {
            case .float: Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case .double: Double(bitPattern: bits)
            case .int32: Double(Int32(truncatingIfNeeded: bits))
            case .int64: Double(Int64(bitPattern: bits))
            case .half: halfToDouble(UInt16(truncatingIfNeeded: bits))
            case .bfloat16: Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits) << 16))
            case .bool: bits == 0 ? 0 : 1
            }
        }
        return values.count == 1 ? values[0] : nil
    }

    /// The number of elements a `TensorShapeProto` describes (1 for a scalar); 0 for an unknown rank.
    private static func elementCount(_ bytes: ArraySlice<UInt8>) throws(ProtobufWireReader.Malformed) -> Int {
        var reader = ProtobufWireReader(bytes)
        var count = 1
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (2, .bytes(let dimension)):
                var dimensionReader = ProtobufWireReader(dimension)
                var size: Int64 = 0
                while let (dimensionField, dimensionValue) = try dimensionReader.next() {
                    if dimensionField == 1, case .varint(let number) = dimensionValue { size = Int64(bitPattern: number) }
                }
                // Only whether the count is 1 matters, so any size other than 1 makes it "not one".
                if size != 1 { count = 0 }
            case (3, .varint(let unknown)) where unknown != 0:
                count = 0
            default:
                continue
            }
        }
        return count
    }

    /// An IEEE 754 half-precision number's value.
    static func halfToDouble(_ bits: UInt16) -> Double {
        let sign = bits & 0x8000 == 0 ? 1.0 : -1.0
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
