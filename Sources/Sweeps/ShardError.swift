/// An invalid shard: a malformed `--shard I/N` or inconsistent Slurm array variables (a usage error; the
/// CLI exits with status 2).
public struct ShardError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what is allowed.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameter message: what is wrong and what is allowed.
    public init(message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
