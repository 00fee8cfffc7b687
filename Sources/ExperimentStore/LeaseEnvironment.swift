/// What lease bookkeeping reads from outside the database: the time, and whether a process on this host
/// is alive. Injected so that lease expiry and the reclaim of a dead owner's runs can be tested without
/// waiting or killing processes.
public struct LeaseEnvironment: Sendable {
    /// The current time (Unix epoch seconds).
    public var now: @Sendable () -> Double
    /// Whether a process with this pid exists on this host.
    public var isAlive: @Sendable (_ pid: Int32) -> Bool

    /// An environment.
    ///
    /// - Parameters:
    ///   - now: the current time (Unix epoch seconds).
    ///   - isAlive: whether a process with a pid exists on this host.
    public init(now: @escaping @Sendable () -> Double, isAlive: @escaping @Sendable (_ pid: Int32) -> Bool) {
        self.now = now
        self.isAlive = isAlive
    }

    /// The system's clock (``Store/now()``) and process table (``LeaseOwner/isAlive(pid:)``).
    public static let system = LeaseEnvironment(now: { Store.now() }, isAlive: { LeaseOwner.isAlive(pid: $0) })
}
