import Foundation

/// The git state of a directory, as provenance records it (the way MLflow records a run's source commit):
/// the HEAD commit of the work tree holding it, and whether its tracked files differ from that commit.
///
/// Found by running `git` as a subprocess with a short timeout. Nothing here ever fails: a directory in no
/// work tree, a repository without commits, a missing `git` or one that does not answer in time give nil.
public struct GitWorkTree: Sendable, Equatable {
    /// The HEAD commit (40 or 64 lowercase hex digits).
    public var commit: String
    /// Whether a tracked file differs from HEAD (staged or not; untracked files do not count), or nil when
    /// `git` could not tell.
    public var isDirty: Bool?

    /// Creates a state.
    public init(commit: String, isDirty: Bool?) {
        self.commit = commit
        self.isDirty = isDirty
    }

    /// The state of the work tree holding `directory`, or nil (see the type's documentation).
    ///
    /// - Parameters:
    ///   - directory: the directory (usually the working directory).
    ///   - timeout: seconds each `git` invocation may take before it is stopped.
    public static func probe(directory: String, timeout: Double = 2) -> GitWorkTree? {
        guard
            let head = run(["rev-parse", "--verify", "--quiet", "HEAD"], in: directory, timeout: timeout),
            head.status == 0
        else { return nil }
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard [40, 64].contains(commit.count), commit.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            return nil
        }
        // `diff --quiet HEAD` exits 1 when a tracked file differs from HEAD; it refreshes the index only in
        // memory (no optional locks), so probing never writes to the repository.
        let diff = run(["diff", "--quiet", "HEAD", "--"], in: directory, timeout: timeout)
        let dirty: Bool? =
            switch diff?.status {
            case 0: false
            case 1: true
            default: nil
            }
        return GitWorkTree(commit: commit, isDirty: dirty)
    }

    /// Runs `git -C directory ARGUMENTS` and returns its exit status and standard output, or nil when it
    /// cannot be started or does not finish within `timeout` seconds (it is then terminated).
    private static func run(_ arguments: [String], in directory: String, timeout: Double) -> (
        status: Int32, output: String
    )? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "--no-optional-locks", "-C", directory] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(2_000) }
        guard !process.isRunning else {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        // The commands used here print at most one line, far below a pipe's buffer, so reading after the
        // exit cannot block the child.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
