/// What `kvlab merge` did.
public struct MergeReport: Sendable {
    /// Input files merged.
    public var inputs = 0
    /// Configs new to the output.
    public var newConfigs = 0
    /// Runs new to the output.
    public var newRuns = 0
    /// Trials new to the output.
    public var newTrials = 0
    /// Trials already present with identical values.
    public var identicalTrials = 0
    /// Datasets new to the output.
    public var newDatasets = 0
    /// Registered models and stored texts copied into the output.
    public var newModelsAndTexts = 0
    /// Trials present in both with different values: kept as in the output, reported here.
    public var conflicts: [String] = []

    /// An empty report.
    public init() {}
}
