import Foundation
import KVLabTestSupport

/// The spec, SQLite and crash helpers the reliability tests share (processes and temporary directories come
/// from KVLabTestSupport).
enum Kvlab {
    /// A small sweep: 3 schemes × 2 budgets × 2 seeds × `trials` trials of tiny data (fast).
    static func smallSpec(trials: Int = 3, name: String = "rel") -> String {
        """
        name: \(name)
        seeds: 2
        trials: \(trials)
        fixed:
          dim: 32
          tokens: 96
          queries: 8
        grid:
          scheme: [KV, KQV, QKQV]
          bits: [2, 4]
          distribution: [gaussian, t3]
        """
    }

    /// Writes a spec file into a directory and returns its path.
    static func writeSpec(_ text: String, in dir: URL, name: String = "spec.yaml") throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// `PRAGMA integrity_check` through the `sqlite3` shell (independent of kvlab), or through kvlab when the
    /// shell is missing.
    static func integrity(_ db: String) throws -> String {
        if let sqlite3 = ExternalTool.sqlite3 {
            let r = try KVLabProcess.spawn(sqlite3, [db, "PRAGMA integrity_check"])
            return (r.stdout + r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return try KVLabProcess.scalar(db, "PRAGMA integrity_check")
    }

    /// True when stderr shows a crash rather than a handled error.
    static func crashed(_ r: KVLabProcess.Result) -> Bool {
        r.signaled || r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump")
            || r.stderr.contains("Segmentation") || r.stderr.contains("Illegal instruction")
    }
}
