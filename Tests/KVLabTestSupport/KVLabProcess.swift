import Foundation

/// Runs the built `kvlab` binary (or another program) and captures its output: the one process runner of
/// every test target.
public enum KVLabProcess {
    /// Exit status, stdout and stderr of one process.
    public struct Result: Sendable {
        /// The exit status (the signal number when ``signaled``).
        public var status: Int32
        /// Everything written to stdout, as UTF-8.
        public var stdout: String
        /// Everything written to stderr, as UTF-8.
        public var stderr: String
        /// True when the process died of a signal (a crash, or a kill).
        public var signaled = false
    }

    /// A command that was expected to succeed exited with another status.
    public struct Failure: Error, CustomStringConvertible {
        /// The arguments it ran with.
        public var arguments: [String]
        /// What it did.
        public var result: Result

        /// The arguments, the exit status and stderr.
        public var description: String {
            "kvlab \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)"
        }
    }

    /// The `kvlab` executable built beside the test bundle (`<build>/kvlabPackageTests.xctest`): the test
    /// targets that run it depend on the `kvlab` target, so it is always built with them.
    public static var executable: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("kvlab").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("kvlab")
    }

    /// Runs `kvlab` and waits for it.
    ///
    /// - Parameters:
    ///   - arguments: the command line after `kvlab`.
    ///   - directory: the working directory (default: the test's).
    ///   - environment: variables to set on top of the test's environment (`KVLAB_DB` is always removed).
    ///   - input: text for stdin (default: none, stdin at end of file).
    public static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], input: String? = nil
    ) throws -> Result {
        try spawn(executable, arguments, in: directory, environment: environment, input: input)
    }

    /// Runs `kvlab` and returns its stdout, throwing ``Failure`` unless it exits 0.
    public static func output(_ arguments: [String]) throws -> String {
        let result = try run(arguments)
        guard result.status == 0 else { throw Failure(arguments: arguments, result: result) }
        return result.stdout
    }

    /// Runs a bash script with `$KVLAB` set to the binary (e.g. to set a `ulimit` first); `arguments` are
    /// its `$0`, `$1`…
    public static func bash(_ script: String, _ arguments: String...) throws -> Result {
        try spawn(
            URL(fileURLWithPath: "/bin/bash"), ["-c", script] + arguments, environment: ["KVLAB": executable.path])
    }

    /// Runs an executable and waits for it; stdout and stderr are read concurrently, so neither pipe can
    /// fill up and block the child.
    ///
    /// - Parameters:
    ///   - url: the program.
    ///   - arguments: its arguments.
    ///   - directory: the working directory (default: the test's).
    ///   - environment: variables to set on top of the test's environment (`KVLAB_DB` is always removed).
    ///   - input: text for stdin (default: none, stdin at end of file).
    public static func spawn(
        _ url: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        input: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KVLAB_DB")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try inp.fileHandleForWriting.close()
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

    /// Starts `kvlab` in the background with its output discarded (to kill it at some moment).
    public static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "KVLAB_DB")
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Every stored value of every trial of a database (`trials_wide` as JSON lines, ordered by config,
    /// seed and trial) without run ids, which depend on planning order: equal dumps mean bit-identical
    /// results.
    ///
    /// - Throws: ``Failure`` when `kvlab sql` fails.
    public static func dump(_ db: String) throws -> String {
        let text = try output([
            "sql", "--db", db, "--format", "json", "SELECT * FROM trials_wide ORDER BY config_hash, seed, trial",
        ])
        return text.split(separator: "\n").map { $0.replacing(/"run_id":\d+,?/, with: "") }.joined(separator: "\n")
    }

    /// One value of a read-only query through `kvlab sql` (CSV, last line).
    ///
    /// - Throws: ``Failure`` when `kvlab sql` fails.
    public static func scalar(_ db: String, _ sql: String) throws -> String {
        String(try output(["sql", "--db", db, "--format", "csv", sql]).split(separator: "\n").last ?? "")
    }

    /// The rows of a read-only query through `kvlab sql --format json`.
    ///
    /// - Throws: ``Failure`` when `kvlab sql` fails.
    public static func rows(_ db: String, _ sql: String) throws -> [[String: Any]] {
        let text = try output(["sql", "--db", db, "--format", "json", sql])
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]) ?? []
    }
}

/// Data written by a reader thread (`@unchecked Sendable`: every access holds the lock).
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
