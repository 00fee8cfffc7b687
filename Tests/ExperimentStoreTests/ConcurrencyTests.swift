import Foundation
import GRDB
import Quantization
import Testing

@testable import ExperimentStore

/// Two writers on one file (two pools, as two processes would have) lose nothing and never see
/// "database is locked".
struct ConcurrencyTests {
    @Test func twoWritersLoseNothing() throws {
        let dir = try TempDirectory()
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
