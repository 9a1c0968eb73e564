/// A server's shared secret, checked the same way by every API that takes one (gRPC's `authorization` metadata, the
/// dashboard's `Authorization` header and cookie): the Bearer scheme read case-insensitively, and a comparison that
/// takes the same time wherever the tokens differ, so response timing does not reveal a prefix.
public struct BearerToken: Sendable {
    /// The secret's bytes, surrounding white space removed.
    public let bytes: [UInt8]

    /// - Parameter token: the shared secret (surrounding white space is ignored).
    public init(_ token: String) {
        var scalars = Substring(token)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        bytes = Array(scalars.utf8)
    }

    /// The secret as text (for a client's own `Bearer <token>` header or a cookie).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether `presented` is this token, looking at every byte of the longer one whatever the contents.
    public func matches(_ presented: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: presented.count ^ bytes.count) | (presented.count == bytes.count ? 0 : 1)
        for index in 0..<Swift.max(presented.count, bytes.count) {
            difference |= (index < presented.count ? presented[index] : 0) ^ (index < bytes.count ? bytes[index] : 0)
        }
        return difference == 0
    }

    /// The credentials of an authorization value in the Bearer scheme, or nil for another scheme. The scheme name is
    /// case-insensitive and may be followed by several spaces (RFC 7235 section 2.1, RFC 6750 section 2.1).
    public static func credentials(ofAuthorization header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " ") else { return nil }
        for (byte, expected) in zip(bytes, scheme) where byte | 0x20 != expected {
            return nil
        }
        return Array(bytes[scheme.count...].drop { $0 == UInt8(ascii: " ") })
    }
}
