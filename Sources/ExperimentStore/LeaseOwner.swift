#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The owner of run leases: a process on a host.
public struct LeaseOwner: Sendable, Hashable, CustomStringConvertible {
    /// Host name.
    public var host: String
    /// Process id.
    public var pid: Int32

    /// An explicit owner.
    public init(host: String, pid: Int32) {
        self.host = host
        self.pid = pid
    }

    /// This process.
    public static var current: LeaseOwner { LeaseOwner(host: hostName(), pid: getpid()) }

    /// The machine's host name ("unknown-host" if it cannot be read).
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether a process with this pid exists on this host (kill(pid, 0); EPERM means it exists).
    public static func isAlive(pid: Int32) -> Bool {
        if pid <= 0 { return false }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }

    public var description: String { "\(host):\(pid)" }
}
