/// What ``Store/recordTrial(config:seed:trial:metrics:provenanceID:)`` stored.
public struct RecordedTrial: Sendable, Equatable {
    /// The config's hash.
    public var configHash: String
    /// The run's id.
    public var runID: Int64
    /// The trial index.
    public var trial: Int
    /// False when the trial was already stored (with the same values).
    public var inserted: Bool
    /// True when the run is complete and done.
    public var runDone: Bool

    /// Creates a record.
    public init(configHash: String, runID: Int64, trial: Int, inserted: Bool, runDone: Bool) {
        self.configHash = configHash
        self.runID = runID
        self.trial = trial
        self.inserted = inserted
        self.runDone = runDone
    }
}
