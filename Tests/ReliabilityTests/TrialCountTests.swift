import Foundation
import KVLabTestSupport
import Synchronization
import Testing

/// Runs of a sweep holding another trial count than the sweep planned (issue 20 items 7 and 12).
@Suite("Reliability: trial counts of shared runs")
struct TrialCountTests {
    @Test("run and status name the run a stray `trial --record` extended (before: silent)")
    func strayRecordedTrial() throws {
        let dir = try TemporaryDirectory()
        let spec = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 2), in: dir.url)
        let db = dir.path("stray.sqlite")
        #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet"]).status == 0)
        let record = try KVLabProcess.run([
            "trial", "--record", "--scheme", "KV", "--bits", "2", "--dim", "32", "--tokens", "96", "--queries", "8",
            "--seed", "1", "--trial", "4", "--db", db,
        ])
        #expect(record.status == 0, "\(record.stderr)")
        let extended = try KVLabProcess.scalar(
            db,
            "SELECT r.id FROM runs r JOIN sweep_runs sr ON sr.run_id = r.id WHERE r.trials_planned = 5")
        #expect(!extended.isEmpty)

        let run = try KVLabProcess.run(["run", spec, "--db", db])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "sweep 'rel': 1 of 24 runs holds another trial count than the sweep's 2: run \(extended) (5)"),
            "\(run.stderr)")
        let status = try KVLabProcess.run(["status", "--sweep", "rel", "--db", db, "--format", "json"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"trials_per_run\":2"), "\(status.stdout)")
        #expect(status.stdout.contains("run \(extended) (5)"), "\(status.stdout)")
        // Nothing to do: the note is repeated.
        let again = try KVLabProcess.run(["run", spec, "--db", db])
        #expect(again.status == 0 && again.stderr.contains("run \(extended) (5)"), "\(again.stderr)")
    }

    @Test("two processes running sweeps that share runs with trials 10 and 30 both finish (before: exit 3)")
    func concurrentSweeps() throws {
        let dir = try TemporaryDirectory()
        let few = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 10, name: "few"), in: dir.url, name: "few.yaml")
        let many = try Kvlab.writeSpec(Kvlab.smallSpec(trials: 30, name: "many"), in: dir.url, name: "many.yaml")
        for attempt in 0..<3 {
            let db = dir.path("shared-\(attempt).sqlite")
            let specs = attempt % 2 == 0 ? [few, many] : [many, few]
            let results = Mutex<[KVLabProcess.Result?]>([nil, nil])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                let r = try? KVLabProcess.run(["run", specs[i], "--db", db, "--jobs", "1", "--quiet"])
                results.withLock { $0[i] = r }
            }
            for r in results.withLock({ $0 }) {
                #expect(r?.status == 0, "attempt \(attempt): \(r?.stderr ?? "not run")")
            }
            // A sweep's run may have been done before the other was planned: finish both.
            for spec in specs {
                #expect(try KVLabProcess.run(["run", spec, "--db", db, "--quiet"]).status == 0)
            }
            #expect(try KVLabProcess.scalar(db, "SELECT group_concat(DISTINCT trials_planned) FROM runs") == "30")
            #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM trials") == "720")
            let status = try KVLabProcess.run(["status", "--sweep", "few", "--db", db, "--format", "json"])
            #expect(status.stdout.contains("24 of 24 runs hold another trial count than the sweep's 10"))
            #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        }
    }
}

/// A config inside the validated ranges that cannot fit in memory is refused before any work (issue 20
/// item 11; before: the process aborted on allocation, and in a sweep the run was retried by every resume).
@Suite("Reliability: configs too large for memory")
struct MemoryLimitTests {
    static let spec = """
        name: huge
        seeds: 1
        trials: 1
        fixed: {dim: 4096, tokens: 1048576, queries: 64}
        grid: {bits: [2, 4]}
        """

    @Test("run, run --dry-run and trial refuse it with the estimate and the limit (exit 2), creating nothing")
    func refused() throws {
        let dir = try TemporaryDirectory()
        let spec = try Kvlab.writeSpec(Self.spec, in: dir.url)
        let db = dir.path("huge.sqlite")
        // 8 × (4 T d + 3 q d + 2 q T + 4 d²) bytes = 139.1 GB.
        let expected = "needs at least 139.1 GB per trial, more than the "
        for arguments in [["run", spec, "--db", db], ["run", spec, "--db", db, "--dry-run"]] {
            let r = try KVLabProcess.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(expected) && r.stderr.contains("of memory this process may use"), "\(r.stderr)")
            #expect(r.stderr.contains("dim 4096, tokens 1048576"), "\(r.stderr)")
            #expect(!Kvlab.crashed(r))
        }
        #expect(!FileManager.default.fileExists(atPath: db))
        let trial = try KVLabProcess.run(["trial", "--dim", "4096", "--tokens", "1048576"])
        #expect(trial.status == 2 && trial.stderr.contains(expected), "\(trial.stderr)")
        // A config that fits still runs.
        #expect(try KVLabProcess.run(["trial", "--dim", "16", "--tokens", "32", "--queries", "4"]).status == 0)
    }
}
