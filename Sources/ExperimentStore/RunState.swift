/// The life cycle of a run (`runs.state`).
public enum RunState: String, Sendable, CaseIterable, Equatable {
    /// Planned; some or all trials still to compute.
    case pending
    /// Leased by a worker (`lease_host`, `lease_pid`).
    case running
    /// Every planned trial stored; summaries and the content hash written.
    case done
    /// The last attempt failed (`error`); `kvlab retry` puts it back to pending.
    case failed
}
