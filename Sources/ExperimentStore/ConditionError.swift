/// A user's SQL condition (`--where`) that cannot filter its view, with a message that names the mistake:
/// `--where: no such column: distrbution; did you mean distribution?` rather than SQLite's message about
/// the generated query. Bad input (exit 2).
public struct ConditionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The option that gave the condition (e.g. `--where`).
    public var option: String
    /// The table or view the condition applies to.
    public var relation: String
    /// What is wrong, with a suggestion where there is one.
    public var problem: String

    /// What went wrong and where the condition applies.
    public var description: String {
        "\(option): \(problem) (the condition is SQL on the columns of \(relation))"
    }
}
