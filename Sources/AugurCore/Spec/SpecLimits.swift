/// The bounds every spec meets, whichever door it came in by (a YAML file, a Katib Experiment, a gRPC request), so
/// that no input can make Augur allocate without limit and a spec `augur validate` accepts is one `augur serve`
/// accepts. docs/spec.md lists them for users.
public enum SpecLimits {
    /// The longest study, parameter or metric name, in UTF-8 bytes.
    public static let maximumNameLength = 128
    /// The most parameters a study may search.
    public static let maximumParameters = 1_000
    /// The most values a discrete or categorical parameter may list.
    public static let maximumValuesPerParameter = 10_000
    /// The most metrics (objective and additional) a study may collect.
    public static let maximumMetrics = 100
    /// The most objectives (the first and the additional metrics with a goal) a study may optimize together.
    public static let maximumObjectives = 4
    /// The most cells a grid search may have; larger grids are almost always a missing `step` or a typo.
    public static let maximumGridSize = 1_000_000
    /// The most lattice points a stepped double may have (its cardinality must fit an `Int` with room to spare).
    public static let maximumStepCount = 1e12
    /// 2^53 - 1: the largest integer every double represents exactly.
    public static let largestExactInteger = 9_007_199_254_740_991
    /// The most members a population-based-training generation may have.
    public static let maximumPopulation = 10_000
    /// The longest checkpoint path a population-based-training study may name, in UTF-8 bytes.
    public static let maximumPathLength = 4_096
    /// The most rungs successive halving may have (its resource grows as reductionFactor^rungs).
    public static let maximumRungs = 64
    /// The largest spec file Augur reads, in bytes (1 MiB): real specs are a few kilobytes.
    public static let maximumFileSize = 1 << 20
    /// The most YAML nodes a spec may hold once aliases are expanded, so that an alias bomb is refused quickly.
    public static let maximumNodes = 100_000
}
