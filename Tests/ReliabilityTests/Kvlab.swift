import Foundation
import Testing

/// Runs the built `kvlab` binary for the reliability tests (a minimal copy of KVLabCLITests' helper: test
/// targets cannot import each other), plus the shell, SQLite and file helpers the fault tests share.
enum Kvlab {
    /// Exit status, stdout and stderr of one process.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process died of a signal (a crash, or a kill).
        var signaled = false
    }

    /// The `kvlab` executable built alongside the tests.
    static var executable: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("kvlab").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("kvlab")
    }

    /// Runs `kvlab` with arguments and waits for it.
    static func run(_ arguments: [String]) throws -> Result {
        try spawn(executable, arguments)
    }

    /// Runs a bash script with `$KVLAB` set to the binary (e.g. to set a `ulimit` first); `arguments` are
    /// its `$0`, `$1`…
    static func bash(_ script: String, _ arguments: String...) throws -> Result {
        try spawn(
            URL(fileURLWithPath: "/bin/bash"), ["-c", script] + arguments, environment: ["KVLAB": executable.path])
    }

    /// Runs an executable with arguments and waits for it.
    static func spawn(_ url: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KVLAB_DB")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read stderr on another thread so neither pipe can fill up and block the child.
        let errBox = DataBox()
        let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errBox.isDone { Thread.sleep(forTimeInterval: 0.005) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self),
            signaled: process.terminationReason == .uncaughtSignal)
    }

    /// Starts `kvlab` in the background with its output discarded.
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kvlab-rel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

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

    /// Every stored value of every trial of a database as JSON lines, without run ids (which depend on
    /// planning order): equal dumps mean bit-identical results.
    static func dump(_ db: String) throws -> String {
        let r = try run([
            "sql", "--db", db, "--format", "json", "SELECT * FROM trials_wide ORDER BY config_hash, seed, trial",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map { $0.replacing(/"run_id":\d+,?/, with: "") }.joined(separator: "\n")
    }

    /// One value of a read-only query through `kvlab sql` (CSV, last line).
    static func scalar(_ db: String, _ sql: String) throws -> String {
        let r = try run(["sql", "--db", db, "--format", "csv", sql])
        #expect(r.status == 0, "\(r.stderr)")
        return String(r.stdout.split(separator: "\n").last ?? "")
    }

    /// The rows of a read-only query through `kvlab sql --format json`.
    static func rows(_ db: String, _ sql: String) throws -> [[String: Any]] {
        let r = try run(["sql", "--db", db, "--format", "json", sql])
        #expect(r.status == 0, "\(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    /// `PRAGMA integrity_check` through the `sqlite3` shell (independent of kvlab), or through kvlab when the
    /// shell is missing.
    static func integrity(_ db: String) throws -> String {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            let r = try spawn(URL(fileURLWithPath: "/usr/bin/sqlite3"), [db, "PRAGMA integrity_check"])
            return (r.stdout + r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return try scalar(db, "PRAGMA integrity_check")
    }

    /// True when stderr shows a crash rather than a handled error.
    static func crashed(_ r: Result) -> Bool {
        r.signaled || r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump")
            || r.stderr.contains("Segmentation") || r.stderr.contains("Illegal instruction")
    }
}

/// Data written by a reader thread (`@unchecked Sendable`: written once before `isDone` is set).
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()
    private var done = false

    var data: Data {
        get { lock.withLock { stored } }
        set {
            lock.withLock {
                stored = newValue
                done = true
            }
        }
    }

    var isDone: Bool { lock.withLock { done } }
}
