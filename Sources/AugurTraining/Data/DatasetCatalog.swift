import Foundation

/// Resolves the dataset references a trial spec may use.
///
/// - `digits`: the UCI optical digits shipped in `Experiments/data/optdigits.csv` (see ``Dataset/digits()``).
/// - `idx:IMAGES,LABELS`: an IDX images file and an IDX labels file (MNIST's format).
/// - a directory: the IDX pair inside it whose names contain `images`/`idx3` and `labels`/`idx1`
///   (`train-*` files preferred), as in an unpacked MNIST download.
/// - any other path: a CSV file, optionally followed by `?label=last|first|N|NAME&header=auto|yes|no&scale=none|standardize|D`
///   (for example `data/iris.csv?label=first&scale=standardize`).
public enum DatasetCatalog {
    /// Loads the dataset `reference` names.
    public static func load(_ reference: String) throws(DatasetError) -> Dataset {
        if reference == "digits" {
            return try Dataset.digits()
        }
        if reference.hasPrefix("idx:") {
            let paths = reference.dropFirst(4).split(separator: ",", maxSplits: 1).map(String.init)
            guard paths.count == 2 else {
                throw .inconsistent("dataset '\(reference)': write idx:IMAGES_FILE,LABELS_FILE.")
            }
            return try IDXLoader.load(images: paths[0], labels: paths[1])
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory), isDirectory.boolValue {
            return try loadIDXDirectory(reference)
        }
        let (path, options) = try csvReference(reference)
        return try CSVLoader.load(path: path, options: options)
    }

    private static func loadIDXDirectory(_ directory: String) throws(DatasetError) -> Dataset {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        func pick(_ kind: String, _ rank: String) -> String? {
            let candidates = names.filter { $0.contains(kind) && $0.contains(rank) && !$0.hasSuffix(".gz") }
            return candidates.first { $0.hasPrefix("train") } ?? candidates.first
        }
        guard let images = pick("images", "idx3"), let labels = pick("labels", "idx1") else {
            throw .notFound(name: directory, searched: ["\(directory)/*images*idx3* and *labels*idx1* (uncompressed)"])
        }
        return try IDXLoader.load(images: directory + "/" + images, labels: directory + "/" + labels)
    }

    private static func csvReference(_ reference: String) throws(DatasetError) -> (String, CSVOptions) {
        guard let mark = reference.lastIndex(of: "?") else { return (reference, CSVOptions()) }
        let path = String(reference[..<mark])
        var options = CSVOptions()
        for pair in reference[reference.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let key = parts.first ?? ""
            let value = parts.count > 1 ? parts[1] : ""
            switch key {
            case "label":
                switch value {
                case "last": options.labelColumn = .last
                case "first": options.labelColumn = .first
                default: options.labelColumn = Int(value).map { .index($0) } ?? .named(value)
                }
            case "header":
                switch value {
                case "auto": options.header = .auto
                case "yes", "true", "present": options.header = .present
                case "no", "false", "absent": options.header = .absent
                default: throw .inconsistent("dataset '\(reference)': header must be auto, yes or no, not '\(value)'.")
                }
            case "scale":
                if value == "none" {
                    options.scaling = .none
                } else if value == "standardize" {
                    options.scaling = .standardize
                } else if let divisor = Float(value), divisor > 0 {
                    options.scaling = .divide(by: divisor)
                } else {
                    throw .inconsistent(
                        "dataset '\(reference)': scale must be none, standardize or a positive divisor, not '\(value)'.")
                }
            default:
                throw .inconsistent("dataset '\(reference)': unknown option '\(key)'; use label, header or scale.")
            }
        }
        return (path, options)
    }
}
