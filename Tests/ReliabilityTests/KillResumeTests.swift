import Foundation
import KVLabTestSupport
import Statistics
import Testing

/// kill -9 at seeded random moments, then resume: the result equals an uninterrupted run.
@Suite("Reliability: kill -9 and resume", .serialized)
struct KillResumeTests {
    @Test("5 kill -9s at seeded random moments: integrity ok after each, verify clean, resume = uninterrupted")
    func randomKills() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 4), in: dir)
        let reference = dir.appendingPathComponent("ref.sqlite").path
        let start = Date()
        let r = try KVLabProcess.run(["run", spec, "--db", reference, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let uninterrupted = Date().timeIntervalSince(start)
        let expected = try KVLabProcess.dump(reference)

        let db = dir.appendingPathComponent("killed.sqlite").path
        var rng = SplitMix64(seed: 0x4B11_1ED)
        var interrupted = 0
        for kill in 0..<5 {
            // Spread the kills over the run's duration (at least 30 ms in, at most ~1.2× its length).
            let delay = 0.03 + Double.random(in: 0...1, using: &rng) * max(0.2, uninterrupted * 1.2)
            let process = try KVLabProcess.start(["run", spec, "--db", db, "--quiet", "--jobs", "\(1 + kill % 2)"])
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning { interrupted += 1 }
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: db) {
                #expect(try Kvlab.integrity(db) == "ok", "after kill \(kill) at \(delay) s")
                let v = try KVLabProcess.run(["verify", "--db", db])
                #expect(v.status == 0, "after kill \(kill): \(v.stdout)\(v.stderr)")
            }
        }
        let resumed = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try KVLabProcess.dump(db) == expected)
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM runs WHERE state <> 'done'") == "0")
        print("kill -9: 5 kills (\(interrupted) while running; uninterrupted run \(uninterrupted) s); resume identical")
    }

    @Test("kill -9 in the first milliseconds (while the database is created): every later command opens it")
    func killsWhileCreating() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1), in: dir)
        let reference = dir.appendingPathComponent("ref.sqlite").path
        #expect(try KVLabProcess.run(["run", spec, "--db", reference, "--quiet"]).status == 0)
        let expected = try KVLabProcess.dump(reference)
        var rng = SplitMix64(seed: 0xC4EA_7E)
        var created = 0
        for attempt in 0..<12 {
            let db = dir.appendingPathComponent("early-\(attempt).sqlite").path
            let process = try KVLabProcess.start(["run", spec, "--db", db, "--quiet"])
            // 2–700 ms: before, during and just after creating the file and its schema (~0.3 s in debug).
            Thread.sleep(forTimeInterval: 0.002 + Double.random(in: 0...1, using: &rng) * 0.7)
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let status = try KVLabProcess.run(["status", "--db", db])
            if FileManager.default.fileExists(atPath: db) {
                created += 1
                // Either a complete kvlab database or nothing: never a half-created file.
                #expect(status.status == 0, "attempt \(attempt): \(status.stderr)")
                #expect(!FileManager.default.fileExists(atPath: db + "-journal"))
            } else {
                #expect(status.status == 2, "attempt \(attempt): \(status.stderr)")
            }
            let resumed = try KVLabProcess.run(["run", spec, "--db", db, "--quiet"])
            #expect(resumed.status == 0, "attempt \(attempt): \(resumed.stderr)")
            #expect(try KVLabProcess.dump(db) == expected)
        }
        // The temporary files of killed creations are removed by the next writing open of that path.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.contains(".creating-")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
        print("kill -9 while creating: 12 kills, \(created) left a database file; all resumed identically")
    }

    @Test(
        "a hot rollback journal left by a killed writer is rolled back; the database opens and verifies",
        .enabled(if: ExternalTool.sqlite3 != nil, "the sqlite3 shell is not installed"))
    func hotJournal() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 1), in: dir)
        let db = dir.appendingPathComponent("hot.sqlite").path
        #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet"]).status == 0)
        let expected = try KVLabProcess.dump(db)
        // A writer in rollback-journal mode killed inside a transaction whose pages already reached the file.
        let script = """
            PRAGMA journal_mode = DELETE;
            PRAGMA cache_size = 2;
            BEGIN;
            CREATE TABLE junk(x);
            INSERT INTO junk SELECT randomblob(4000) FROM generate_series(1, 300);
            UPDATE runs SET state = 'failed';
            .shell kill -9 $PPID
            """
        let killed = try KVLabProcess.bash("printf '%s\\n' \"$0\" | sqlite3 '\(db)'; exit 0", script)
        #expect(killed.status == 0)
        let journal = (try? FileManager.default.attributesOfItem(atPath: db + "-journal")[.size] as? Int) ?? 0
        #expect((journal ?? 0) > 0, "no hot journal was left: \(killed.stderr)")
        let status = try KVLabProcess.run(["status", "--db", db])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(try KVLabProcess.dump(db) == expected)
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM runs WHERE state <> 'done'") == "0")
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        #expect(try Kvlab.integrity(db) == "ok")
    }
}
