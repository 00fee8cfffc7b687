import Sweeps

extension SlurmScriptError: KVLabReportable {
    var exitStatus: ExitStatus { .badInput }
    var message: String { description }
}
