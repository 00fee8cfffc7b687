import Foundation
import KVLabTestSupport
import Synchronization
import Testing

/// A `kvlab` process whose stderr is collected as it is written, to wait for a line before signalling it.
final class WatchedProcess: Sendable {
    let process: Process
    private let collected = Mutex(Data())
    private let finished = Atomic<Bool>(false)

    /// Starts `kvlab` with stdout discarded and stderr collected.
    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = KVLabProcess.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KVLAB_DB")
        process.environment = env
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        self.process = process
        try process.run()
        let handle = err.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                collected.withLock { $0.append(chunk) }
            }
            finished.store(true, ordering: .releasing)
        }.start()
    }

    /// Everything written to stderr so far.
    var stderr: String { collected.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits until stderr contains `text`; false after `timeout` seconds.
    func waitFor(_ text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stderr.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return stderr.contains(text)
    }

    /// Waits for the process to exit; false (still running) after `timeout` seconds.
    func waitForExit(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else { return false }
        process.waitUntilExit()
        while !finished.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.005) }
        return true
    }

    /// Kills the process if it still runs (cleanup after a failed expectation).
    func killIfRunning() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Ctrl-C while every worker is busy (issue 20 item 13): the signal handler ran on the Dispatch queue the
/// workers filled, so the first signal was acknowledged only when a unit finished (seconds to minutes) and a
/// second signal did not abort. No tight timing: a unit here takes far longer (a minute or more) than the
/// generous bounds the test waits.
@Suite("kvlab run: signals while workers are busy", .serialized)
struct SignalTests {
    /// Units of 6 configs × 256 queries × 65536 tokens × dim 128: each takes a minute or more.
    static let busySpec = """
        name: busy
        seeds: 2
        trials: 2
        fixed:
          dim: 128
          tokens: 65536
          queries: 256
        grid:
          scheme: [KV, KQV, QKQV]
          bits: [2, 3]
        """

    @Test("SIGINT while every worker is busy is acknowledged at once; a second exits 130 at once; verify is clean")
    func interruptWhileBusy() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("busy.yaml")
        try Self.busySpec.write(to: specURL, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("busy.sqlite")
        let watched = try WatchedProcess(["run", specURL.path, "--db", db.path, "--jobs", "2"])
        defer { watched.killIfRunning() }
        try #require(watched.waitFor("runs to compute", timeout: 60), "\(watched.stderr)")
        Thread.sleep(forTimeInterval: 1)  // let both workers start their first unit
        kill(watched.process.processIdentifier, SIGINT)
        #expect(
            watched.waitFor("stopping after the current work", timeout: 20),
            "the first SIGINT was not acknowledged while the workers were busy: \(watched.stderr)")
        #expect(watched.process.isRunning, "a unit finished unexpectedly soon: the test no longer keeps workers busy")
        kill(watched.process.processIdentifier, SIGINT)
        #expect(watched.waitForExit(timeout: 20), "a second SIGINT did not abort: \(watched.stderr)")
        guard !watched.process.isRunning else { return }
        #expect(watched.process.terminationReason == .exit)
        #expect(watched.process.terminationStatus == 130, "\(watched.stderr)")
        // Every commit is a transaction: whatever the abort interrupted, the database is consistent.
        let verify = try KVLabProcess.run(["verify", "--db", db.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("SIGTERM while every worker is busy is acknowledged at once; a second SIGTERM exits 143")
    func terminateWhileBusy() throws {
        let dir = try TemporaryDirectory.create()
        let specURL = dir.appendingPathComponent("busy.yaml")
        try Self.busySpec.write(to: specURL, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("busy.sqlite")
        let watched = try WatchedProcess(["run", specURL.path, "--db", db.path, "--jobs", "2"])
        defer { watched.killIfRunning() }
        try #require(watched.waitFor("runs to compute", timeout: 60), "\(watched.stderr)")
        Thread.sleep(forTimeInterval: 1)
        kill(watched.process.processIdentifier, SIGTERM)
        #expect(watched.waitFor("stopping after the current work", timeout: 20), "\(watched.stderr)")
        kill(watched.process.processIdentifier, SIGTERM)
        #expect(watched.waitForExit(timeout: 20), "a second SIGTERM did not abort: \(watched.stderr)")
        guard !watched.process.isRunning else { return }
        #expect(watched.process.terminationStatus == 143, "\(watched.stderr)")
        #expect(try KVLabProcess.run(["verify", "--db", db.path]).status == 0)
    }
}

/// A stop while a million-run spec is planned (issue 20 item 14): planning polls the signal flag, so SIGTERM
/// exits promptly, the plan's transaction rolls back (nothing half-written), and a re-run plans and starts.
@Suite("kvlab run: signals while planning", .serialized)
struct PlanningSignalTests {
    /// 10,000 configs × 100 seeds = 1,000,000 runs (the largest plan a spec may have), 1 trial each.
    static let hugeSpec = HugeGrid.spec(
        name: "huge-plan", seeds: 100, trials: 1, fixed: "{dim: 16, tokens: 32, queries: 4}")

    @Test("SIGTERM while planning 1,000,000 runs exits 143 at once with nothing of the plan written; a re-run plans")
    func terminateWhilePlanning() throws {
        let dir = try TemporaryDirectory.create()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("huge.yaml")
        try Self.hugeSpec.write(to: spec, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("huge.sqlite").path
        let watched = try WatchedProcess(["run", spec.path, "--db", db, "--jobs", "1"])
        defer { watched.killIfRunning() }
        try #require(watched.waitFor("planning 1000000 runs", timeout: 120), "\(watched.stderr)")
        Thread.sleep(forTimeInterval: 0.3)
        let signalled = Date()
        kill(watched.process.processIdentifier, SIGTERM)
        #expect(watched.waitForExit(timeout: 30), "SIGTERM during planning was not acted on: \(watched.stderr)")
        let stopped = Date().timeIntervalSince(signalled)
        guard !watched.process.isRunning else { return }
        #expect(watched.process.terminationStatus == 143, "\(watched.stderr)")
        #expect(
            watched.stderr.contains("stopped while planning; nothing of this plan was written"), "\(watched.stderr)")
        // The database opens, verifies clean, and holds nothing of the plan (its provenance row included).
        #expect(try KVLabProcess.run(["verify", "--db", db]).status == 0)
        #expect(
            try KVLabProcess.scalar(
                db,
                "SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM sweeps) + (SELECT count(*) FROM provenance)"
            )
                == "0")

        // A re-run plans the whole sweep and starts computing; stopped again, everything planned is kept.
        let again = try WatchedProcess(["run", spec.path, "--db", db, "--jobs", "1"])
        defer { again.killIfRunning() }
        let start = Date()
        try #require(again.waitFor("runs to compute", timeout: 600), "\(again.stderr)")
        let planned = Date().timeIntervalSince(start)
        kill(again.process.processIdentifier, SIGTERM)
        #expect(again.waitForExit(timeout: 60), "\(again.stderr)")
        guard !again.process.isRunning else { return }
        #expect(again.process.terminationStatus == 143, "\(again.stderr)")
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM runs") == "1000000")
        #expect(try KVLabProcess.scalar(db, "SELECT count(*) FROM sweep_runs") == "1000000")
        print("planning 1,000,000 runs: SIGTERM acted on in \(stopped) s; a re-run planned and started in \(planned) s")
    }
}
