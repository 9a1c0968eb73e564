/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TensorFlow's record files use, and its
/// "masked" form, which TFRecord stores so that a CRC of data holding CRCs is not a trivial value.
enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// The CRC-32C of `bytes` (`checksum("123456789") == 0xE3069283`).
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's mask: rotate right by 15 bits and add a constant (tensorflow/core/lib/hash/crc32c.h).
    static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
