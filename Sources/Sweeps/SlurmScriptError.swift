/// An invalid `kvlab slurm-script` input: a value out of range or one the generated script cannot carry (a
/// usage error; the CLI exits with status 2).
public struct SlurmScriptError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and what is allowed.
    public var message: String

    /// Creates an error.
    ///
    /// - Parameter message: what is wrong and what is allowed.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
