import Foundation
import GRDB
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// Two writers on one file (two pools, as two processes would have) lose nothing and never see
/// "database is locked".
struct ConcurrencyTests {
    @Test func twoWritersLoseNothing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let perWriter = 150
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            do {
                // Both open the new file at once: migrations must be applied exactly once.
                let store = try Store(path: path)
                let config = sampleConfig(scheme: writer == 0 ? .KQV : .QKQV)
                for i in 0..<perWriter {
                    // Small transactions, interleaved with reads, as a sweep's writer and `kvlab status` do.
                    try store.recordTrial(
                        config: config, seed: 1 + i / 10, trial: i % 10, metrics: sampleMetrics(trial: i))
                    if i % 25 == 0 {
                        _ = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM trials_wide") }
                    }
                }
                try store.close()
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let store = try Store(path: path, mode: .readOnly)
        #expect(try store.execute(sql: "SELECT count(*) FROM trials").rows == [[.integer(Int64(2 * perWriter))]])
        #expect(try store.execute(sql: "SELECT count(*) FROM runs WHERE state = 'done'").rows == [[.integer(30)]])
        #expect(try store.appliedMigrations().count == Migration.all.count)
    }
}

/// Two real processes writing one file at once. The parent runs this test binary twice more, each child
/// running only ``childWriter()`` (enabled by `KVLAB_STORE_CHILD_DB`). Linux only: there the test binary is
/// an executable that accepts `--testing-library swift-testing --filter`.
struct ProcessConcurrencyTests {
    static let childDatabase = ProcessInfo.processInfo.environment["KVLAB_STORE_CHILD_DB"]
    static let perChild = 120

    /// The test executable, when it can be re-run as a child.
    static var testExecutable: String? {
        #if os(Linux)
            let path = ProcessInfo.processInfo.arguments.first ?? ""
            return path.hasSuffix(".xctest") && FileManager.default.isExecutableFile(atPath: path) ? path : nil
        #else
            return nil
        #endif
    }

    @Test(.enabled(if: testExecutable != nil && childDatabase == nil))
    func twoProcessesLoseNothing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        var children: [(Process, String)] = []
        for child in 0..<2 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(Self.testExecutable))
            process.arguments = [
                "--testing-library", "swift-testing", "--filter", "ProcessConcurrencyTests/childWriter",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["KVLAB_STORE_CHILD_DB"] = path
            environment["KVLAB_STORE_CHILD_ID"] = String(child)
            process.environment = environment
            let log = dir.path("child-\(child).log")
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            children.append((process, log))
        }
        for (process, _) in children { try process.run() }
        for (process, log) in children {
            process.waitUntilExit()
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(process.terminationStatus == 0, "child failed:\n\(output)")
            #expect(output.contains("childWriter()") && !output.contains("skipped"), "child did not run:\n\(output)")
            #expect(!output.contains("locked"), "\(output)")
        }
        let store = try Store(path: path, mode: .readOnly)
        #expect(try store.execute(sql: "SELECT count(*) FROM trials").rows == [[.integer(Int64(2 * Self.perChild))]])
        #expect(try store.execute(sql: "SELECT count(DISTINCT config_hash) FROM runs").rows == [[.integer(2)]])
        #expect(try store.appliedMigrations().count == Migration.all.count)
    }

    /// One child's writes: each trial in its own transaction, with reads in between.
    @Test(.enabled(if: childDatabase != nil))
    func childWriter() throws {
        let path = try #require(Self.childDatabase)
        let child = Int(ProcessInfo.processInfo.environment["KVLAB_STORE_CHILD_ID"] ?? "0") ?? 0
        let store = try Store(path: path)
        let config = sampleConfig(scheme: child == 0 ? .KV : .QKQV, bits: 3)
        for i in 0..<Self.perChild {
            try store.recordTrial(config: config, seed: 1 + i / 6, trial: i % 6, metrics: sampleMetrics(trial: i))
            if i % 20 == 0 {
                _ = try store.execute(sql: "SELECT count(*) FROM trials_wide")
            }
        }
        try store.close()
    }
}

/// A minimal lock-protected value for collecting results across threads.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    /// Wraps a value.
    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
