import ExperimentStore

extension StoreError: KVLabReportable {
    /// Bad input (2) for a wrong file, parameter or statement kind; a database failure (3) otherwise.
    var exitStatus: ExitStatus {
        switch self {
        case .missingDatabase, .notSQLite, .notKVLab, .writeRefused, .notAllowed, .missingParameter, .unusedParameter,
            .invalidParameter, .invalidConfig, .unknownConfig, .unknownRun, .trialOutOfRange, .invalidSQL:
            return .badInput
        case .newerSchema, .migrationChanged, .outdatedSchema, .cannotOpen, .sql, .timeLimit, .incompleteRun,
            .conflictingTrial, .inconsistent:
            return .failure
        }
    }

    /// The store's description, with the command-line fix where there is one.
    var message: String {
        switch self {
        case .missingDatabase(let path):
            return "no database at \(path); run `kvlab run` or `kvlab trial --record` first"
        case .writeRefused:
            return description + "; pass --write to allow it"
        case .missingParameter(let name):
            return description + "; pass --param \(name)=VALUE"
        default:
            return description
        }
    }
}
