import Sweeps

extension SweepSpecError: KVLabReportable {
    /// Bad input (exit 2).
    var exitStatus: ExitStatus { .badInput }
    /// The error's description.
    var message: String { description }
}

extension SweepPlanError: KVLabReportable {
    /// Bad input (exit 2).
    var exitStatus: ExitStatus { .badInput }
    /// The error's description.
    var message: String { description }
}

extension ShardError: KVLabReportable {
    /// Bad input (exit 2).
    var exitStatus: ExitStatus { .badInput }
    /// The description, prefixed with the option.
    var message: String { "--shard: " + description }
}

extension SpecSourceError: KVLabReportable {
    /// Bad input (exit 2).
    var exitStatus: ExitStatus { .badInput }
    /// The error's description.
    var message: String { description }
}
