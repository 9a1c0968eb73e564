import Foundation

/// Reads the shared secret of `--token-file`: the file's first line, without surrounding white space.
enum TokenFile {
    static func read(_ path: String) throws -> String {
        let expanded = (path as NSString).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded) else {
            throw CLIError("cannot read the token file \(path); check the path and its permissions")
        }
        let text = String(decoding: data, as: UTF8.self)
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw CLIError("the token file \(path) is empty; put the token on its first line") }
        guard token.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw CLIError("the token in \(path) must be printable ASCII without spaces")
        }
        return token
    }
}
