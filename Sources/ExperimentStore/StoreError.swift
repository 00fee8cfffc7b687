import Foundation

/// An error of the experiment store, with a user-facing description ("what, where, how to fix").
///
/// The command line maps each case to an exit status (KVLabCLI, `StoreError+Exit.swift`).
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Read-only open of a path where there is no file (or an empty one).
    case missingDatabase(path: String)
    /// The file exists but is not an SQLite database.
    case notSQLite(path: String)
    /// The file is an SQLite database written by something else (its `application_id` is not kvlab's).
    case notKVLab(path: String, applicationID: Int32)
    /// The database records migrations this build does not know: it was written by a newer kvlab.
    case newerSchema(path: String, unknownMigrations: [String])
    /// A migration recorded in the database has a different checksum than this build's file.
    case migrationChanged(path: String, migration: String, recorded: String, expected: String)
    /// Read-only open of a database whose schema is older than this build's (it needs a writing open).
    case outdatedSchema(path: String, applied: Int, required: Int)
    /// The file could not be opened or created (permissions, missing directory, I/O).
    case cannotOpen(path: String, reason: String)
    /// SQLite reported an error while running a statement (syntax, constraint, I/O, …).
    case sql(message: String, statement: String?)
    /// The user's own SQL (`kvlab sql`, `export --query`) is wrong: SQLite reports a plain SQL error (a syntax
    /// error, an unknown table, column or function, a malformed JSON value…), with the nearest column for a
    /// misspelt one. Unlike ``sql(message:statement:)``, a mistake of the input, not a failure.
    case invalidSQL(message: String, statement: String?)
    /// A read-only connection was asked to run a statement that would write.
    case writeRefused(statement: String)
    /// User SQL tried something the guard refuses (ATTACH, a disabled function, a pragma that sets…).
    case notAllowed(String)
    /// User SQL ran longer than its time limit and was stopped.
    case timeLimit(seconds: Double)
    /// A named SQL parameter has no value.
    case missingParameter(name: String)
    /// A parameter value was given that no statement uses.
    case unusedParameter(name: String)
    /// A parameter is malformed or unsupported (e.g. positional `?`).
    case invalidParameter(String)
    /// A config cannot be stored (e.g. a non-finite number).
    case invalidConfig(String)
    /// No config with this hash is stored.
    case unknownConfig(hash: String)
    /// No run with this id is stored.
    case unknownRun(id: Int64)
    /// A trial index outside 0 ..< the run's planned trial count.
    case trialOutOfRange(runID: Int64, trial: Int, planned: Int)
    /// A run cannot be marked done: some of its planned trials are not stored.
    case incompleteRun(runID: Int64, stored: Int, planned: Int)
    /// A trial is already stored with a different value (the engine is not deterministic, or the engine
    /// version was not bumped).
    case conflictingTrial(runID: Int64, trial: Int, metric: String, stored: Double, new: Double)
    /// The database contradicts itself or this build (e.g. a stored hash that does not match its content).
    case inconsistent(String)

    /// The user-facing message.
    public var description: String {
        switch self {
        case .missingDatabase(let path):
            return "no database at \(path)"
        case .notSQLite(let path):
            return "\(path) is not an SQLite database; refusing to open it (nothing was changed)"
        case .notKVLab(let path, let id):
            return "\(path) is an SQLite database that kvlab did not create (application_id \(id)); "
                + "refusing to open it (nothing was changed)"
        case .newerSchema(let path, let unknown):
            return "\(path) was created by a newer kvlab (unknown migrations: "
                + "\(unknown.joined(separator: ", "))); upgrade kvlab"
        case .migrationChanged(let path, let migration, let recorded, let expected):
            return "\(path): migration \(migration) was applied with checksum \(recorded), but this kvlab's "
                + "file has \(expected); a released migration must never change (nothing was changed)"
        case .outdatedSchema(let path, let applied, let required):
            return "\(path) has schema version \(applied) and this kvlab needs \(required); upgrade it once with "
                + "`kvlab sql --write \"SELECT 1\" --db \(path)` (opening it for writing applies the missing "
                + "migrations; nothing else changes)"
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .sql(let message, let statement), .invalidSQL(let message, let statement):
            guard let statement, !statement.isEmpty else { return "SQL error: \(message)" }
            return "SQL error: \(message) in: \(StoreError.excerpt(statement))"
        case .writeRefused(let statement):
            return "read-only: this statement would modify the database: \(StoreError.excerpt(statement))"
        case .notAllowed(let reason):
            return "refused: \(reason)"
        case .timeLimit(let seconds):
            return "the query was stopped after its time limit of \(Int(seconds)) s; narrow it, or raise the limit"
        case .missingParameter(let name):
            return "parameter :\(name) has no value"
        case .unusedParameter(let name):
            return "parameter \(name) is not used by the SQL"
        case .invalidParameter(let message):
            return "invalid parameter: \(message)"
        case .invalidConfig(let message):
            return "invalid config: \(message)"
        case .unknownConfig(let hash):
            return "no config with hash \(hash)"
        case .unknownRun(let id):
            return "no run with id \(id)"
        case .trialOutOfRange(let runID, let trial, let planned):
            return "run \(runID): trial \(trial) is outside 0..<\(planned) (its planned trials)"
        case .incompleteRun(let runID, let stored, let planned):
            return "run \(runID) cannot be marked done: \(stored) of \(planned) planned trials are stored"
        case .conflictingTrial(let runID, let trial, let metric, let stored, let new):
            return "run \(runID), trial \(trial): \(metric) is stored as \(stored) but was recomputed as \(new); "
                + "the engine is not deterministic or Engine.version was not bumped"
        case .inconsistent(let message):
            return "inconsistent database: \(message)"
        }
    }

    /// The first line of a statement, shortened for messages.
    static func excerpt(_ sql: String) -> String {
        let line = sql.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 80 ? String(trimmed.prefix(77)) + "…" : trimmed
    }
}
