import Foundation

/// A metrics filter written in the syntax Katib's collector compiles it with (Go's `regexp`, RE2 syntax), translated
/// to the ICU syntax `NSRegularExpression` speaks, so that a pattern means on this machine what it means in Katib.
///
/// What the translation changes, and why:
/// - a `{` that does not start a repetition (`{n}`, `{n,}`, `{n,m}`) and every `}` outside one are literal in RE2
///   (Katib's own example filter `{metricName: ([\w|-]+), …}` starts with one), so they are escaped;
/// - `\d`, `\w`, `\s` (and their negations, and the POSIX classes `[:alpha:]` …) are ASCII in RE2 and Unicode in
///   ICU, so they become explicit ASCII sets;
/// - inside a bracket expression `[`, `{`, `}`, `&` and `$` are plain characters in RE2 but set syntax in ICU, and a
///   `]` right after `[` or `[^` is a plain character too;
/// - `(?P<name>…)` becomes `(?<name>…)`; `\v` is the vertical tab (ICU reads a class); an octal escape `\123`
///   becomes `\x{53}`;
/// - `.` does not match only `\n` in RE2 (ICU also excludes `\r` and other line ends), unless the `s` flag is set.
///
/// RE2 constructs that ICU cannot express are refused by `MetricPatternError`: `\C` (one byte of UTF-8) and the
/// `U` (ungreedy) flag, and a lone `\1`…`\9`, which Go reads as an unsupported backreference. ICU-only constructs
/// (lookaround, backreferences written `\k<name>`) are left as they are.
public struct MetricPattern: Sendable, Hashable {
    /// The pattern as written in the spec.
    public let source: String
    /// The same pattern in ICU syntax.
    public let translated: String

    /// Translates `source`; throws when it uses an RE2 construct ICU cannot express.
    public init(_ source: String) throws(MetricPatternError) {
        self.source = source
        self.translated = try Self.translate(source)
    }

    /// The compiled expression; throws `MetricPatternError.invalid` when the pattern does not compile.
    public func compile() throws(MetricPatternError) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: translated)
        } catch {
            throw .invalid(pattern: source)
        }
    }

    private static let digits = "0-9"
    private static let word = "0-9A-Za-z_"
    private static let space = #"\t\n\f\r\x{20}"#
    private static let posixClasses: [String: String] = [
        "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": #"\x{0}-\x{7F}"#, "blank": #"\t\x{20}"#,
        "cntrl": #"\x{0}-\x{1F}\x{7F}"#, "digit": "0-9", "graph": #"\x{21}-\x{7E}"#, "lower": "a-z",
        "print": #"\x{20}-\x{7E}"#, "punct": #"\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}"#,
        "space": #"\t\n\x{B}\f\r\x{20}"#, "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
    ]

    private static func translate(_ source: String) throws(MetricPatternError) -> String {
        let scalars = Array(source.unicodeScalars)
        var output = ""
        var index = 0
        var inClass = false
        // Whether any flag group turns on `s` (dot matches newline); then `.` is left to ICU, which agrees.
        let dotMatchesNewline = source.range(of: #"\(\?[imsU]*s[imsU-]*[:)]"#, options: .regularExpression) != nil

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        func text(from start: Int, count: Int) -> String {
            String(String.UnicodeScalarView(scalars[start..<min(start + count, scalars.count)]))
        }

        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                guard let next = peek(1) else {
                    throw .invalid(pattern: source)
                }
                switch next {
                case "Q":
                    // Literal text up to `\E`, which ICU also understands; copied as written.
                    var end = index + 2
                    while end < scalars.count, !(scalars[end] == "\\" && end + 1 < scalars.count && scalars[end + 1] == "E") {
                        end += 1
                    }
                    let literal = text(from: index + 2, count: end - index - 2)
                    output += inClass ? literal.unicodeScalars.map { "\\x{\(String($0.value, radix: 16))}" }.joined()
                                      : NSRegularExpression.escapedPattern(for: literal)
                    index = min(end + 2, scalars.count)
                    continue
                case "d": output += inClass ? digits : "[\(digits)]"
                case "D": output += "[^\(digits)]"
                case "w": output += inClass ? word : "[\(word)]"
                case "W": output += "[^\(word)]"
                case "s": output += inClass ? space : "[\(space)]"
                case "S": output += "[^\(space)]"
                case "v": output += #"\x{B}"#
                case "C":
                    throw .unsupported(pattern: source, construct: #"\C"#,
                                       reason: "it matches one byte of UTF-8, which Augur cannot; use `.` for a character")
                case "0"..."9":
                    var digitsText = ""
                    var end = index + 1
                    while end < scalars.count, digitsText.count < 3, ("0"..."7").contains(scalars[end]) {
                        digitsText.unicodeScalars.append(scalars[end])
                        end += 1
                    }
                    // Go reads `\1`…`\9` on their own as backreferences, which RE2 does not have.
                    if digitsText.isEmpty || (digitsText.count == 1 && digitsText != "0") {
                        throw .unsupported(pattern: source, construct: "\\\(next)",
                                           reason: "Go's RE2, which Katib compiles filters with, has no backreferences")
                    }
                    let value = UInt32(digitsText, radix: 8) ?? 0
                    output += "\\x{\(String(value, radix: 16))}"
                    index = end
                    continue
                default:
                    output.unicodeScalars.append(scalar)
                    output.unicodeScalars.append(next)
                }
                index += 2
                continue
            }
            if inClass {
                switch scalar {
                case "]":
                    output += "]"
                    inClass = false
                case "[":
                    if peek(1) == ":", let close = Self.posixClassEnd(in: scalars, from: index) {
                        var name = text(from: index + 2, count: close - index - 2)
                        let negated = name.hasPrefix("^")
                        if negated { name.removeFirst() }
                        guard let set = Self.posixClasses[name] else {
                            throw .unsupported(pattern: source, construct: "[:\(name):]",
                                               reason: "it is not a POSIX class RE2 knows")
                        }
                        output += negated ? "[^\(set)]" : set
                        index = close + 2
                        continue
                    }
                    output += #"\["#
                case "{", "}", "&", "$":
                    output += "\\" + String(scalar)
                default:
                    output.unicodeScalars.append(scalar)
                }
                index += 1
                continue
            }
            switch scalar {
            case "[":
                inClass = true
                output += "["
                index += 1
                if peek(0) == "^" {
                    output += "^"
                    index += 1
                }
                if peek(0) == "]" {
                    output += #"\]"#
                    index += 1
                }
                continue
            case "(":
                if peek(1) == "?" {
                    if peek(2) == "P", peek(3) == "<" {
                        output += "(?<"
                        index += 4
                        continue
                    }
                    var end = index + 2
                    var flags = ""
                    while end < scalars.count, "imsU-".unicodeScalars.contains(scalars[end]) {
                        flags.unicodeScalars.append(scalars[end])
                        end += 1
                    }
                    let isFlagGroup = end < scalars.count && (scalars[end] == ")" || scalars[end] == ":")
                    if isFlagGroup, flags.contains("U") {
                        throw .unsupported(pattern: source, construct: "(?U)",
                                           reason: "ICU has no ungreedy mode; make each repetition lazy with `?` instead")
                    }
                }
                output += "("
            case "{":
                if let end = Self.repetitionEnd(in: scalars, from: index) {
                    output += text(from: index, count: end - index + 1)
                    index = end + 1
                    continue
                }
                output += #"\{"#
            case "}":
                output += #"\}"#
            case ".":
                output += dotMatchesNewline ? "." : #"[^\n]"#
            default:
                output.unicodeScalars.append(scalar)
            }
            index += 1
        }
        return output
    }

    /// The index of the `}` closing a repetition `{n}`, `{n,}` or `{n,m}` that starts at `start`, or `nil`.
    private static func repetitionEnd(in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 1
        func digits() -> Bool {
            let first = index
            while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            return index > first
        }
        guard digits() else { return nil }
        if index < scalars.count, scalars[index] == "," {
            index += 1
            _ = digits()
        }
        return index < scalars.count && scalars[index] == "}" ? index : nil
    }

    /// The index of the `:` of the `:]` closing a POSIX class `[:name:]` that starts at `start`, or `nil`.
    private static func posixClassEnd(in scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start + 2
        while index + 1 < scalars.count {
            if scalars[index] == ":", scalars[index + 1] == "]" { return index }
            guard scalars[index] == "^" || scalars[index].properties.isAlphabetic else { return nil }
            index += 1
        }
        return nil
    }
}

/// Why a metrics filter cannot be used; `description` is a sentence for the spec's author.
public enum MetricPatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern does not compile.
    case invalid(pattern: String)
    /// The pattern uses an RE2 construct Augur cannot express.
    case unsupported(pattern: String, construct: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let pattern):
            "the pattern `\(pattern.excerptForMessage)` is not a valid regular expression (Go RE2 syntax, as Katib "
                + "reads it); check its brackets and escapes (in YAML, single quotes keep backslashes as written)."
        case let .unsupported(pattern, construct, reason):
            "the pattern `\(pattern.excerptForMessage)` uses `\(construct)`, which Augur cannot translate: \(reason)."
        }
    }
}
