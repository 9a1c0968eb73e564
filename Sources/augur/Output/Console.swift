import Foundation
import Synchronization

/// Standard error shared by log lines and the live progress line: on a terminal the status line stays at the bottom
/// and is redrawn in place; other lines scroll above it.
final class Console: Sendable {
    /// Whether standard error is a terminal (so the status line can be redrawn in place).
    let isTerminal: Bool
    private let status = Mutex<String?>(nil)

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// Writes a line to standard error, keeping the status line below it.
    func printLine(_ text: String) {
        status.withLock { status in
            var output = ""
            if isTerminal, status != nil { output += "\r\u{1B}[2K" }
            output += text + "\n"
            if isTerminal, let status { output += status }
            write(output)
        }
    }

    /// Replaces the status line (terminals only; elsewhere it is ignored).
    func setStatus(_ text: String) {
        guard isTerminal else { return }
        // A line wider than the terminal would wrap, and `\r` would then redraw only its last part.
        let width = terminalWidth()
        let fitted = text.count < width ? text : String(text.prefix(max(0, width - 2))) + "…"
        status.withLock { status in
            status = fitted
            write("\r\u{1B}[2K" + fitted)
        }
    }

    /// The terminal's width in columns (80 when it cannot be asked).
    private func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Removes the status line, leaving the cursor at the start of an empty line.
    func clearStatus() {
        guard isTerminal else { return }
        status.withLock { status in
            if status != nil { write("\r\u{1B}[2K") }
            status = nil
        }
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Foundation.write(STDERR_FILENO, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written <= 0 { return }
            offset += written
        }
    }
}
