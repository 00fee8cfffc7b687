import Foundation
import Quantization

/// Who wrote to the database: one `provenance` row per writing process. Never part of an identity.
public struct Provenance: Sendable, Equatable {
    /// The kvlab release.
    public var kvlabVersion: String
    /// ``Engine/version``.
    public var engineVersion: Int
    /// The git commit kvlab was built from, if known.
    public var gitCommit: String?
    /// The Swift compiler version kvlab was built with.
    public var swiftVersion: String
    /// Operating system name and version.
    public var os: String
    /// CPU architecture.
    public var arch: String
    /// Host name.
    public var host: String
    /// Process id.
    public var pid: Int
    /// The command line, if useful.
    public var command: String?
    /// When the process started writing (Unix epoch seconds).
    public var startedAt: Double
    /// The process's working directory, if recorded.
    public var workDir: String?
    /// The git state of the work tree holding ``workDir`` (nil: none, or `git` could not tell).
    public var workTree: GitWorkTree?

    /// Creates a provenance record.
    public init(
        kvlabVersion: String, engineVersion: Int, gitCommit: String?, swiftVersion: String, os: String,
        arch: String, host: String, pid: Int, command: String?, startedAt: Double, workDir: String? = nil,
        workTree: GitWorkTree? = nil
    ) {
        self.kvlabVersion = kvlabVersion
        self.engineVersion = engineVersion
        self.gitCommit = gitCommit
        self.swiftVersion = swiftVersion
        self.os = os
        self.arch = arch
        self.host = host
        self.pid = pid
        self.command = command
        self.startedAt = startedAt
        self.workDir = workDir
        self.workTree = workTree
    }

    /// The provenance of the running process, with the git state of its working directory
    /// (``GitWorkTree/probe(directory:timeout:)``).
    ///
    /// - Parameters:
    ///   - kvlabVersion: the kvlab release (the CLI knows it).
    ///   - gitCommit: the commit kvlab was built from, if known (default: `$KVLAB_GIT_COMMIT`, else nil).
    ///   - command: the command line, if wanted.
    public static func current(
        kvlabVersion: String, gitCommit: String? = ProcessInfo.processInfo.environment["KVLAB_GIT_COMMIT"],
        command: String? = nil
    ) -> Provenance {
        let info = ProcessInfo.processInfo
        let workDir = FileManager.default.currentDirectoryPath
        return Provenance(
            kvlabVersion: kvlabVersion, engineVersion: Engine.version, gitCommit: gitCommit,
            swiftVersion: compilerVersion, os: "\(osName) \(info.operatingSystemVersionString)",
            arch: archName + (mathLibraryVariant(environment: info.environment).map { "; glibc libm: \($0)" } ?? ""),
            host: info.hostName, pid: Int(info.processIdentifier), command: command, startedAt: Store.now(),
            workDir: workDir, workTree: GitWorkTree.probe(directory: workDir))
    }

    /// The compiler version, to the minor release.
    static var compilerVersion: String {
        #if compiler(>=7.0)
            return "7.0 or later"
        #elseif compiler(>=6.4)
            return "6.4"
        #elseif compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1)
            return "6.1"
        #else
            return "6.0"
        #endif
    }

    /// The operating system family.
    static var osName: String {
        #if os(Linux)
            return "Linux"
        #elseif os(macOS)
            return "macOS"
        #elseif os(Windows)
            return "Windows"
        #else
            return "unknown"
        #endif
    }

    /// Which code path glibc's math library takes on this machine (x86-64 Linux), or nil elsewhere.
    ///
    /// glibc picks, when the program starts, variants of exp, log, sin, cos, … by CPU: "fma" (FMA and
    /// AVX2), "fma4", or "no fma" (the SSE2 and AVX variants, which compute the same). The variants can
    /// differ in the last bit. Engine version 1 used them, so its numbers differed between machines with
    /// different variants; since version 2 kvlab computes these functions itself and no stored number
    /// depends on the variant (SQL that calls SQLite's own math functions still does). The choice
    /// follows the CPU flags, unless `GLIBC_TUNABLES` turns FMA or AVX2 off.
    ///
    /// - Parameters:
    ///   - environment: the process environment (for `GLIBC_TUNABLES`).
    ///   - cpuFlags: the CPU flags (default: the `flags` line of /proc/cpuinfo).
    static func mathLibraryVariant(environment: [String: String], cpuFlags: Set<String>? = nil) -> String? {
        #if os(Linux) && arch(x86_64)
            guard let flags = cpuFlags ?? cpuInfoFlags() else { return nil }
            let hwcaps =
                (environment["GLIBC_TUNABLES"] ?? "").split(separator: ":")
                .first { $0.hasPrefix("glibc.cpu.hwcaps=") }
                .map { $0.dropFirst("glibc.cpu.hwcaps=".count).split(separator: ",").map(String.init) } ?? []
            func usable(_ flag: String, _ feature: String) -> Bool {
                flags.contains(flag) && !hwcaps.contains("-" + feature)
            }
            if usable("fma", "FMA") && usable("avx2", "AVX2") { return "fma" }
            if usable("fma4", "FMA4") { return "fma4" }
            return "no fma"
        #else
            return nil
        #endif
    }

    /// The CPU flags of the first processor in /proc/cpuinfo, or nil when it cannot be read.
    static func cpuInfoFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The CPU architecture.
    static var archName: String {
        #if arch(x86_64)
            return "x86_64"
        #elseif arch(arm64)
            return "arm64"
        #else
            return "unknown"
        #endif
    }
}
