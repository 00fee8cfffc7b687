import Foundation
import KVLabTestSupport
import Testing

/// End-to-end sweep execution: resume after kills, determinism across jobs, processes and trial counts.
@Suite("kvlab run: resumable, deterministic sweeps", .serialized)
struct SweepRunTests {
    static func spec(trials: Int = 4, name: String = "e2e") -> String {
        """
        name: \(name)
        seeds: 3
        trials: \(trials)
        fixed:
          dim: 64
          tokens: 192
          queries: 16
        grid:
          scheme: [KV, KQV, QKQV]
          bits: [2, 3, 4]
          distribution: [gaussian, t5]
        """
    }

    /// Every stored metric of every trial, as round-trip JSON text, in a fixed order.
    static func dump(_ db: URL) throws -> String { try KVLabProcess.dump(db.path) }

    static func write(_ text: String, to url: URL) throws {
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test("an uninterrupted run, --jobs 1, and a run killed -9 three times then resumed store identical bits")
    func killAndResume() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("spec.yaml")
        try Self.write(Self.spec(), to: specURL)
        let reference = dir.appendingPathComponent("ref.sqlite")
        let r = try KVLabProcess.run(["run", specURL.path, "--db", reference.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let expected = try Self.dump(reference)
        #expect(expected.contains("\"kl\""))

        let single = dir.appendingPathComponent("single.sqlite")
        let s = try KVLabProcess.run(["run", specURL.path, "--db", single.path, "--jobs", "1", "--quiet"])
        #expect(s.status == 0)
        #expect(try Self.dump(single) == expected)

        let killed = dir.appendingPathComponent("killed.sqlite")
        for delay in [0.15, 0.4, 0.8] {
            let process = Process()
            process.executableURL = KVLabProcess.executable
            process.arguments = ["run", specURL.path, "--db", killed.path, "--quiet"]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let resumed = try KVLabProcess.run(["run", specURL.path, "--db", killed.path, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.dump(killed) == expected)
        let count = try KVLabProcess.run([
            "sql", "--db", killed.path, "--format", "csv",
            "SELECT count(*), count(DISTINCT run_id || '/' || trial), sum(state = 'done') FROM trials, runs",
        ])
        #expect(count.status == 0)
    }

    @Test("SIGINT stops cleanly with exit 130 and a resume hint; the resumed result is identical")
    func interrupt() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("spec.yaml")
        try Self.write(Self.spec(), to: specURL)
        let reference = dir.appendingPathComponent("ref.sqlite")
        _ = try KVLabProcess.run(["run", specURL.path, "--db", reference.path, "--quiet"])
        let db = dir.appendingPathComponent("int.sqlite")
        let process = Process()
        process.executableURL = KVLabProcess.executable
        process.arguments = ["run", specURL.path, "--db", db.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 130 {
            #expect(stderr.contains("Resume with: kvlab run"))
            let leases = try KVLabProcess.run([
                "sql", "--db", db.path, "--format", "csv", "SELECT count(*) FROM runs WHERE state = 'running'",
            ])
            #expect(leases.stdout.split(separator: "\n").last == "0")
            let verify = try KVLabProcess.run(["verify", "--db", db.path])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        } else {
            // The sweep may finish before the signal on a fast machine.
            #expect(process.terminationStatus == 0)
        }
        let resumed = try KVLabProcess.run(["run", specURL.path, "--db", db.path, "--quiet"])
        #expect(resumed.status == 0)
        #expect(try Self.dump(db) == Self.dump(reference))
    }

    @Test("two concurrent processes share the work: no duplicate, no lock error, identical result")
    func concurrentProcesses() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("spec.yaml")
        try Self.write(Self.spec(), to: specURL)
        let reference = dir.appendingPathComponent("ref.sqlite")
        _ = try KVLabProcess.run(["run", specURL.path, "--db", reference.path, "--quiet"])
        let db = dir.appendingPathComponent("shared.sqlite")
        _ = try KVLabProcess.run(["run", specURL.path, "--db", db.path, "--dry-run"])
        for (status, stderr) in try Self.runConcurrently(
            ["run", specURL.path, "--db", db.path, "--jobs", "1", "--quiet"], processes: 2)
        {
            #expect(status == 0, "\(stderr)")
            #expect(!stderr.contains("locked"))
        }
        #expect(try Self.dump(db) == Self.dump(reference))
    }

    /// Regression: a process switching a brand-new file to WAL made another process that opened the same
    /// new file fail at once with "database is locked" (SQLite skips the busy handler there); about one
    /// round in three failed before the fix.
    @Test("processes creating the same new database at once all succeed")
    func concurrentCreation() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("one.yaml")
        try Self.write(
            "name: one\nseeds: 1\ntrials: 1\nfixed: {dim: 16, tokens: 16, queries: 4}\ngrid: {scheme: [KV], bits: [2]}\n",
            to: specURL)
        for round in 0..<10 {
            let db = dir.appendingPathComponent("new-\(round).sqlite")
            for (status, stderr) in try Self.runConcurrently(
                ["run", specURL.path, "--db", db.path, "--jobs", "1", "--quiet"], processes: 3)
            {
                #expect(status == 0, "round \(round): \(stderr)")
            }
            let trials = try KVLabProcess.run([
                "sql", "--db", db.path, "--format", "csv", "SELECT count(*) FROM trials",
            ])
            #expect(trials.stdout.split(separator: "\n").last == "1", "round \(round)")
        }
    }

    /// Regression: a missing spec file whose name ends like a shipped sweep ran the shipped sweep silently.
    @Test("a missing spec file is bad input (exit 2), never the shipped sweep of the same name")
    func missingSpecFile() throws {
        let dir = try TemporaryDirectory.create()
        let db = dir.appendingPathComponent("never.sqlite").path
        for spec in ["/no/such/dir/paper.yaml", "some/dir/smoke.yaml", "sweeps/smoke", "nosuch.yaml", "nosuch"] {
            let r = try KVLabProcess.run(["run", spec, "--db", db, "--dry-run"])
            #expect(r.status == 2, "\(spec): \(r.stderr)")
            #expect(r.stderr.contains("no sweep spec"), "\(spec): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: db))
        // Shipped names still work, with or without the extension.
        for spec in ["smoke", "smoke.yaml"] {
            let r = try KVLabProcess.run(["run", spec, "--db", db, "--dry-run"])
            #expect(r.status == 0, "\(spec): \(r.stderr)")
        }
    }

    /// Starts `processes` kvlab processes with the same arguments at once and waits for all of them.
    static func runConcurrently(_ arguments: [String], processes count: Int) throws -> [(Int32, String)] {
        var processes: [(Process, Pipe)] = []
        for _ in 0..<count {
            let p = Process()
            p.executableURL = KVLabProcess.executable
            p.arguments = arguments
            let pipe = Pipe()
            p.standardError = pipe
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            processes.append((p, pipe))
        }
        return processes.map { p, pipe in
            let stderr = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, stderr)
        }
    }

    @Test("raising trials extends runs; the first trials keep their bits")
    func extendTrials() throws {
        let dir = try TemporaryDirectory.create()
        let small = dir.appendingPathComponent("small.yaml")
        let large = dir.appendingPathComponent("large.yaml")
        try Self.write(Self.spec(trials: 2, name: "ext"), to: small)
        try Self.write(Self.spec(trials: 4, name: "ext"), to: large)
        let extended = dir.appendingPathComponent("ext.sqlite")
        let direct = dir.appendingPathComponent("direct.sqlite")
        #expect(try KVLabProcess.run(["run", small.path, "--db", extended.path, "--quiet"]).status == 0)
        #expect(try KVLabProcess.run(["run", large.path, "--db", extended.path, "--quiet"]).status == 0)
        #expect(try KVLabProcess.run(["run", large.path, "--db", direct.path, "--quiet"]).status == 0)
        #expect(try Self.dump(extended) == Self.dump(direct))
    }

    @Test(
        "bad specs exit 2 with the location, database untouched",
        arguments: [
            ("name: x\nseeds: 2\ngrid:\n  bits: [2, 0]\n", "grid.bits[1]"),
            ("name: x\nseeds: 2\nfixed:\n  dimm: 64\n", "dimm"),
            ("name: x\nseeds: 2\ngrid:\n  bits: []\n", "bits"),
            ("name: x\nseeds: 2\nfixed:\n  dim: 100\n", "dim"),
            ("name: x\nseeds: 2\nfixed:\n  dim: 16\n  rank: 32\n", "rank"),
            ("name: x\nseeds: many\n", "seeds"),
        ])
    func badSpecs(text: String, mention: String) throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("bad.yaml")
        try Self.write(text, to: specURL)
        let db = dir.appendingPathComponent("db.sqlite")
        let r = try KVLabProcess.run(["run", specURL.path, "--db", db.path])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(mention), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db.path))
    }

    @Test("a changed spec under the same name is refused unless --amend")
    func amend() throws {
        let dir = try TemporaryDirectory.create()
        let a = dir.appendingPathComponent("a.yaml")
        try Self.write("name: same\nseeds: 1\ntrials: 1\nfixed:\n  dim: 16\n  tokens: 8\n  queries: 2\n", to: a)
        let b = dir.appendingPathComponent("b.yaml")
        try Self.write("name: same\nseeds: 2\ntrials: 1\nfixed:\n  dim: 16\n  tokens: 8\n  queries: 2\n", to: b)
        let db = dir.appendingPathComponent("db.sqlite")
        #expect(try KVLabProcess.run(["run", a.path, "--db", db.path, "--quiet"]).status == 0)
        let refused = try KVLabProcess.run(["run", b.path, "--db", db.path, "--quiet"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--amend"))
        #expect(try KVLabProcess.run(["run", b.path, "--db", db.path, "--quiet", "--amend"]).status == 0)
    }

    @Test("--amend that would mix trial counts in one sweep is refused, saying how to extend the runs")
    func amendMixingTrialCounts() throws {
        let dir = try TemporaryDirectory.create()
        let spec = { (seeds: Int, trials: Int) in
            "name: same\nseeds: \(seeds)\ntrials: \(trials)\nfixed:\n  dim: 16\n  tokens: 8\n  queries: 2\n"
        }
        let path = dir.appendingPathComponent("s.yaml")
        let db = dir.appendingPathComponent("db.sqlite")
        try Self.write(spec(1, 2), to: path)
        #expect(try KVLabProcess.run(["run", path.path, "--db", db.path, "--quiet"]).status == 0)
        // One more seed at 1 trial: the new run would have 1 trial, the old one 2.
        try Self.write(spec(2, 1), to: path)
        let refused = try KVLabProcess.run(["run", path.path, "--db", db.path, "--quiet", "--amend"])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("different trial counts (1 run with 1 trial, 1 run with 2 trials)"))
        #expect(refused.stderr.contains("Set `trials: 2` in the spec"), "\(refused.stderr)")
        #expect(try KVLabProcess.scalar(db.path, "SELECT count(*) FROM runs") == "1")
        try Self.write(spec(2, 2), to: path)
        let extended = try KVLabProcess.run(["run", path.path, "--db", db.path, "--quiet", "--amend"])
        #expect(extended.status == 0, "\(extended.stderr)")
        #expect(try KVLabProcess.scalar(db.path, "SELECT group_concat(DISTINCT trials_planned) FROM runs") == "2")
    }

    @Test("3 shards merged equal one process; merging twice changes nothing")
    func shardsAndMerge() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("spec.yaml")
        try Self.write(Self.spec(trials: 2), to: specURL)
        let reference = dir.appendingPathComponent("ref.sqlite")
        #expect(try KVLabProcess.run(["run", specURL.path, "--db", reference.path, "--quiet"]).status == 0)
        var shards: [String] = []
        for i in 0..<3 {
            let r = try KVLabProcess.run(["run", specURL.path, "--shard", "\(i)/3", "--quiet"], in: dir)
            #expect(r.status == 0, "\(r.stderr)")
            shards.append(dir.appendingPathComponent("kvlab-shard-\(i)-of-3.sqlite").path)
        }
        let merged = dir.appendingPathComponent("merged.sqlite")
        let first = try KVLabProcess.run(["merge", "--into", merged.path] + shards.reversed())
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try Self.dump(merged) == Self.dump(reference))
        let second = try KVLabProcess.run(["merge", "--into", merged.path] + shards)
        #expect(second.stdout.contains("0 new trials"))
        #expect(try Self.dump(merged) == Self.dump(reference))
        // Provenance survives the merge: one row per shard process (none added by merging twice), and every
        // run and trial points at the shard process that computed it.
        let provenance = try KVLabProcess.run([
            "sql", "--db", merged.path, "--format", "csv",
            """
            SELECT (SELECT count(*) FROM provenance),
                (SELECT count(*) FROM provenance WHERE command LIKE '%--shard%'),
                (SELECT count(*) FROM runs WHERE provenance_id IS NULL),
                (SELECT count(*) FROM trials WHERE provenance_id IS NULL),
                (SELECT count(*) FROM trials t JOIN runs r ON r.id = t.run_id WHERE t.provenance_id <> r.provenance_id),
                (SELECT count(*) FROM sweeps WHERE provenance_id IS NULL)
            """,
        ])
        #expect(provenance.stdout.split(separator: "\n").last == "3,3,0,0,0,0", "\(provenance.stdout)")
        // One process plans and computes: one provenance row, the sweep's planner and every trial's computer.
        let single = try KVLabProcess.scalar(
            reference.path,
            """
            SELECT (SELECT count(*) FROM provenance) || '/' ||
                (SELECT count(*) FROM sweeps s JOIN trials t ON t.provenance_id = s.provenance_id)
                || '/' || (SELECT count(*) FROM trials)
            """)
        let parts = single.split(separator: "/")
        #expect(parts.count == 3 && parts[0] == "1" && parts[1] == parts[2], "\(single)")
    }
}
