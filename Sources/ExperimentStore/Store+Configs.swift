import GRDB
import Quantization

extension Store {
    /// Stores a config if it is new (content-addressed, so storing it again changes nothing).
    ///
    /// Fills one typed column per switch (NULL where it does not apply), `nu`, and `canonical_json`.
    ///
    /// - Parameters:
    ///   - config: the resolved config.
    ///   - db: a connection inside a write transaction.
    /// - Returns: the config hash.
    /// - Throws: ``StoreError/invalidConfig(_:)`` for a non-finite number; ``StoreError/inconsistent(_:)``
    ///   when the hash is stored with another canonical JSON.
    @discardableResult
    public static func upsertConfig(_ config: TrialConfig, in db: Database) throws -> String {
        let json = try config.canonicalJSON()
        let hash = Hex.sha256(json.utf8)
        try registerScheme(config.scheme, in: db)
        if let stored = try String.fetchOne(
            db, sql: "SELECT canonical_json FROM configs WHERE config_hash = ?", arguments: [hash])
        {
            guard stored == json else {
                throw StoreError.inconsistent("config \(hash) is stored as \(stored), not \(json)")
            }
            return hash
        }
        let switches = config.columnValues
        let columns = ["config_hash"] + switches.map(\.name) + ["nu", "canonical_json", "created_at"]
        var values: [DatabaseValue] = [hash.databaseValue]
        for (_, value) in switches {
            switch value {
            case .null: values.append(.null)
            case .int(let i): values.append(i.databaseValue)
            case .double(let d): values.append(d.databaseValue)
            case .string(let s): values.append(s.databaseValue)
            }
        }
        values += [config.nu?.databaseValue ?? .null, json.databaseValue, Store.now().databaseValue]
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        let statement = try db.cachedStatement(
            sql: "INSERT INTO configs (\(columns.joined(separator: ", "))) VALUES (\(placeholders))")
        try statement.execute(arguments: StatementArguments(values))
        return hash
    }

    /// Binds a scheme's name to its recipe pair in the `schemes` table (shipped schemes are there already).
    ///
    /// - Throws: ``StoreError/invalidConfig(_:)`` when the name is bound to another pair, or the pair to
    ///   another name, in this database.
    static func registerScheme(_ scheme: Scheme, in db: Database) throws {
        guard !scheme.isShipped else { return }
        if let row = try Row.fetchOne(
            db, sql: "SELECT key_recipe, value_recipe FROM schemes WHERE name = ?", arguments: [scheme.name])
        {
            let key: String = row[0]
            let value: String = row[1]
            guard key == scheme.key.rawValue, value == scheme.value.rawValue else {
                throw StoreError.invalidConfig(
                    "scheme \(scheme.name) is (key: \(key), value: \(value)) in this database, not "
                        + "(\(scheme.recipeText)); a scheme name is never rebound: choose another name")
            }
            return
        }
        if let other = try String.fetchOne(
            db, sql: "SELECT name FROM schemes WHERE key_recipe = ? AND value_recipe = ?",
            arguments: [scheme.key.rawValue, scheme.value.rawValue])
        {
            throw StoreError.invalidConfig(
                "(\(scheme.recipeText)) is already named \(other) in this database; use that name instead of "
                    + scheme.name)
        }
        try db.execute(
            sql: "INSERT INTO schemes (name, key_recipe, value_recipe, shipped, created_at) VALUES (?, ?, ?, 0, ?)",
            arguments: [scheme.name, scheme.key.rawValue, scheme.value.rawValue, Store.now()])
    }

    /// Stores a config if it is new, in its own write transaction.
    ///
    /// - Parameter config: the resolved config.
    /// - Returns: the config hash.
    /// - Throws: see ``upsertConfig(_:in:)``.
    @discardableResult
    public func upsertConfig(_ config: TrialConfig) throws -> String {
        try write { db in try Store.upsertConfig(config, in: db) }
    }

    /// The stored config with this hash, rebuilt from its canonical JSON and checked against the hash.
    ///
    /// - Parameters:
    ///   - hash: the config hash.
    ///   - db: a connection.
    /// - Returns: the config, or nil when no config has this hash.
    /// - Throws: ``StoreError/inconsistent(_:)`` when the stored JSON does not hash to `hash` or is not a
    ///   resolved config of this build.
    public static func config(hash: String, in db: Database) throws -> TrialConfig? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT canonical_json, scheme FROM configs WHERE config_hash = ?", arguments: [hash])
        else { return nil }
        let json: String = row[0]
        var config: TrialConfig
        do {
            config = try TrialConfig(switchValues: try CanonicalJSON.parse(json))
            // The hash holds a declared scheme's recipes; its name is the label stored beside it.
            let label: String = row[1]
            if !config.scheme.isShipped, label != config.scheme.name {
                config.scheme = try Scheme(declaring: label, key: config.scheme.key, value: config.scheme.value)
            }
        } catch let error as StoreError {
            throw StoreError.inconsistent("config \(hash): \(error.description)")
        } catch {
            throw StoreError.inconsistent("config \(hash): \(error)")
        }
        guard try config.configHash() == hash else {
            throw StoreError.inconsistent("config \(hash): its canonical JSON has another hash")
        }
        return config
    }

    /// The stored config with this hash (see ``config(hash:in:)``), read in its own snapshot.
    public func config(hash: String) throws -> TrialConfig? {
        try read { db in try Store.config(hash: hash, in: db) }
    }
}
