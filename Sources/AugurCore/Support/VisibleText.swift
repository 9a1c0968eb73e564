extension String {
    /// The text with every control character (C0, DEL, C1) written as a visible escape: `\n`, `\t`, `\r`, `\0`,
    /// `\e` for ESC and `\u{HH}` for the rest, so that a value a user supplied cannot move a terminal's cursor,
    /// recolour it or hide what follows. Printable text, non-ASCII letters and backslashes included, is kept as it is.
    public var escapingControlCharacters: String {
        guard unicodeScalars.contains(where: \.isControlCharacter) else { return self }
        var result = ""
        for scalar in unicodeScalars {
            if let name = Self.controlCharacterNames[scalar] {
                result += name
            } else if scalar.isControlCharacter {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The control characters with a short escape of their own.
    private static let controlCharacterNames: [Unicode.Scalar: String] = [
        "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0", "\u{1B}": "\\e",
    ]

    /// The start of the text, control characters escaped, for a message about it: a huge or hostile value makes a
    /// short, harmless message.
    public var excerptForMessage: String {
        let escaped = escapingControlCharacters
        return escaped.count <= 64 ? escaped : String(escaped.prefix(64)) + "…"
    }
}

extension Unicode.Scalar {
    /// C0 controls, DEL and C1 controls.
    var isControlCharacter: Bool {
        value < 0x20 || (value >= 0x7F && value < 0xA0)
    }
}
