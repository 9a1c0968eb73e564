import Foundation

/// What Augur knows of a command that hands a script to a POSIX shell (`sh -c SCRIPT`, `bash -lc SCRIPT`, a spec's
/// single-string `command`), so that a parameter value substituted into the script is read by that shell as the
/// literal value and never as code.
///
/// Katib's examples write `command: [sh, -c, "python train.py --lr=${trialParameters.lr}"]`; substituted as plain
/// text, a categorical value `; rm -rf ~` or `$(…)` would run in that shell. Values made only of characters no shell
/// treats specially (letters, digits and `-_.,+:/@%`, which covers every number) are written as they are, so
/// `--lr=0.01` reads as before; any other value is quoted for the place it lands in (POSIX single quotes, `'` written
/// as `'\''`). A value with such characters in a place that cannot be quoted (inside `$((…))`, a here-document,
/// bash's `$'…'`, right after a `$`; a backquote or backslash inside backquotes; a newline in a comment) is refused
/// rather than run. Only POSIX-family shells are recognised: `csh`, `fish` and other languages' `-c`/`-e` (Python,
/// Perl) are not, and values reach them as they are.
public enum ShellScript {
    /// Where in a shell script a substituted value lands.
    public enum Context: Sendable, Hashable {
        /// Outside any quotes (also inside `$(…)`).
        case unquoted
        /// Inside `'…'`.
        case singleQuoted
        /// Inside `"…"`.
        case doubleQuoted
        /// Inside `` `…` ``: quoted as unquoted text, but a value with `` ` `` or `\` cannot be.
        case backquoted
        /// Inside a `#` comment: harmless unless the value holds a newline, which would end it.
        case comment
        /// A place whose quoting rules Augur does not follow (arithmetic, a here-document, `$'…'`): only values
        /// without special characters may go there.
        case unsupported(String)

        /// Where this is, for messages: "outside quotes", "inside backquotes", …
        public var place: String {
            switch self {
            case .unquoted: "outside quotes"
            case .singleQuoted: "inside single quotes"
            case .doubleQuoted: "inside double quotes"
            case .backquoted: "inside backquotes"
            case .comment: "inside a comment"
            case .unsupported(let place): place
            }
        }
    }

    /// Shells whose `-c` argument is a script in the POSIX shell language.
    static let shellNames: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "yash", "posh"]

    /// The index in `argv` of the script a shell runs with `-c` (`sh -c`, `/bin/bash -lc`, `bash -e -c`,
    /// `env A=1 sh -c`, `busybox sh -c`); `nil` when `argv` does not run a shell script given inline. The arguments
    /// after the script are the script's `$0`, `$1`, …, passed to it without being parsed, so they need no quoting.
    public static func scriptIndex(in argv: [String]) -> Int? {
        var index = 0
        if index < argv.count, baseName(argv[index]) == "env" {
            index += 1
            while index < argv.count {
                let argument = argv[index]
                if argument == "-u" || argument == "-C" || argument == "--chdir" || argument == "--unset" {
                    index += 2
                } else if argument.hasPrefix("-") || (argument.contains("=") && !argument.hasPrefix("=")) {
                    index += 1
                } else {
                    break
                }
            }
        }
        if index < argv.count, baseName(argv[index]) == "busybox" { index += 1 }
        guard index < argv.count, shellNames.contains(baseName(argv[index])) else { return nil }
        index += 1
        var readsScriptFromCommandLine = false
        while index < argv.count {
            let argument = argv[index]
            if argument == "--" {
                index += 1
                break
            }
            if argument.hasPrefix("--") {
                // bash's long options; two of them take a value.
                index += argument == "--rcfile" || argument == "--init-file" ? 2 : 1
                continue
            }
            guard argument.count > 1, argument.hasPrefix("-") || argument.hasPrefix("+") else { break }
            let letters = argument.dropFirst()
            if argument.hasPrefix("-"), letters.contains("c") { readsScriptFromCommandLine = true }
            // `-o NAME` and bash's `-O NAME` take the next argument.
            index += letters.contains("o") || letters.contains("O") ? 2 : 1
        }
        guard readsScriptFromCommandLine, index < argv.count else { return nil }
        return index
    }

    /// `/usr/bin/bash` → `bash`.
    private static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Whether `value` reads the same to a shell wherever it lands: only letters, digits and `-_.,+:/@%`.
    public static func isInert(_ value: String) -> Bool {
        !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", ",", "+", ":", "/", "@", "%": true
            default: false
            }
        }
    }

    /// `value` in POSIX single quotes: `it's` → `'it'\''s'`.
    public static func singleQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// `value` written so that a shell reading it at `context` gets the value itself; `nil` when it cannot be.
    public static func quote(_ value: String, in context: Context) -> String? {
        if isInert(value) { return value }
        switch context {
        case .unquoted:
            return singleQuoted(value)
        case .singleQuoted:
            // Close the quotes, add the value quoted on its own, open them again: one word for the shell.
            return "'" + singleQuoted(value) + "'"
        case .doubleQuoted:
            return "\"" + singleQuoted(value) + "\""
        case .backquoted:
            return value.contains("`") || value.contains("\\") ? nil : singleQuoted(value)
        case .comment:
            return value.contains("\n") || value.contains("\r") ? nil : value
        case .unsupported:
            return nil
        }
    }
}

/// Follows a shell script's quoting as its text goes by, a piece at a time, to tell where the next character lands.
/// It follows the POSIX shell language closely enough for templates: quotes, backslashes, `$(…)` and backquotes
/// nested to any depth, `$((…))`, comments; places it does not follow (here-documents, `$'…'`) are `unsupported`.
struct ShellScriptScanner: Sendable {
    private enum Frame: Sendable, Equatable {
        /// Unquoted text; `substitution` for the inside of `$(…)`, with the depth of plain `(` inside it.
        case command(substitution: Bool, depth: Int)
        case singleQuoted
        case doubleQuoted
        case backquoted
        /// Inside `$((…))`, with the depth of parentheses still open.
        case arithmetic(depth: Int)
        case comment
        case ansiC
        /// Everything after `<<`, for good.
        case hereDocument
    }

    private var frames: [Frame] = [.command(substitution: false, depth: 0)]
    private var escaped = false
    /// The last character read was a `$` that was not escaped.
    private var afterDollar = false
    /// The last character read opened a `$(`: a `(` now makes it `$((`.
    private var afterSubstitutionOpened = false
    /// The last character read was an unquoted `<`.
    private var afterLessThan = false
    /// The last character read ends a word (or nothing was read yet): a `#` now starts a comment.
    private var atWordStart = true

    /// Where a value inserted after the text read so far lands.
    var context: ShellScript.Context {
        if escaped { return .unsupported("right after a backslash") }
        // `$'…'` reads backslash escapes and `$"…"` is translated: a quoted value must not follow a bare `$`.
        if afterDollar { return .unsupported("right after a `$`") }
        switch frames.last {
        case .command?, nil: return .unquoted
        case .singleQuoted?: return .singleQuoted
        case .doubleQuoted?: return .doubleQuoted
        case .backquoted?: return .backquoted
        case .comment?: return .comment
        case .arithmetic?: return .unsupported("inside an arithmetic expansion $((…))")
        case .ansiC?: return .unsupported("inside a $'…' string")
        case .hereDocument?: return .unsupported("inside a here-document")
        }
    }

    /// Reads `text`, the script's own characters.
    mutating func read(_ text: some StringProtocol) {
        for character in text { read(character) }
    }

    /// Notes that a substituted value, quoted for `context`, was written here: it leaves the quoting as it was, but
    /// the word goes on (a `#` after it starts no comment).
    mutating func readValue() {
        afterDollar = false
        afterSubstitutionOpened = false
        afterLessThan = false
        atWordStart = false
    }

    private mutating func read(_ character: Character) {
        let wasAfterDollar = afterDollar
        let wasAfterSubstitutionOpened = afterSubstitutionOpened
        let wasAfterLessThan = afterLessThan
        let wasAtWordStart = atWordStart
        afterDollar = false
        afterSubstitutionOpened = false
        afterLessThan = false
        atWordStart = character.isWhitespace || ";&|()<>".contains(character)
        if escaped {
            escaped = false
            atWordStart = false
            return
        }
        guard let frame = frames.last else { return }
        switch frame {
        case .hereDocument:
            return
        case .comment:
            if character == "\n" { frames.removeLast() }
        case .singleQuoted:
            if character == "'" { frames.removeLast() }
        case .ansiC:
            if character == "\\" { escaped = true } else if character == "'" { frames.removeLast() }
        case .arithmetic(let depth):
            if character == "(" {
                frames[frames.count - 1] = .arithmetic(depth: depth + 1)
            } else if character == ")" {
                if depth > 0 { frames[frames.count - 1] = .arithmetic(depth: depth - 1) } else { frames.removeLast() }
            }
        case .doubleQuoted:
            switch character {
            case "\\": escaped = true
            case "\"": frames.removeLast()
            case "`": frames.append(.backquoted)
            case "$": afterDollar = true
            case "(" where wasAfterDollar: openSubstitution()
            default: break
            }
        case .backquoted, .command:
            if case .command(let substitution, let depth) = frame {
                if character == "(", wasAfterSubstitutionOpened {
                    // `$((`: arithmetic, not a command; its first `(` is this one.
                    frames[frames.count - 1] = .arithmetic(depth: 1)
                    return
                }
                if character == "(", !wasAfterDollar {
                    frames[frames.count - 1] = .command(substitution: substitution, depth: depth + 1)
                    return
                }
                if character == ")" {
                    if depth > 0 {
                        frames[frames.count - 1] = .command(substitution: substitution, depth: depth - 1)
                    } else if substitution {
                        frames.removeLast()
                    }
                    return
                }
            } else if character == "`" {
                frames.removeLast()
                return
            }
            switch character {
            case "\\": escaped = true
            case "'": frames.append(wasAfterDollar ? .ansiC : .singleQuoted)
            case "\"": frames.append(.doubleQuoted)
            case "`": frames.append(.backquoted)
            case "$": afterDollar = true
            case "(" where wasAfterDollar: openSubstitution()
            case "#" where wasAtWordStart: frames.append(.comment)
            case "<":
                if wasAfterLessThan { frames.append(.hereDocument) } else { afterLessThan = true }
            default: break
            }
        }
    }

    /// `$(` was read: a command substitution, unless the next character makes it `$((`.
    private mutating func openSubstitution() {
        frames.append(.command(substitution: true, depth: 0))
        afterSubstitutionOpened = true
    }
}
