import Foundation

extension Dataset {
    /// The file name of the shipped optical digits data.
    public static let digitsFileName = "optdigits.csv"

    /// The UCI optical digits (1,797 samples, 64 features in [0, 1] after dividing the 0…16 pixel counts by 16,
    /// 10 classes), loaded from the `optdigits.csv` shipped with Augur.
    ///
    /// The file is looked for, in order, in `$AUGUR_DATA_DIR`, in `Experiments/data` under the current directory,
    /// in `Experiments/data` (or `share/augur`) under the executable's folder and each of its parents, and in the
    /// source checkout this module was built from.
    public static func digits() throws(DatasetError) -> Dataset {
        let path = try locateBundledFile(digitsFileName)
        var dataset = try CSVLoader.load(
            path: path, options: CSVOptions(labelColumn: .last, header: .absent, scaling: .divide(by: 16)))
        dataset.name = "digits"
        return dataset
    }

    /// The first existing copy of a shipped data file, searched as described in ``digits()``.
    static func locateBundledFile(_ fileName: String) throws(DatasetError) -> String {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["AUGUR_DATA_DIR"], !directory.isEmpty {
            candidates.append(directory + "/" + fileName)
        }
        let current = FileManager.default.currentDirectoryPath
        candidates.append(current + "/Experiments/data/" + fileName)
        var folder = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.path + "/Experiments/data/" + fileName)
            candidates.append(folder.path + "/share/augur/" + fileName)
            folder.deleteLastPathComponent()
        }
        // Sources/AugurTraining/Data/BundledDatasets.swift -> repository root.
        let sourceRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(sourceRoot.path + "/Experiments/data/" + fileName)
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        if let found = unique.first(where: { FileManager.default.isReadableFile(atPath: $0) }) {
            return found
        }
        throw .notFound(name: fileName, searched: unique)
    }

    private static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? current()
    }

    private static func current() -> String { FileManager.default.currentDirectoryPath }
}
