import Foundation
import KVLabTestSupport
import Testing

/// The same mistake gets the same exit code and a message that says what was wrong (issue: reliability,
/// "Messages").
@Suite("Reliability: messages")
struct MessageTests {
    @Test("empty --db, unknown retry sweep, negative numbers, SQL that starts with a comment")
    func messages() throws {
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [([String], Int32, String)] = [
            (["status", "--db", ""], 2, "--db: the path is empty"),
            (["run", "smoke", "--db", ""], 2, "--db: the path is empty"),
            (["run", "--db", ""], 2, "--db: the path is empty"),
            (["merge", "--into", "", db], 2, "--into: the path is empty"),
            (["sql", "--db", "", "SELECT 1"], 2, "--db: the path is empty"),
            (["retry", "--sweep", "nosuch", "--db", db], 2, "no sweep named 'nosuch'"),
            (["status", "--sweep", "nosuch", "--db", db], 2, "no sweep named 'nosuch'"),
            (["run", "smoke", "--db", db, "--jobs", "-1"], 2, "--jobs: -1 must be ≥ 1"),
            (["trial", "--bits", "-1"], 2, "--bits: -1 is out of range 1…8"),
            (["trial", "--noise", "-0.5"], 2, "--noise: -0.5 must be"),
        ]
        for (arguments, status, message) in cases {
            let r = try KVLabProcess.run(arguments)
            #expect(r.status == status, "\(arguments): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("Missing value"), "\(arguments): \(r.stderr)")
        }
        let comment = try KVLabProcess.run([
            "sql", "--db", db, "--format", "csv", "-- runs done\nSELECT count(*) AS n FROM runs",
        ])
        #expect(comment.status == 0, "\(comment.stderr)")
        #expect(comment.stdout == "n\n24\n")
    }

    @Test("refusing a foreign WAL database leaves no -wal or -shm file behind (before: both stayed)")
    func foreignWALDatabase() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let dir = try TemporaryDirectory()
        let db = dir.path("foreign.sqlite")
        let made = try KVLabProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/sqlite3"),
            [db, "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
        for arguments in [
            ["status", "--db", db], ["run", "smoke", "--db", db, "--quiet"], ["sql", "SELECT 1", "--db", db],
        ] {
            let r = try KVLabProcess.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("kvlab did not create"), "\(arguments): \(r.stderr)")
            for suffix in ["-wal", "-shm"] {
                #expect(!FileManager.default.fileExists(atPath: db + suffix), "\(arguments) left \(suffix)")
            }
        }
    }

    @Test("a database in a read-only directory: the message says so (before: 'unable to open database file')")
    func readOnlyDirectory() throws {
        let (dir, fixture) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let locked = dir.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        let db = locked.appendingPathComponent("kvlab.sqlite").path
        try FileManager.default.copyItem(atPath: fixture, toPath: db)
        // Root writes through permission bits; an immutable directory is read-only for root too.
        let immutable = try KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/chattr"), ["+i", locked.path])
        defer { _ = try? KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/chattr"), ["-i", locked.path]) }
        if immutable.status != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: locked.path)
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: locked.path) }
        guard !FileManager.default.isWritableFile(atPath: locked.path) else { return }  // root without chattr
        for arguments in [["status", "--db", db], ["run", "smoke", "--db", db, "--quiet"]] {
            let r = try KVLabProcess.run(arguments)
            #expect(r.status == 3, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains("its directory \(locked.path) is read-only"), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("unable to open database file"), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("readonly database"), "\(arguments): \(r.stderr)")
        }
    }

    @Test("file errors name the cause, never Foundation's internals (before: 'The operation could not be completed')")
    func fileErrorsInPlainWords() throws {
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.sql").path
        let r = try KVLabProcess.run(["sql", "--file", missing, "--db", db])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("cannot read \(missing): No such file or directory"), "\(r.stderr)")
        for phrase in ["operation could not be completed", "NSCocoaErrorDomain", "Database.execute(sql:)"] {
            #expect(!r.stderr.contains(phrase), "\(r.stderr)")
        }
    }

    @Test("a database of an older schema names the command that upgrades it, and that command does")
    func outdatedSchema() throws {
        let dir = try TemporaryDirectory()
        let db = dir.path("old.sqlite")
        try FileManager.default.copyItem(atPath: ReleaseCompatibilityTests.fixture, toPath: db)
        let read = try KVLabProcess.run(["sql", "SELECT count(*) FROM runs", "--db", db])
        #expect(read.status == 3)
        let command = "kvlab sql --write \"SELECT 1\" --db \(db)"
        #expect(read.stderr.contains("upgrade it once with `\(command)`"), "\(read.stderr)")
        #expect(try KVLabProcess.run(["sql", "--write", "SELECT 1", "--db", db]).status == 0)
        let again = try KVLabProcess.run(["sql", "SELECT count(*) FROM runs", "--db", db, "--format", "csv"])
        #expect(again.status == 0 && again.stdout.hasPrefix("count(*)\n"), "\(again.stderr)")
    }
}
