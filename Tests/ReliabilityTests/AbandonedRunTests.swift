import ExperimentStore
import Foundation
import KVLabTestSupport
import Testing

/// A run whose process keeps dying while computing it (as when the kernel kills it for memory) is failed
/// after three claims instead of being leased forever.
@Suite("Reliability: a run that keeps killing its process", .serialized)
struct AbandonedRunTests {
    /// One run of one long trial (N = 16384 tokens, 512 queries: a few tenths of a second with the AVX2
    /// kernels, where N = 4096 and 64 queries could end between two polls): nothing of it is stored before
    /// the trial ends.
    static let spec = """
        name: heavy
        seeds: 1
        trials: 1
        fixed: {tokens: 16384, queries: 512}
        grid: {bits: [2]}
        """

    /// Waits until process `pid` has begun computing a run of the database, its attempt `attempt`
    /// (at most 60 s).
    static func waitForAttempt(_ db: String, pid: Int32, attempt: Int) throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: db), let store = try? Store(path: db, mode: .readOnly),
                let result = try? store.execute(
                    sql: """
                        SELECT count(*) FROM runs WHERE state = 'running' AND lease_pid = \(pid)
                        AND attempts = \(attempt)
                        """),
                result.rows.first?.first == .integer(1)
            {
                return true
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    @Test("killed -9 three times while computing: the next `kvlab run` fails the run with the reason (exit 3)")
    func killedThreeTimes() throws {
        let dir = try TemporaryDirectory()
        let specPath = dir.path("heavy.yaml")
        try Self.spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        let db = dir.path("heavy.sqlite")
        for attempt in 1...3 {
            let process = try KVLabProcess.start(["run", specPath, "--db", db, "--quiet", "--jobs", "1"])
            let begun = try Self.waitForAttempt(db, pid: process.processIdentifier, attempt: attempt)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(begun, "attempt \(attempt): the run was never begun")
        }
        #expect(
            try KVLabProcess.scalar(db, "SELECT attempts || ' ' || (SELECT count(*) FROM trials) FROM runs") == "3 0")
        let r = try KVLabProcess.run(["run", specPath, "--db", db])
        #expect(r.status == 3, "\(r.stderr)")
        let reason = "claimed 3 times without finishing; the process may be running out of memory"
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(!Kvlab.crashed(r))
        let status = try KVLabProcess.run(["status", "--db", db, "--format", "csv"])
        #expect(status.stdout.contains(reason))
        #expect(try KVLabProcess.run(["retry", "--db", db]).status == 0)
        #expect(try KVLabProcess.scalar(db, "SELECT state || ' ' || attempts FROM runs") == "pending 0")
    }
}
