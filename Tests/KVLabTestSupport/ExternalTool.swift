import Foundation

/// Programs and devices some tests need beyond kvlab; a test that needs one is enabled only where it is
/// there (`@Test(.enabled(if: ExternalTool.sqlite3 != nil))`).
public enum ExternalTool {
    /// The `sqlite3` shell on the PATH, if installed.
    public static let sqlite3: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("sqlite3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Whether `/dev/full` (a device whose every write fails with ENOSPC) exists.
    public static let hasDevFull = FileManager.default.fileExists(atPath: "/dev/full")
}
