import Sweeps

extension SweepSpecError: KVLabReportable {
    var exitStatus: ExitStatus { .badInput }
    var message: String { description }
}

extension SweepPlanError: KVLabReportable {
    var exitStatus: ExitStatus { .badInput }
    var message: String { description }
}

extension ShardError: KVLabReportable {
    var exitStatus: ExitStatus { .badInput }
    var message: String { "--shard: " + description }
}

extension SpecSourceError: KVLabReportable {
    var exitStatus: ExitStatus { .badInput }
    var message: String { description }
}
