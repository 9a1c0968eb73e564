import Foundation

/// Reads the IDX format used by MNIST: big-endian, a 4-byte magic (`0, 0, type, dimensions`), one 4-byte size per
/// dimension, then the values. Images are `count × …` arrays (every dimension after the first is flattened into
/// features); labels are a one-dimensional array of non-negative integers. The files must be uncompressed.
public enum IDXLoader {
    /// One decoded IDX file.
    public struct Contents: Sendable, Hashable {
        /// The sizes from the header, outermost first.
        public var dimensions: [Int]
        /// Every value, converted to Float, in file order.
        public var values: [Float]
        /// The element type code from the header (`0x08` unsigned byte, `0x09` signed byte, `0x0B` Int16,
        /// `0x0C` Int32, `0x0D` Float32, `0x0E` Float64).
        public var typeCode: UInt8
    }

    /// Loads an images file and a labels file. `scaling` defaults to dividing by 255 for unsigned-byte images
    /// (MNIST pixels) and to no scaling for other element types.
    public static func load(images: String, labels: String, scaling: FeatureScaling? = nil) throws(DatasetError) -> Dataset {
        let imageArray = try read(path: images)
        let labelArray = try read(path: labels)
        guard let count = imageArray.dimensions.first, imageArray.dimensions.count >= 2 else {
            throw .malformedIDX(
                path: images, offset: 3,
                message: "an images file needs at least 2 dimensions (samples × features), found \(imageArray.dimensions.count).")
        }
        guard labelArray.dimensions.count == 1 || (labelArray.dimensions.count == 2 && labelArray.dimensions[1] == 1) else {
            throw .malformedIDX(
                path: labels, offset: 3,
                message: "a labels file must be one-dimensional, found dimensions \(labelArray.dimensions).")
        }
        guard labelArray.dimensions[0] == count else {
            throw .inconsistent(
                "\(images) holds \(count) samples but \(labels) holds \(labelArray.dimensions[0]) labels; they must match.")
        }
        let featureCount = imageArray.values.count / max(count, 1)
        var classes: [Int] = []
        classes.reserveCapacity(count)
        let headerLength = 4 + 4 * labelArray.dimensions.count
        let elementSize = elementByteCount(labelArray.typeCode) ?? 1
        for (index, value) in labelArray.values.enumerated() {
            guard value >= 0, value == value.rounded() else {
                throw .malformedIDX(
                    path: labels, offset: headerLength + index * elementSize,
                    message: "label \(index) is \(value); labels must be non-negative integers.")
            }
            classes.append(Int(value))
        }
        var features = Tensor(rows: count, columns: featureCount, values: imageArray.values)
            ?? Tensor(rows: 0, columns: featureCount)
        (scaling ?? (imageArray.typeCode == 0x08 ? .divide(by: 255) : .none)).apply(to: &features)
        let name = URL(fileURLWithPath: images).lastPathComponent
        return try Dataset(name: name, features: features, labels: classes)
    }

    /// Reads and validates one IDX file.
    public static func read(path: String) throws(DatasetError) -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try decode([UInt8](data), source: path)
    }

    /// Decodes IDX `bytes`; `source` names the file in error messages.
    public static func decode(_ bytes: [UInt8], source: String) throws(DatasetError) -> Contents {
        guard bytes.count >= 4 else {
            throw .malformedIDX(
                path: source, offset: 0, message: "the file is \(bytes.count) bytes long; an IDX header needs at least 4.")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            let hint = bytes[0] == 0x1F && bytes[1] == 0x8B ? " (the file is gzip-compressed: gunzip it first)" : ""
            throw .malformedIDX(
                path: source, offset: 0,
                message: String(format: "the magic number must start with two zero bytes, found 0x%02x 0x%02x", bytes[0], bytes[1])
                    + hint + ".")
        }
        let typeCode = bytes[2]
        guard let elementSize = elementByteCount(typeCode) else {
            throw .malformedIDX(
                path: source, offset: 2,
                message: String(format: "unknown element type 0x%02x; IDX defines 0x08, 0x09, 0x0B, 0x0C, 0x0D and 0x0E.", typeCode))
        }
        let dimensionCount = Int(bytes[3])
        guard dimensionCount >= 1 else {
            throw .malformedIDX(path: source, offset: 3, message: "the header declares 0 dimensions; at least 1 is needed.")
        }
        let headerLength = 4 + 4 * dimensionCount
        guard bytes.count >= headerLength else {
            throw .malformedIDX(
                path: source, offset: bytes.count,
                message: "the file ends inside the header: \(dimensionCount) dimension sizes need \(headerLength) bytes, the file has \(bytes.count).")
        }
        var dimensions: [Int] = []
        var total = 1
        for index in 0..<dimensionCount {
            let size = Int(readUInt32(bytes, at: 4 + 4 * index))
            dimensions.append(size)
            let (product, overflow) = total.multipliedReportingOverflow(by: size)
            guard !overflow, product <= Int(Int32.max) else {
                throw .malformedIDX(
                    path: source, offset: 4 + 4 * index, message: "the dimensions \(dimensions) describe an impossibly large array.")
            }
            total = product
        }
        let expected = total * elementSize
        let available = bytes.count - headerLength
        guard available == expected else {
            let problem = available < expected ? "is truncated" : "has \(available - expected) unexpected trailing bytes"
            throw .malformedIDX(
                path: source, offset: headerLength,
                message: "the header promises \(dimensions.map(String.init).joined(separator: "×")) values "
                    + "(\(expected) bytes) but \(available) bytes follow: the file \(problem).")
        }
        var values = [Float](repeating: 0, count: total)
        for index in 0..<total {
            let offset = headerLength + index * elementSize
            switch typeCode {
            case 0x08: values[index] = Float(bytes[offset])
            case 0x09: values[index] = Float(Int8(bitPattern: bytes[offset]))
            case 0x0B: values[index] = Float(Int16(bitPattern: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])))
            case 0x0C: values[index] = Float(Int32(bitPattern: readUInt32(bytes, at: offset)))
            case 0x0D: values[index] = Float(bitPattern: readUInt32(bytes, at: offset))
            default:
                let high = UInt64(readUInt32(bytes, at: offset))
                let low = UInt64(readUInt32(bytes, at: offset + 4))
                values[index] = Float(Double(bitPattern: high << 32 | low))
            }
        }
        return Contents(dimensions: dimensions, values: values, typeCode: typeCode)
    }

    static func elementByteCount(_ typeCode: UInt8) -> Int? {
        switch typeCode {
        case 0x08, 0x09: 1
        case 0x0B: 2
        case 0x0C, 0x0D: 4
        case 0x0E: 8
        default: nil
        }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
