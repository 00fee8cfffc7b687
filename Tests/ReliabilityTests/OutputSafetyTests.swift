import Crypto
import Foundation
import KVLabTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--out FILE` of export and report never destroys a database, never replaces a device, FIFO or symlink
/// with a regular file, and reports write errors (issue: reliability, items 1 and 2).
@Suite("Reliability: --out never destroys what is there")
struct OutputSafetyTests {
    /// A directory with a small finished sweep in `self.sqlite`.
    static func fixture() throws -> (dir: URL, db: String) {
        let dir = try TemporaryDirectory.create()
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1), in: dir)
        let db = dir.appendingPathComponent("self.sqlite").path
        let r = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        return (dir, db)
    }

    /// SHA-256 of a file's bytes.
    static func digest(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }
            .joined()
    }

    /// The file type bits of a path (without following a final symlink).
    static func kind(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    @Test("export and report refuse to write over the database they read, also through a symlink or --force")
    func refusesInput() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try Self.digest(db)
        let link = dir.appendingPathComponent("link.sqlite").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "self.sqlite")
        for out in [db, link, db + "-wal"] {
            for force in [false, true] {
                let export = try KVLabProcess.run(
                    ["export", "--table", "runs", "--format", "csv", "--out", out, "--db", db]
                        + (force ? ["--force"] : []))
                #expect(export.status == 2, "export --out \(out): \(export.stderr)")
                #expect(export.stderr.contains("the database this command reads"), "\(export.stderr)")
                let report = try KVLabProcess.run(["report", "--out", out, "--db", db] + (force ? ["--force"] : []))
                #expect(report.status == 2, "report --out \(out): \(report.stderr)")
            }
        }
        #expect(try Self.digest(db) == before)
        #expect(Self.kind(link) == S_IFLNK)
        #expect(try Kvlab.integrity(db) == "ok")
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM runs WHERE state = 'done'") == "24")
    }

    @Test("another SQLite file is replaced only with --force; a text file is replaced atomically")
    func refusesOtherDatabase() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = dir.appendingPathComponent("other.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: other)
        let before = try Self.digest(other)
        let refused = try KVLabProcess.run(["export", "--table", "runs", "--format", "csv", "--out", other, "--db", db])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try Self.digest(other) == before)
        let report = try KVLabProcess.run(["report", "--out", other, "--db", db])
        #expect(report.status == 2)
        #expect(try Self.digest(other) == before)

        let forced = try KVLabProcess.run(
            ["export", "--table", "runs", "--format", "csv", "--out", other, "--db", db, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: other, encoding: .utf8).hasPrefix("id,config_hash"))

        let text = dir.appendingPathComponent("runs.csv").path
        try "old\n".write(toFile: text, atomically: true, encoding: .utf8)
        let replaced = try KVLabProcess.run(["export", "--table", "runs", "--format", "csv", "--out", text, "--db", db])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try String(contentsOfFile: text, encoding: .utf8).hasPrefix("id,config_hash"))
        // No temporary file is left beside it.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".kvlab-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("a symlink is followed (the link stays), a FIFO is written through, a device is never replaced")
    func nonRegularTargets() throws {
        let (dir, db) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A symlink to a text file, and a dangling one: the target is written, the link stays a link.
        let target = dir.appendingPathComponent("target.csv").path
        try "old\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = dir.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target.csv")
        let dangling = dir.appendingPathComponent("dangling.csv").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "created.csv")
        for out in [link, dangling] {
            let r = try KVLabProcess.run(["export", "--table", "runs", "--format", "csv", "--out", out, "--db", db])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(Self.kind(out) == S_IFLNK)
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("id,config_hash"))
        #expect(
            try String(contentsOfFile: dir.appendingPathComponent("created.csv").path, encoding: .utf8).hasPrefix(
                "id,config_hash"))

        // A FIFO: its reader gets the bytes, and it is still a FIFO afterwards.
        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Received()
        let reader = Thread {
            // Opening a FIFO for reading blocks until the writer opens it.
            let handle = FileHandle(forReadingAtPath: fifo)
            received.set(String(decoding: handle?.readDataToEndOfFile() ?? Data(), as: UTF8.self))
        }
        reader.start()
        let r = try KVLabProcess.run(["export", "--table", "runs", "--format", "csv", "--out", fifo, "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.kind(fifo) == S_IFIFO)
        var read: String?
        for _ in 0..<500 where read == nil {
            Thread.sleep(forTimeInterval: 0.01)
            read = received.value
        }
        let text = try #require(read)
        #expect(text.hasPrefix("id,config_hash"))

        // A device: /dev/null takes the bytes, /dev/full is an I/O error (exit 3); both stay devices.
        let null = try KVLabProcess.run([
            "export", "--table", "runs", "--format", "csv", "--out", "/dev/null", "--db", db,
        ])
        #expect(null.status == 0, "\(null.stderr)")
        #expect(Self.kind("/dev/null") == S_IFCHR)
        // /dev/stdout when stdout is a pipe: a link to `pipe:[N]` in /proc, written through, not resolved.
        let stdout = try KVLabProcess.run([
            "export", "--table", "runs", "--format", "csv", "--out", "/dev/stdout", "--db", db,
        ])
        #expect(stdout.status == 0, "\(stdout.stderr)")
        #expect(stdout.stdout.hasPrefix("id,config_hash"), "\(stdout.stdout)")
        if ExternalTool.hasDevFull {
            for arguments in [
                ["export", "--table", "runs", "--format", "csv", "--out", "/dev/full", "--db", db],
                ["report", "--out", "/dev/full", "--db", db],
            ] {
                let full = try KVLabProcess.run(arguments)
                #expect(full.status == 3, "\(arguments[0]): \(full.stderr)")
                #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")
                #expect(Self.kind("/dev/full") == S_IFCHR)
            }
        }
        // A directory is bad input.
        let directory = try KVLabProcess.run(["report", "--out", dir.path, "--db", db])
        #expect(directory.status == 2, "\(directory.stderr)")
    }
}

/// A string handed from a reader thread to the test.
private final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?

    /// The text, once the reader has finished.
    var value: String? { lock.withLock { stored } }

    /// Stores the text.
    func set(_ text: String) { lock.withLock { stored = text } }
}

/// User SQL in every command that takes it is guarded (issue: reliability, item 8).
@Suite("Reliability: user SQL cannot reach fts3_tokenizer, ATTACH or settings")
struct UserSQLGuardTests {
    @Test("kvlab sql, agg --where, compare --where, export --query and a claim refuse the attack (exit 2)")
    func everyEntryPoint() throws {
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = try KVLabProcess.dump(db)
        let leak = "fts3_tokenizer('simple') IS NOT NULL"
        let set = "fts3_tokenizer('simple', x'4141414141414141') IS NOT NULL"
        let claim = dir.appendingPathComponent("evil.sql").path
        try "-- name: evil\n-- coverage: SELECT 1\n-- coverage_min: 1\nSELECT fts3_tokenizer('simple') AS p\n".write(
            toFile: claim, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["sql", "SELECT \(leak)"],
            ["sql", "--write", "SELECT \(set)"],
            ["sql", "ATTACH '\(dir.path)/x.sqlite' AS x"],
            ["sql", "PRAGMA writable_schema = 1"],
            ["agg", "--by", "scheme", "--metric", "kl", "--where", leak],
            ["agg", "--by", "scheme", "--metric", "kl", "--where", set],
            ["compare", "--metric", "kl", "--a", "KQV", "--b", "QKQV", "--where", set],
            ["export", "--query", "SELECT \(set)", "--format", "csv"],
            ["claims", "check", claim],
        ]
        for arguments in cases {
            let r = try KVLabProcess.run(arguments + ["--db", db])
            #expect(r.status == 2, "\(arguments): \(r.status) \(r.stderr)")
            #expect(!r.stdout.contains("0x"), "\(arguments): \(r.stdout)")
            #expect(!Kvlab.crashed(r), "\(arguments): \(r.stderr)")
        }
        // (claims check records its verdicts: the trials are what must not change.)
        #expect(try KVLabProcess.dump(db) == before)
        #expect(try Kvlab.integrity(db) == "ok")
    }
}

/// Data written to stdout is checked, and huge counts are refused before anything is allocated
/// (issue: reliability, items 5 and 10).
@Suite("Reliability: stdout write errors and huge counts")
struct StandardOutputTests {
    @Test(
        "a command whose data cannot be written to stdout (a full device) exits 3, not 0",
        .enabled(if: ExternalTool.hasDevFull, "/dev/full does not exist"))
    func fullStandardOutput() throws {
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in [
            "status --db '\(db)'", "sql --db '\(db)' 'SELECT * FROM trials_wide'",
            "agg --by scheme --metric kl --db '\(db)'", "export --table runs --format csv --db '\(db)'",
            "trial --dim 16 --tokens 32 --queries 4", "codebook --dim 64 --bits 2",
        ] {
            let r = try KVLabProcess.bash("\"$KVLAB\" \(command) > /dev/full")
            #expect(r.status == 3, "\(command): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("cannot write the output"), "\(command): \(r.stderr)")
        }
        // The same commands to a working stdout still exit 0.
        #expect(try KVLabProcess.bash("\"$KVLAB\" status --db '\(db)' > /dev/null").status == 0)
    }

    @Test("reproduce --seeds beyond the limit is bad input at once, never an allocation failure")
    func hugeSeedCounts() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("never.sqlite").path
        for seeds in ["99999999999", "9223372036854775807", "100001"] {
            let r = try KVLabProcess.run(["reproduce", "--seeds", seeds, "--db", db])
            #expect(r.status == 2, "\(seeds): \(r.stderr)")
            #expect(!Kvlab.crashed(r), "\(seeds): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}

/// merge refuses an input whose trial rows were edited (issue: reliability, item 3).
@Suite("Reliability: merge checks its inputs")
struct MergeInputTests {
    @Test("a shard with an edited trial value is refused (exit 3, naming it and the run); the output is unchanged")
    func editedShard() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: good)
        let edited = dir.appendingPathComponent("edited.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: edited)
        let update = try KVLabProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/sqlite3"), [edited, "UPDATE trials SET kl = kl * 2 WHERE run_id = 3"])
        #expect(update.status == 0, "\(update.stderr)")
        let out = dir.appendingPathComponent("merged.sqlite").path
        let refused = try KVLabProcess.run(["merge", "--into", out, good, edited])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("edited.sqlite") && refused.stderr.contains("run 3"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // The good shard alone merges, and the output verifies.
        let merged = try KVLabProcess.run(["merge", "--into", out, good])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try KVLabProcess.run(["verify", "--db", out]).status == 0)
    }

    @Test(
        "a shard with an edited provenance or sweep row is refused (exit 3, naming it and the row), as verify reports it",
        arguments: [
            ("UPDATE provenance SET host = 'elsewhere' WHERE id = 1", "provenance row 1"),
            // Sweep rows carry a checksum since 0010 (before, merge took the edited row and sealed it anew).
            ("UPDATE sweeps SET description = 'not the spec''s'", "sweeps row 1"),
        ])
    func editedChecksummedRow(edit: String, row: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let edited = dir.appendingPathComponent("edited.sqlite").path
        try FileManager.default.copyItem(atPath: db, toPath: edited)
        #expect(
            try KVLabProcess.scalar(edited, "SELECT count(*) FROM provenance WHERE id = 1 AND checksum IS NOT NULL")
                == "1")
        let update = try KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/sqlite3"), [edited, edit])
        #expect(update.status == 0, "\(update.stderr)")
        let out = dir.appendingPathComponent("merged.sqlite").path
        let refused = try KVLabProcess.run(["merge", "--into", out, db, edited])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("edited.sqlite") && refused.stderr.contains(row), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // The intact input merges, and the output (its sweep row sealed again) verifies.
        let merged = try KVLabProcess.run(["merge", "--into", out, db])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(try KVLabProcess.run(["verify", "--db", out]).status == 0)
        #expect(try KVLabProcess.scalar(out, "SELECT count(*) FROM sweeps WHERE checksum IS NULL") == "0")
    }
}

/// run never writes a newer schema, and never extends runs whose rows fail their hash (item 6).
@Suite("Reliability: newer schemas and changed rows are not written")
struct RefusedWritesTests {
    @Test("a newer user_version is refused for writing, without changing a byte")
    func newerUserVersion() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bump = try KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/sqlite3"), [db, "PRAGMA user_version = 99"])
        #expect(bump.status == 0)
        let before = try OutputSafetyTests.digest(db)
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 2), in: dir)
        let r = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("newer kvlab"), "\(r.stderr)")
        #expect(try OutputSafetyTests.digest(db) == before)
    }

    /// Writes `byte` at `offset` of page `page` (1-based, 4096-byte pages) of the table or index `name`'s
    /// first page of `type` (dbstat), found with the sqlite3 shell.
    static func damagePage(_ db: String, of name: String, type: String = "leaf", offset: Int, byte: UInt8) throws {
        let page = try KVLabProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/sqlite3"),
            [db, "SELECT pageno FROM dbstat WHERE name = '\(name)' AND pagetype = '\(type)' ORDER BY pageno LIMIT 1"])
        let number = try #require(Int(page.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(page.stderr)")
        let handle = try #require(FileHandle(forWritingAtPath: db))
        try handle.seek(toOffset: UInt64((number - 1) * 4096 + offset))
        try handle.write(contentsOf: Data([byte]))
        try handle.close()
    }

    @Test("run refuses a database whose reference tables were edited, and writes nothing (before: it rewrote them)")
    func editedReferenceTables() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1), in: dir)
        for edit in [
            "UPDATE t_quantiles SET q975 = 0.001 WHERE df = 2", "DELETE FROM t_quantiles WHERE df = 7",
            "UPDATE metrics SET direction = 'higher' WHERE name = 'kl'",
            "UPDATE schemes SET value_recipe = 'prod' WHERE name = 'KV'",
        ] {
            let copy = dir.appendingPathComponent("edited.sqlite").path
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: db, toPath: copy)
            #expect(try KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/sqlite3"), [copy, edit]).status == 0)
            let before = try OutputSafetyTests.digest(copy)
            let r = try KVLabProcess.run(["run", spec, "--db", copy, "--quiet"])
            #expect(r.status == 3, "\(edit): \(r.stderr)")
            #expect(r.stderr.contains("the reference tables differ from this kvlab's"), "\(edit): \(r.stderr)")
            #expect(r.stderr.contains("kvlab verify --db"), "\(edit): \(r.stderr)")
            #expect(try OutputSafetyTests.digest(copy) == before, "\(edit)")
            // verify still reports the edit (the writable open did not repair it away).
            #expect(try KVLabProcess.run(["verify", "--db", copy]).status == 3, "\(edit)")
        }
        // A reworded metric description is what a newer kvlab changes: the open updates it, and writes go on.
        #expect(
            try KVLabProcess.spawn(
                URL(fileURLWithPath: "/usr/bin/sqlite3"),
                [db, "UPDATE metrics SET description = 'old words' WHERE name = 'kl'"]
            ).status == 0)
        let r = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
    }

    @Test("run refuses a database with a damaged page (PRAGMA quick_check) unless --no-page-check; verify reports it")
    func damagedPage() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The page type byte of a table nothing of planning reads: before, run planned and exited 0 over it.
        try Self.damagePage(db, of: "claim_evaluations", offset: 0, byte: 0)
        let before = try OutputSafetyTests.digest(db)
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1), in: dir)
        let r = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("page check (PRAGMA quick_check) found damage"), "\(r.stderr)")
        #expect(r.stderr.contains("kvlab verify --db"), "\(r.stderr)")
        #expect(try OutputSafetyTests.digest(db) == before)
        // verify prints its report (before: only "database disk image is malformed in: COMMIT TRANSACTION").
        let verify = try KVLabProcess.run(["verify", "--db", db])
        #expect(verify.status == 3)
        #expect(verify.stdout.contains("integrity"), "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stdout.contains("trial_hashes"), "\(verify.stdout)")
        #expect(!verify.stderr.contains("COMMIT"), "\(verify.stderr)")
        // The escape hatch: the user takes the risk, and the sweep (already complete) is resumed.
        #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet", "--no-page-check"]).status == 0)
    }

    @Test(
        "runs failing their hash are not extended, sweeps failing their checksum not planned again",
        arguments: [
            ("UPDATE trials SET kl = kl * 2 WHERE run_id = 1", 2, "no longer match their recorded hash"),
            ("UPDATE sweeps SET created_at = created_at - 86400", 1, "sweep 'rel': its stored row no longer matches"),
        ])
    func changedRowsAreNotWritten(edit: String, trials: Int, message: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/sqlite3"), [db, edit]).status == 0)
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: trials), in: dir)
        let r = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        // Nothing was extended: still one trial per run, and verify still reports the edit.
        #expect(try KVLabProcess.scalar(db, "SELECT max(trials_planned) FROM runs") == "1")
        let verify = try KVLabProcess.run(["verify", "--db", db])
        #expect(verify.status == 3)
    }
}

/// verify checks the reference tables against what kvlab defines (item 4).
@Suite("Reliability: verify checks the reference tables")
struct ReferenceTableTests {
    @Test("an edited t quantile, metric row, shipped scheme or provenance row is reported (before: verify said clean)")
    func editedReferenceRows() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let (dir, db) = try OutputSafetyTests.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        for (edit, expected) in [
            ("UPDATE t_quantiles SET q975 = 0.001 WHERE df = 2", "t_quantiles: df 2 holds"),
            ("DELETE FROM t_quantiles WHERE df = 7", "t_quantiles: df 7 is missing"),
            ("INSERT INTO t_quantiles VALUES (1001, 1, 2, 3)", "t_quantiles: df 1001 is not kvlab's"),
            ("UPDATE metrics SET direction = 'higher' WHERE name = 'kl'", "metrics: the row of kl differs"),
            // Rows a migration inserts (0005's shipped schemes) and the per-row provenance checksum.
            (
                "UPDATE schemes SET value_recipe = 'prod' WHERE name = 'KV'",
                "schemes: the row (\"KV\", \"baseline\", \"baseline\", 1, 0.0) its migrations insert is missing or changed"
            ),
            ("UPDATE provenance SET host = 'elsewhere'", "its content does not match its checksum"),
            ("UPDATE provenance SET checksum = NULL", "unchecked"),
            // Sweep rows carry a checksum since 0010: a changed spec text or count is reported.
            (
                "UPDATE sweeps SET spec = replace(spec, 'trials: 1', 'trials: 7')",
                "sweeps row 1: its content does not match"
            ),
            ("UPDATE sweeps SET trials = 7", "sweeps row 1: its content does not match its checksum"),
            ("UPDATE sweeps SET checksum = NULL", "unchecked"),
        ] {
            let clean = edit.contains("checksum = NULL")
            let copy = dir.appendingPathComponent("edited.sqlite").path
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: db, toPath: copy)
            let r = try KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/sqlite3"), [copy, edit])
            #expect(r.status == 0, "\(r.stderr)")
            let verify = try KVLabProcess.run(["verify", "--db", copy])
            #expect(verify.status == (clean ? 0 : 3), "\(edit): \(verify.stdout)")
            #expect(verify.stdout.contains(expected), "\(edit): \(verify.stdout)")
        }
    }
}
