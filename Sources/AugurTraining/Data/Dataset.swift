/// Labelled samples for classification: a row-major feature tensor and one class index per row.
public struct Dataset: Sendable, Hashable {
    /// A short name for logs (`digits`, a file name, ...).
    public var name: String
    /// `samples × features`, row-major.
    public var features: Tensor
    /// The class of each sample, in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes.
    public var classCount: Int
    /// Class names when the labels were text in the file (index `i` names class `i`); empty for numeric labels.
    public var classNames: [String]

    /// A dataset over `features` and `labels`; throws when their sizes disagree or a label is out of range.
    public init(
        name: String, features: Tensor, labels: [Int], classCount: Int? = nil, classNames: [String] = []
    ) throws(DatasetError) {
        guard features.rows == labels.count else {
            throw .inconsistent(
                "dataset '\(name)' has \(features.rows) feature rows but \(labels.count) labels; they must match.")
        }
        let classes = classCount ?? ((labels.max() ?? -1) + 1)
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw .inconsistent(
                "dataset '\(name)': sample \(bad) has label \(labels[bad]), outside 0..<\(classes).")
        }
        self.name = name
        self.features = features
        self.labels = labels
        self.classCount = classes
        self.classNames = classNames
    }

    /// The number of samples.
    public var sampleCount: Int { labels.count }
    /// The number of features per sample.
    public var featureCount: Int { features.columns }

    /// The samples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> Dataset {
        var copy = self
        copy.features = features.gatheringRows(indices)
        copy.labels = indices.map { labels[$0] }
        return copy
    }

    /// A seeded random split: `validationFraction` of the samples (rounded, at least one) go to validation,
    /// the rest to training. The same seed always gives the same split.
    public func split(validationFraction: Double, seed: UInt64) -> (training: Dataset, validation: Dataset) {
        var order = Array(0..<sampleCount)
        var random = TrainingRandom(seed: seed, stream: 0x5EED_5011)
        random.shuffle(&order)
        let validationCount = min(max(Int((Double(sampleCount) * validationFraction).rounded()), 1), sampleCount - 1)
        let validation = subset(Array(order[0..<max(validationCount, 0)]))
        let training = subset(Array(order[max(validationCount, 0)...]))
        return (training, validation)
    }
}
