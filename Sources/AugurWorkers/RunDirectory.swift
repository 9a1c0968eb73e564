import Foundation

/// Where a study's trials keep their folders (`<run directory>/trials/<id>`).
///
/// A study's name becomes a folder name only through `folderName(forStudy:)`, a safe encoding: whatever name reaches
/// a runner (one stored before names were checked, one a server sends), its folder stays inside the directory it was
/// meant for.
public enum RunDirectory {
    /// The folder name for `study`: letters, digits, `-` and `_` are kept, as is `.` anywhere but at the start; every
    /// other byte is written `%XX`. A valid study name (`SpecValidator.nameProblem`) that does not start with `.` is
    /// its own folder name; `.`, `..`, slashes, control characters and the empty name cannot name a folder outside
    /// the parent, nor a hidden one.
    public static func folderName(forStudy study: String) -> String {
        guard study.isEmpty == false else { return "%" }
        var name = ""
        for (offset, byte) in study.utf8.enumerated() {
            let isKept = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || (byte == 0x2E && offset > 0)
            name += isKept ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }
        return name
    }

    /// The run directory of `study` inside `parent`.
    public static func path(forStudy study: String, in parent: String) -> String {
        URL(fileURLWithPath: parent, isDirectory: true).appendingPathComponent(folderName(forStudy: study)).path
    }
}
