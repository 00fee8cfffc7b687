import Models

extension GGUFError: KVLabReportable {
    /// A model file that cannot be read or used is bad input (2).
    var exitStatus: ExitStatus { .badInput }
    var message: String { description }
}
