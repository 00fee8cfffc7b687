/// A run leased to this process, as read from the database.
public struct ClaimedRunRow: Sendable, Hashable {
    /// The run id.
    public var runID: Int64
    /// Its config.
    public var configHash: String
    /// Its seed.
    public var seed: Int
    /// Trials 0 ..< trialsPlanned make it complete.
    public var trialsPlanned: Int
    /// Trials already stored.
    public var storedTrials: Set<Int>
}
