import Foundation

/// Reads labelled samples from delimited text: one sample per line, numeric features, one label column.
///
/// Labels that are all non-negative integers are used as class indices; otherwise the distinct label texts, sorted,
/// become classes `0, 1, ...` (see ``Dataset/classNames``). Blank lines are skipped; `\r\n` line ends are accepted.
public enum CSVLoader {
    /// Loads the file at `path`.
    public static func load(path: String, options: CSVOptions = CSVOptions()) throws(DatasetError) -> Dataset {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(Array(data), source: path, name: name, options: options)
    }

    /// Parses CSV `bytes`; `source` names the file in error messages.
    public static func parse(
        _ bytes: [UInt8], source: String, name: String, options: CSVOptions = CSVOptions()
    ) throws(DatasetError) -> Dataset {
        var lines: [(number: Int, fields: [Substring])] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let text = String(decoding: bytes[start..<lineEnd], as: UTF8.self)
            if !text.allSatisfy(\.isWhitespace) {
                let fields = text.split(
                    separator: Character(Unicode.Scalar(options.delimiter)), omittingEmptySubsequences: false)
                lines.append((lineNumber, fields.map { $0.trimmingCharacters(in: .whitespaces)[...] }))
            }
            start = end + 1
        }
        guard let first = lines.first else {
            throw .malformedCSV(path: source, line: 1, column: nil, message: "the file has no data lines.")
        }
        let width = first.fields.count
        guard width >= 2 else {
            throw .malformedCSV(
                path: source, line: first.number, column: nil,
                message: "found \(width) field; a sample needs at least one feature and a label "
                    + "(is the delimiter '\(Character(Unicode.Scalar(options.delimiter)))' right?).")
        }

        let hasHeader: Bool
        let labelIndex: Int
        switch options.labelColumn {
        case .named(let columnName):
            guard options.header != .absent else {
                throw .inconsistent("\(source): the label column is named '\(columnName)' but the header is set to absent.")
            }
            guard let index = first.fields.firstIndex(where: { $0 == columnName }) else {
                throw .malformedCSV(
                    path: source, line: first.number, column: nil,
                    message: "no column named '\(columnName)' in the header (columns: \(first.fields.joined(separator: ", "))).")
            }
            hasHeader = true
            labelIndex = index
        case .last, .first, .index:
            let index: Int
            switch options.labelColumn {
            case .first: index = 0
            case .index(let value): index = value
            default: index = width - 1
            }
            guard index >= 0, index < width else {
                throw .malformedCSV(
                    path: source, line: first.number, column: nil,
                    message: "label column \(index) does not exist; lines have \(width) fields (columns 0…\(width - 1)).")
            }
            labelIndex = index
            switch options.header {
            case .present: hasHeader = true
            case .absent: hasHeader = false
            case .auto:
                hasHeader = first.fields.enumerated().contains { position, field in
                    position != labelIndex && Float(field) == nil
                }
            }
        }

        let dataLines = hasHeader ? Array(lines.dropFirst()) : lines
        guard !dataLines.isEmpty else {
            throw .malformedCSV(path: source, line: first.number, column: nil, message: "the file has a header but no data lines.")
        }
        let featureCount = width - 1
        var values = [Float](repeating: 0, count: dataLines.count * featureCount)
        var labelTexts: [Substring] = []
        labelTexts.reserveCapacity(dataLines.count)
        for (row, line) in dataLines.enumerated() {
            guard line.fields.count == width else {
                throw .malformedCSV(
                    path: source, line: line.number, column: nil,
                    message: "expected \(width) fields (as on line \(first.number)), found \(line.fields.count).")
            }
            var column = 0
            for (position, field) in line.fields.enumerated() {
                if position == labelIndex {
                    guard !field.isEmpty else {
                        throw .malformedCSV(
                            path: source, line: line.number, column: position + 1, message: "the label is empty.")
                    }
                    labelTexts.append(field)
                    continue
                }
                guard let value = Float(field), value.isFinite else {
                    let shown = field.isEmpty ? "an empty field" : "'\(field)'"
                    throw .malformedCSV(
                        path: source, line: line.number, column: position + 1,
                        message: "\(shown) is not a finite number; every feature must be numeric.")
                }
                values[row * featureCount + column] = value
                column += 1
            }
        }

        let (labels, classNames) = classify(labelTexts)
        var features = Tensor(rows: dataLines.count, columns: featureCount, values: values)
            ?? Tensor(rows: 0, columns: featureCount)
        options.scaling.apply(to: &features)
        return try Dataset(name: name, features: features, labels: labels, classNames: classNames)
    }

    /// Integer labels when every text is a non-negative integer (`3` or `3.0`), class names otherwise.
    private static func classify(_ texts: [Substring]) -> (labels: [Int], classNames: [String]) {
        var numeric: [Int] = []
        numeric.reserveCapacity(texts.count)
        for text in texts {
            guard let value = Double(text), value >= 0, value == value.rounded(), value < 1e9 else {
                let names = Array(Set(texts.map(String.init))).sorted()
                let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
                return (texts.map { index[String($0)] ?? 0 }, names)
            }
            numeric.append(Int(value))
        }
        return (numeric, [])
    }
}
