/// How a CSV file is read.
public struct CSVOptions: Sendable, Hashable {
    /// Which column holds the class label.
    public enum LabelColumn: Sendable, Hashable {
        /// The last column (the default).
        case last
        /// The first column.
        case first
        /// The column at a 0-based index.
        case index(Int)
        /// The column with this name in the header line (requires a header).
        case named(String)
    }

    /// Whether the first line names the columns.
    public enum Header: Sendable, Hashable {
        /// A header is assumed when some feature field of the first line is not a number.
        case auto
        /// The first line is a header.
        case present
        /// Every line is data.
        case absent
    }

    public var labelColumn: LabelColumn
    public var header: Header
    /// The field separator (an ASCII character; `,` by default).
    public var delimiter: UInt8
    /// Applied to the features after loading.
    public var scaling: FeatureScaling

    public init(
        labelColumn: LabelColumn = .last, header: Header = .auto, delimiter: UInt8 = UInt8(ascii: ","),
        scaling: FeatureScaling = .none
    ) {
        self.labelColumn = labelColumn
        self.header = header
        self.delimiter = delimiter
        self.scaling = scaling
    }
}
