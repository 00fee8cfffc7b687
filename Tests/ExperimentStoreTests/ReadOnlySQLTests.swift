import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// `kvlab sql` without `--write` cannot modify anything (through the same `Store.execute` it uses).
struct ReadOnlySQLTests {
    /// A database with one recorded trial, closed, plus a second plain SQLite file to attach.
    static func fixture(_ dir: TemporaryDirectory) throws -> (path: String, other: String) {
        let path = dir.path()
        let store = try Store(path: path)
        try store.recordTrial(config: sampleConfig(), seed: 1, trial: 0, metrics: sampleMetrics(trial: 0))
        try store.close()
        let other = dir.path("other.sqlite")
        let queue = try plainQueue(other)
        try queue.write { db in try db.execute(sql: "CREATE TABLE z (a); INSERT INTO z VALUES (1)") }
        try queue.close()
        return (path, other)
    }

    static let attempts: [String] = [
        "DELETE FROM trials",
        "DROP TABLE metrics",
        "DROP VIEW trials_wide",
        "UPDATE configs SET bits = 3",
        "INSERT INTO sweeps (name, spec, spec_hash, created_at, updated_at) VALUES ('x', '', '', 0, 0)",
        "CREATE TABLE evil (x)",
        "CREATE INDEX evil ON trials (kl)",
        "ALTER TABLE runs ADD COLUMN evil TEXT",
        "SELECT 1; DELETE FROM configs",
        "PRAGMA query_only = 0; DELETE FROM trials",
        "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'x' WHERE name = 'runs'",
        "PRAGMA user_version = 99",
        "PRAGMA application_id = 1",
        "PRAGMA journal_mode = DELETE",
        "ATTACH 'OTHER' AS o; INSERT INTO o.z VALUES (2)",
        "ATTACH 'OTHER' AS o; CREATE TABLE o.evil (x)",
        "ATTACH 'NEW' AS n; CREATE TABLE n.evil (x)",
        "VACUUM",
        "VACUUM INTO 'NEW'",
        "REINDEX",
        "ANALYZE",
        "REPLACE INTO metrics (name, position, unit, direction, description) VALUES ('kl', 0, '', 'lower', '')",
    ]

    @Test(arguments: attempts)
    func writesAreRefusedWithoutWrite(sql: String) throws {
        let dir = try TemporaryDirectory()
        let (path, other) = try Self.fixture(dir)
        let newPath = dir.path("new.sqlite")
        let text = sql.replacingOccurrences(of: "OTHER", with: other).replacingOccurrences(of: "NEW", with: newPath)
        let before = fileBytes(path)
        let otherBefore = fileBytes(other)
        let store = try Store(path: path, mode: .readOnly)
        #expect(throws: StoreError.self) { try store.execute(sql: text) }
        // The same statements through a read-write store: still refused without allowWrites.
        try store.close()
        let writer = try Store(path: path, mode: .readWrite)
        #expect(throws: StoreError.self) { try writer.execute(sql: text) }
        try writer.close()
        #expect(fileBytes(path) == before)
        #expect(fileBytes(other) == otherBefore)
        #expect(!FileManager.default.fileExists(atPath: newPath))
        let check = try Store(path: path, mode: .readOnly)
        #expect(try check.execute(sql: "SELECT count(*) FROM trials").rows == [[.integer(1)]])
    }

    @Test func readerConnectionsRefuseWritesEvenWithoutTheStatementCheck() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let before = fileBytes(path)
        for mode in [Store.Mode.readOnly, .readWrite] {
            let store = try Store(path: path, mode: mode)
            // Layer 2: reader connections are opened SQLITE_OPEN_READONLY.
            #expect(throws: StoreError.self) { try store.read { db in try db.execute(sql: "DELETE FROM trials") } }
            #expect(throws: StoreError.self) {
                try store.read { db in try db.execute(sql: "PRAGMA query_only = 0; DELETE FROM trials") }
            }
            // Layer 3: `execute` sets PRAGMA query_only on the connection it uses.
            #expect(try store.execute(sql: "PRAGMA query_only").rows == [[.integer(1)]])
            try store.close()
        }
        #expect(fileBytes(path) == before)
    }

    @Test func attachIsRefusedUnlessAsked() throws {
        let dir = try TemporaryDirectory()
        let (path, other) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        let sql = "ATTACH :other AS o; SELECT a FROM o.z"
        #expect(
            Self.refusal { try store.execute(sql: sql, parameters: ["other": .text(other)]) }?.contains("ATTACH")
                == true)
        let result = try store.execute(sql: sql, parameters: ["other": .text(other)], allowAttach: true)
        #expect(result.rows == [[.integer(1)]])
    }

    /// The reason of a ``StoreError/notAllowed(_:)`` thrown by `body`, or nil for any other outcome.
    static func refusal(_ body: () throws -> some Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let StoreError.notAllowed(reason) {
            return reason
        } catch {
            return nil
        }
    }

    @Test("fts3_tokenizer can neither leak a pointer nor install one, also with --write or --attach")
    func fts3TokenizerIsClosed() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        // The attack: an FTS3 table in a file the attacker controls, a tokenizer pointer set from SQL, then a
        // MATCH that calls through it (before: a crash at call [rax+8] with rax = 0x4141414141414141).
        let evil = dir.path("evil.sqlite")
        let queue = try plainQueue(evil)
        try queue.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE f USING fts3(body); INSERT INTO f VALUES ('a b c')")
        }
        try queue.close()
        let store = try Store(path: path)
        let attempts = [
            "SELECT fts3_tokenizer('simple')",
            "SELECT hex(fts3_tokenizer('simple'))",
            "SELECT fts3_tokenizer('simple', x'4141414141414141')",
            "SELECT fts3_tokenizer('porter', x'4141414141414141') FROM runs",
            "ATTACH :evil AS e; SELECT fts3_tokenizer('simple', x'4141414141414141'); SELECT * FROM e.f WHERE f MATCH 'a'",
        ]
        for sql in attempts {
            let parameters: [String: SQLValue] = sql.contains(":evil") ? ["evil": .text(evil)] : [:]
            for (writes, attach) in [(false, false), (true, false), (false, true), (true, true)] {
                let reason = Self.refusal {
                    try store.execute(sql: sql, parameters: parameters, allowWrites: writes, allowAttach: attach)
                }
                let closed =
                    reason?.contains("fts3_tokenizer is disabled") == true
                    || (!attach && reason?.contains("ATTACH") == true)
                #expect(closed, "\(sql) writes \(writes) attach \(attach): \(reason ?? "-")")
            }
        }
        // Also on kvlab's own connections (the pool), which never run user SQL but are hardened the same way.
        #expect(throws: (any Error).self) {
            try store.read { db in try db.execute(sql: "SELECT fts3_tokenizer('simple', x'4141414141414141')") }
        }
    }

    @Test("user SQL reads the database's own tables and views, and introspection pragmas, nothing else")
    func readsOnlyKnownObjects() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        for sql in [
            "SELECT count(*) FROM trials_wide", "SELECT name FROM sqlite_schema LIMIT 1",
            "SELECT count(*) FROM pragma_table_info('runs')", "PRAGMA table_info(runs)",
            "SELECT value FROM json_each('[1, 2]')", "PRAGMA user_version", "PRAGMA integrity_check",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT sum(x) FROM c",
            "SELECT median(kl), t_quantile(0.975, 4) FROM trials_wide",
        ] {
            #expect(throws: Never.self, "\(sql)") { _ = try store.execute(sql: sql) }
        }
        for (sql, expected) in [

            ("SELECT * FROM sqlite_temp_master", "reading sqlite_temp_master"),
            ("SELECT load_extension('/tmp/x.so')", "load_extension is disabled"),
            ("PRAGMA writable_schema = 1", "writable_schema is not allowed"),
            ("PRAGMA query_only = 0", "may only be read"),
            ("PRAGMA user_version = 3", "may only be read"),
            ("PRAGMA cache_size = 1", "cache_size is not allowed"),
            ("BEGIN; SELECT 1", "transaction statements"),
            ("SAVEPOINT s", "transaction statements"),
            ("DELETE FROM runs", "add --write"),
        ] {
            let reason = Self.refusal { try store.execute(sql: sql) }
            #expect(reason?.contains(expected) == true, "\(sql): \(reason ?? "not refused")")
        }
    }

    @Test("only the JSON table functions are loaded: dbstat, FTS and R*Tree modules are absent for user SQL")
    func virtualTableModules() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        for sql in [
            "SELECT * FROM dbstat", "SELECT (SELECT count(*) FROM dbstat) > 0",
            "SELECT * FROM fts3tokenize", "SELECT count(*) FROM sqlite_stmt",
        ] {
            #expect(throws: StoreError.self, "\(sql)") { _ = try store.execute(sql: sql) }
        }
        #expect(try store.execute(sql: "SELECT count(*) FROM json_tree('{\"a\": [1, 2]}')").rows == [[.integer(4)]])
    }

    @Test("user SQL stops at its time limit and cannot build strings beyond the length limit")
    func timeAndLengthLimits() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let start = ContinuousClock.now
        #expect(throws: StoreError.timeLimit(seconds: 1)) { try store.execute(sql: endless, timeLimit: .seconds(1)) }
        #expect(ContinuousClock.now - start < .seconds(30))
        // The connection is usable again afterwards.
        #expect(try store.execute(sql: "SELECT 1").rows == [[.integer(1)]])
        // 300 MB exceeds the 256 MiB limit: an error, not an allocation.
        #expect(throws: StoreError.self) { try store.execute(sql: "SELECT length(zeroblob(300000000))") }
        let printed = try? store.execute(sql: "SELECT length(printf('%.*c', 300000000, 'x'))")
        #expect(printed == nil || printed?.rows == [[.null]])
    }

    @Test func writesWorkWithWrite() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path)
        let result = try store.execute(sql: "DELETE FROM trials; SELECT count(*) AS n FROM trials", allowWrites: true)
        #expect(result.columns == ["n"])
        #expect(result.rows == [[.integer(0)]])
        #expect(result.changes == 1)
        let reader = try Store(path: path, mode: .readOnly)
        #expect(throws: StoreError.self) { try reader.execute(sql: "DELETE FROM runs", allowWrites: true) }
    }

    @Test func aFailingWriteScriptRollsBack() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path)
        #expect(throws: StoreError.self) {
            try store.execute(sql: "DELETE FROM trials; SELECT nosuchcolumn FROM trials", allowWrites: true)
        }
        #expect(try store.execute(sql: "SELECT count(*) FROM trials").rows == [[.integer(1)]])
    }

    @Test func parametersAreBoundWithTheirTypes() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        let injection = "x'; DROP TABLE configs; --"
        let result = try store.execute(
            sql: "SELECT :a, typeof(:a), @b, typeof(@b), $c, typeof($c), :d, typeof(:d), :e, :a + 1",
            parameters: [
                "a": SQLValue.parse("4"), ":b": SQLValue.parse("0.5"), "c": SQLValue.parse("'4'"),
                "d": SQLValue.parse("gaussian"), "e": SQLValue.parse(injection),
            ])
        #expect(
            result.rows == [
                [
                    .integer(4), .text("integer"), .real(0.5), .text("real"), .text("4"), .text("text"),
                    .text("gaussian"), .text("text"), .text(injection), .integer(5),
                ]
            ])
        let filtered = try store.execute(
            sql: "SELECT count(*) FROM trials_wide WHERE bits = :bits AND scheme = :scheme",
            parameters: ["bits": .parse("4"), "scheme": .parse("KQV")])
        #expect(filtered.rows == [[.integer(1)]])
        #expect(try store.execute(sql: "SELECT count(*) FROM configs").rows == [[.integer(1)]])
    }

    @Test func parameterErrors() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        #expect(throws: StoreError.missingParameter(name: "bits")) { try store.execute(sql: "SELECT :bits") }
        #expect(throws: StoreError.unusedParameter(name: "x")) {
            try store.execute(sql: "SELECT 1", parameters: ["x": .integer(1)])
        }
        #expect(throws: StoreError.self) { try store.execute(sql: "SELECT ?", parameters: [:]) }
    }

    /// A syntax error is the user's mistake (``StoreError/invalidSQL(message:statement:)``, exit 2) and keeps
    /// SQLite's message.
    @Test func syntaxErrorsCarrySQLitesMessage() throws {
        let dir = try TemporaryDirectory()
        let (path, _) = try Self.fixture(dir)
        let store = try Store(path: path, mode: .readOnly)
        #expect {
            try store.execute(sql: "SELEC 1")
        } throws: { error in
            guard case .invalidSQL(let message, _) = error as? StoreError else { return false }
            return message.contains("syntax error")
        }
    }

    @Test func valueParsing() {
        #expect(SQLValue.parse("12") == .integer(12))
        #expect(SQLValue.parse("-3") == .integer(-3))
        #expect(SQLValue.parse("1e-3") == .real(0.001))
        #expect(SQLValue.parse("nan") == .text("nan"))
        #expect(SQLValue.parse("inf") == .text("inf"))
        #expect(SQLValue.parse("0x10") == .text("0x10"))
        #expect(SQLValue.parse("'it''s'") == .text("it's"))
        #expect(SQLValue.parse("''") == .text(""))
        #expect(SQLValue.parse("") == .text(""))
        #expect(SQLValue.parse("KQV") == .text("KQV"))
    }
}

/// Text from the database cannot drive the terminal through a table (issue 20, "Messages").
@Suite("table output escapes control characters")
struct TableControlCharacterTests {
    @Test("C0, DEL and C1 characters print as \\u{XX} in tables and Markdown; CSV and JSON keep the text")
    func escaped() {
        let text = "red\u{1B}[31m\u{7}bell\r\u{7F}\u{9B}2J\tend\nnext"
        let table = TableOutput.render(columns: ["t"], rows: [[.text(text)]], format: .table)
        #expect(table.split(separator: "\n").last == "red\\u{1b}[31m\\u{7}bell\\r\\u{7f}\\u{9b}2J\\tend\\nnext")
        let markdown = TableOutput.render(columns: ["t"], rows: [[.text(text)]], format: .markdown)
        #expect(markdown.hasSuffix("| red\\u{1b}[31m\\u{7}bell\\r\\u{7f}\\u{9b}2J\\tend<br>next |"))
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        let json = TableOutput.render(columns: ["t"], rows: [[.text(text)]], format: .json)
        #expect(json.contains("\\u001b[31m"))
    }
}
