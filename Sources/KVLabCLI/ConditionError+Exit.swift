import ExperimentStore

extension ConditionError: KVLabReportable {
    /// A condition the database rejects is bad input.
    var exitStatus: ExitStatus { .badInput }

    /// The error's description.
    var message: String { description }
}

extension Console {
    /// Warns on stderr that a `--where` condition keeps no row of its view (the output is then empty).
    static func warnNoMatch(_ condition: String?, relation: String) {
        error(
            "warning: --where \(condition ?? "") matches no row of \(relation); check its values, e.g. "
                + "kvlab sql \"SELECT DISTINCT bits, distribution FROM \(relation)\"")
    }
}
