import ArgumentParser
import ExperimentStore
import Foundation

/// `--db PATH`: the database file; default `$KVLAB_DB`, else `kvlab.sqlite` in the working directory.
struct DatabaseOptions: ParsableArguments {
    /// The path given with `--db`, if any.
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "Database file (default: $KVLAB_DB, else kvlab.sqlite in the working directory).", valueName: "path"),
        completion: .file(extensions: ["sqlite", "db"]))
    var db: String?

    /// The database path to use.
    var path: String {
        if let db { return db }
        if let env = ProcessInfo.processInfo.environment["KVLAB_DB"], !env.isEmpty { return env }
        return "kvlab.sqlite"
    }

    /// Opens the database.
    ///
    /// - Parameter mode: read-only (the file must exist) or read-write (created and migrated as needed).
    /// - Returns: the open store.
    /// - Throws: ``StoreError`` (mapped to exit codes by `StoreError+Exit.swift`).
    func open(_ mode: Store.Mode) throws -> Store {
        try checkPath()
        return try Store(path: path, mode: mode)
    }

    /// Refuses an empty `--db` (or `$KVLAB_DB`) with a message that says so.
    func checkPath() throws {
        if path.isEmpty { throw CLIError.badInput("--db: the path is empty; give a database file") }
    }

    /// Opens an existing database (refusing to create one), read-only or read-write.
    ///
    /// - Parameters:
    ///   - mode: how to open it.
    ///   - checkSchema: refuse a damaged schema (only `kvlab verify` opens without this check).
    /// - Returns: the open store.
    /// - Throws: ``StoreError/missingDatabase(path:)`` when there is no file.
    func openExisting(_ mode: Store.Mode, checkSchema: Bool = true) throws -> Store {
        try checkPath()
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missingDatabase(path: path) }
        return try Store(path: path, mode: mode, checkSchema: checkSchema)
    }

    /// Prints the rows of a listing query over the existing database (`dataset list`, `model list`, `text
    /// list`) in `format`.
    func printListing(_ sql: String, format: TableFormat) throws {
        print(TableOutput.render(try openExisting(.readOnly).execute(sql: sql), format: format))
    }
}
