import Foundation
import KVLabTestSupport
import Statistics
import Testing

/// Faults around the database file: a full disk, read-only files and directories, a removed WAL, the file
/// deleted or replaced mid-run, truncation and flipped bits.
@Suite("Reliability: file faults", .serialized)
struct FaultTests {
    /// A directory with a spec and its uninterrupted reference database.
    struct Fixture {
        var dir: URL
        var spec: String
        var reference: String
        var expected: String

        init(trials: Int = 3) throws {
            dir = try TemporaryDirectory.create()
            spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: trials), in: dir)
            reference = dir.appendingPathComponent("ref.sqlite").path
            let r = try KVLabProcess.run(["run", spec, "--db", reference, "--quiet"])
            #expect(r.status == 0, "\(r.stderr)")
            expected = try KVLabProcess.dump(reference)
        }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        /// A copy of the reference database (its WAL is empty after the final checkpoint).
        func copy(_ name: String) throws -> String {
            let path = path(name)
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: reference, toPath: path)
            return path
        }
    }

    /// True when `chattr +i` works here (root with CAP_LINUX_IMMUTABLE on a filesystem that supports it).
    static func immutable(_ path: String, _ on: Bool) -> Bool {
        guard let r = try? KVLabProcess.spawn(URL(fileURLWithPath: "/usr/bin/chattr"), [on ? "+i" : "-i", path]) else {
            return false
        }
        return r.status == 0
    }

    @Test("disk full (ulimit -f, SIGXFSZ ignored): exit 3, the file still opens and verifies, a rerun completes")
    func diskFull() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        var outcomes: [String] = []
        for limit in [16, 160, 400] {  // KiB: inside the first migration, a later one, and trial batches
            let db = f.path("full-\(limit).sqlite")
            let r = try KVLabProcess.bash("ulimit -f \(limit); exec \"$KVLAB\" run '\(f.spec)' --db '\(db)' --quiet")
            #expect(!r.signaled, "killed by a signal at \(limit) KiB: \(r.stderr)")
            #expect(r.status == 3 || r.status == 0, "limit \(limit) KiB: status \(r.status): \(r.stderr)")
            if r.status == 3 { #expect(r.stderr.contains("kvlab: error:"), "\(r.stderr)") }
            var done = "-"
            if FileManager.default.fileExists(atPath: db) {
                #expect(try Kvlab.integrity(db) == "ok", "limit \(limit) KiB")
                let v = try KVLabProcess.run(["verify", "--db", db])
                // A file cut inside the first migration is empty (0 tables): `verify` then refuses it as such.
                #expect(
                    v.status == 0 || v.stderr.contains("schema version") || v.stderr.contains("no database"),
                    "\(v.stdout)\(v.stderr)")
                if v.status == 0 {
                    done = try KVLabProcess.scalar(db, "SELECT count(*) FROM runs WHERE state = 'done'")
                }
            }
            let rerun = try KVLabProcess.run(["run", f.spec, "--db", db, "--quiet"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            #expect(try KVLabProcess.dump(db) == f.expected, "limit \(limit) KiB")
            #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
            outcomes.append("\(limit) KiB: exit \(r.status), \(done) runs done before the rerun")
        }
        print("disk full: " + outcomes.joined(separator: "; "))
    }

    @Test("a read-only (immutable) database file: writing commands fail with exit 3, reads and verify work")
    func readOnlyFile() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let db = try f.copy("ro.sqlite")
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let locked = Self.immutable(db, true) || (getuid() != 0 && chmod(db, 0o444) == 0)
        defer { _ = Self.immutable(db, false) }
        guard locked else {
            print("skipped: cannot make \(db) read-only here (root without chattr +i)")
            return
        }
        let other = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1, name: "other"), in: f.dir, name: "other.yaml")
        let r = try KVLabProcess.run(["run", other, "--db", db, "--quiet"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(!Kvlab.crashed(r))
        // Said in kvlab's words (before: SQLite's "attempt to write a readonly database").
        #expect(r.stderr.contains("the file is read-only and this command writes to it"), "\(r.stderr)")
        #expect(!r.stderr.contains("attempt to write a readonly database"), "\(r.stderr)")
        let w = try KVLabProcess.run(["sql", "--db", db, "--write", "DELETE FROM runs"])
        #expect(w.status == 3, "\(w.stderr)")
        #expect(w.stderr.contains("the file is read-only"), "\(w.stderr)")
        #expect(try KVLabProcess.dump(db) == f.expected)
        let v = try KVLabProcess.run(["verify", "--db", db])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        print("read-only file: run → exit \(r.status): \(r.stderr.split(separator: "\n").last ?? "")")
    }

    @Test("a database in a non-writable directory: writes fail with exit 3 and a message, nothing changes")
    func readOnlyDirectory() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let sub = f.dir.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let db = sub.appendingPathComponent("db.sqlite").path
        try FileManager.default.copyItem(atPath: f.reference, toPath: db)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let locked = Self.immutable(sub.path, true) || (getuid() != 0 && chmod(sub.path, 0o555) == 0)
        defer {
            _ = Self.immutable(sub.path, false)
            chmod(sub.path, 0o755)
        }
        guard locked else {
            print("skipped: cannot make \(sub.path) non-writable here (root without chattr +i)")
            return
        }
        let other = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1, name: "other"), in: f.dir, name: "other.yaml")
        let r = try KVLabProcess.run(["run", other, "--db", db, "--quiet"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(!Kvlab.crashed(r))
        let fresh = try KVLabProcess.run([
            "run", other, "--db", sub.appendingPathComponent("new.sqlite").path, "--quiet",
        ])
        #expect(fresh.status == 3, "\(fresh.stderr)")
        let v = try KVLabProcess.run(["verify", "--db", db])
        #expect(!Kvlab.crashed(v))
        #expect(v.status == 0 || v.status == 3, "\(v.stdout)\(v.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        print(
            """
            non-writable directory: run → exit \(r.status) (\(r.stderr.split(separator: "\n").last ?? "")); \
            new file → exit \(fresh.status); verify → exit \(v.status) \(v.stderr.split(separator: "\n").last ?? "")
            """)
    }

    @Test("WAL and shm removed after a kill -9: the file is consistent and a rerun completes identically")
    func walRemoved() throws {
        let f = try Fixture(trials: 4)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let db = f.path("wal.sqlite")
        var lost = 0
        for delay in [0.3, 0.8] {
            let p = try KVLabProcess.start(["run", f.spec, "--db", db, "--quiet"])
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let walSize = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
            if walSize > 0 { lost += 1 }
            try? FileManager.default.removeItem(atPath: db + "-wal")
            try? FileManager.default.removeItem(atPath: db + "-shm")
            if FileManager.default.fileExists(atPath: db) {
                #expect(try Kvlab.integrity(db) == "ok")
                let v = try KVLabProcess.run(["verify", "--db", db])
                #expect(
                    v.status == 0 || v.stderr.contains("schema version") || v.stderr.contains("no database"),
                    "\(v.stdout)\(v.stderr)")
            }
        }
        let r = try KVLabProcess.run(["run", f.spec, "--db", db, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try KVLabProcess.dump(db) == f.expected)
        // Between clean runs there is no WAL to lose: the sweep ends with a checkpoint and the file is complete.
        let wal = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
        print("WAL removed: 2 kills, \(lost) with a non-empty WAL discarded; rerun identical")
    }

    @Test("the database deleted, or replaced by another file, mid-run: no crash; the path ends consistent")
    func deletedOrReplaced() throws {
        let f = try Fixture(trials: 6)
        defer { try? FileManager.default.removeItem(at: f.dir) }
        // Deleted: the process keeps writing to the unlinked file; a rerun recreates it from scratch.
        let db = f.path("deleted.sqlite")
        let p = Process()
        p.executableURL = KVLabProcess.executable
        p.arguments = ["run", f.spec, "--db", db, "--quiet"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.4)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit, "\(stderr)")
        let deletedStatus = p.terminationStatus
        let r = try KVLabProcess.run(["run", f.spec, "--db", db, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try KVLabProcess.dump(db) == f.expected)

        // Replaced: a finished copy is renamed over the path mid-run; the running process keeps its own
        // (now unlinked) file, and the replacement is intact once it exits.
        let db2 = f.path("replaced.sqlite")
        let replacement = try f.copy("replacement.sqlite")
        let q = try KVLabProcess.start(["run", f.spec, "--db", db2, "--quiet"])
        // Mid-run: once the process has created the database (it appears complete, under its final name).
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: db2) { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(rename(replacement, db2) == 0)
        q.waitUntilExit()
        #expect(q.terminationReason == .exit)
        #expect(try Kvlab.integrity(db2) == "ok")
        let v = try KVLabProcess.run(["verify", "--db", db2])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        #expect(try KVLabProcess.dump(db2) == f.expected)
        print(
            "deleted mid-run: exit \(deletedStatus) \(stderr.split(separator: "\n").last ?? ""); replaced mid-run: exit \(q.terminationStatus); replacement intact"
        )
    }

    @Test("truncated files: a clear error (exit 2 or 3), never a crash, never a clean verify")
    func truncated() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: f.reference)[.size] as? Int)
        for length in [50, 100, 4096, size / 2, size - 4096] {
            let db = try f.copy("trunc-\(length).sqlite")
            let handle = try #require(FileHandle(forWritingAtPath: db))
            try handle.truncate(atOffset: UInt64(length))
            try handle.close()
            for arguments in [
                ["verify"], ["sql", "SELECT count(*), sum(kl) FROM trials"], ["run", f.spec, "--quiet"],
            ] {
                let r = try KVLabProcess.run(arguments + ["--db", db])
                #expect(!Kvlab.crashed(r), "\(arguments) on \(length) bytes: \(r.stderr)")
                if arguments == ["verify"] {
                    #expect(r.status == 2 || r.status == 3, "verify of \(length) bytes: \(r.stdout)")
                }
                if r.status != 0 { #expect(r.stderr.contains("kvlab: error:"), "\(r.stderr)") }
            }
        }
    }

    /// Flips bit 0 of the last byte of the first occurrence of `bytes` in the file; false when absent.
    static func flip(_ bytes: [UInt8], in path: String) throws -> Bool {
        var data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count <= data.count else { return false }
        for start in 0...(data.count - bytes.count) where data[start] == bytes[0] {
            if Array(data[start..<(start + bytes.count)]) == bytes {
                data[start + bytes.count - 1] ^= 1
                try Data(data).write(to: URL(fileURLWithPath: path))
                return true
            }
        }
        return false
    }

    /// The big-endian IEEE-754 bytes SQLite stores for a REAL.
    static func realBytes(_ value: Double) -> [UInt8] {
        withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) }
    }

    @Test("kvlab verify catches a flipped bit in a stored trial REAL, a summary REAL and a config's JSON")
    func flippedBits() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let cases: [(String, String, String)] = [
            ("trial", "SELECT kl AS v FROM trials ORDER BY run_id, trial LIMIT 1 OFFSET 7", "trial_hashes"),
            ("summary", "SELECT k_angle_mean AS v FROM run_summaries ORDER BY run_id LIMIT 1 OFFSET 3", "summaries"),
        ]
        for (what, query, check) in cases {
            let db = try f.copy("flip-\(what).sqlite")
            // CSV text in shortest round-trip form parses back to the exact double (JSONSerialization may not).
            let value = try #require(Double(try KVLabProcess.scalar(db, query)))
            #expect(try Self.flip(Self.realBytes(value), in: db), "\(value) not found in the file")
            #expect(try Kvlab.integrity(db) == "ok")  // SQLite itself cannot see it
            let v = try KVLabProcess.run(["verify", "--db", db])
            #expect(v.status == 3, "\(what): \(v.stdout)")
            #expect(
                v.stdout.contains("\(check)  1 problem") || v.stdout.contains("\(check) 1 problem")
                    || v.stdout.split(separator: "\n").contains { $0.hasPrefix(check) && $0.contains("1 problem") },
                "\(what): \(v.stdout)")
        }
        // A flipped bit in the schema text (a run_summaries column name): reported, never a trap.
        let schema = try f.copy("flip-schema.sqlite")
        #expect(try Self.flip(Array("top1_flip_nan".utf8), in: schema))  // → top1_flip_nao
        let s = try KVLabProcess.run(["verify", "--db", schema])
        #expect(!Kvlab.crashed(s), "\(s.stderr)")
        #expect(s.status == 3, "\(s.stdout)\(s.stderr)")
        #expect(s.stdout.contains("schema") || s.stderr.contains("malformed database schema"), "\(s.stdout)")
        let db = try f.copy("flip-config.sqlite")
        #expect(try Self.flip(Array("\"noise\":0.1".utf8), in: db))
        let v = try KVLabProcess.run(["verify", "--db", db])
        #expect(v.status == 3)
        #expect(v.stdout.contains("canonical_json hashes to"), "\(v.stdout)")
    }

    @Test(
        "a trial row whose nan_mask a damaged page turned into NULL: verify reports it, never traps",
        .enabled(if: ExternalTool.sqlite3 != nil, "the sqlite3 shell is not installed"))
    func nullNanMask() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        let db = try f.copy("null-mask.sqlite")
        // What a bit flip in a record header did once: the schema is intact, one row holds NULL where its
        // NOT NULL column is. Relax the column, write the NULL, restore the schema text.
        let script = """
            PRAGMA writable_schema = ON;
            UPDATE sqlite_schema SET sql = replace(sql, 'nan_mask INTEGER NOT NULL DEFAULT 0', 'nan_mask INTEGER')
                WHERE name = 'trials';
            PRAGMA writable_schema = RESET;
            UPDATE trials SET nan_mask = NULL WHERE (run_id, trial) = (SELECT run_id, trial FROM trials LIMIT 1);
            PRAGMA writable_schema = ON;
            UPDATE sqlite_schema SET sql = replace(sql, 'nan_mask INTEGER,', 'nan_mask INTEGER NOT NULL DEFAULT 0,')
                WHERE name = 'trials';
            PRAGMA writable_schema = RESET;
            """
        let edit = try KVLabProcess.spawn(try #require(ExternalTool.sqlite3), [db], input: script)
        #expect(edit.status == 0, "\(edit.stderr)")
        let check = try KVLabProcess.spawn(
            try #require(ExternalTool.sqlite3), [db, "SELECT count(*) FROM trials WHERE typeof(nan_mask) = 'null'"])
        #expect(check.stdout == "1\n", "\(check.stdout)\(check.stderr)")
        let v = try KVLabProcess.run(["verify", "--db", db])
        #expect(!Kvlab.crashed(v), "\(v.stderr)")
        #expect(v.status == 3, "\(v.stdout)\(v.stderr)")
        #expect((v.stdout + v.stderr).contains("cannot be read"), "\(v.stdout)\(v.stderr)")
    }

    @Test("24 random bit flips anywhere in the file: verify never crashes and exits 0, 2 or 3")
    func randomFlips() throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(at: f.dir) }
        var rng = SplitMix64(seed: 0xB17F_11B5)
        var outcomes: [Int32: Int] = [:]
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: f.reference)))
        let db = f.path("random-flip.sqlite")
        for _ in 0..<24 {
            var data = original
            let bit = Int.random(in: 0..<(data.count * 8), using: &rng)
            data[bit / 8] ^= UInt8(1 << (bit % 8))
            try Data(data).write(to: URL(fileURLWithPath: db))
            let r = try KVLabProcess.run(["verify", "--db", db])
            #expect(!Kvlab.crashed(r), "bit \(bit): \(r.stderr)")
            #expect([0, 2, 3].contains(r.status), "bit \(bit): status \(r.status)")
            outcomes[r.status, default: 0] += 1
        }
        print("random bit flips: 24, verify exit statuses \(outcomes) (0 = the flip hit unused or unchecked bytes)")
    }
}
