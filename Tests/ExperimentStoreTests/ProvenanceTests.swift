import Foundation
import GRDB
import KVLabTestSupport
import Testing

@testable import ExperimentStore

/// The math-library variant recorded with every writing process (provenance.arch).
@Suite("provenance: glibc math-library variant")
struct ProvenanceTests {
    #if os(Linux) && arch(x86_64)
        @Test("the variant follows the CPU flags and GLIBC_TUNABLES' hwcaps")
        func variant() {
            let modern: Set<String> = ["sse2", "avx", "avx2", "fma"]
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: modern) == "fma")
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: ["sse2", "avx", "fma"]) == "no fma")
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: ["sse2", "avx", "fma4"]) == "fma4")
            #expect(Provenance.mathLibraryVariant(environment: [:], cpuFlags: ["sse2"]) == "no fma")
            let off = ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.cpu.hwcaps=-AVX2,-FMA"]
            #expect(Provenance.mathLibraryVariant(environment: off, cpuFlags: modern) == "no fma")
            let other = ["GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F"]
            #expect(Provenance.mathLibraryVariant(environment: other, cpuFlags: modern) == "fma")
        }

        @Test("this machine's provenance names its variant after the architecture")
        func current() throws {
            let flags = try #require(Provenance.cpuInfoFlags())
            #expect(flags.contains("sse2"))
            let arch = Provenance.current(kvlabVersion: "test").arch
            let environment = ProcessInfo.processInfo.environment
            let expected = try #require(Provenance.mathLibraryVariant(environment: environment, cpuFlags: flags))
            #expect(arch == "x86_64; glibc libm: \(expected)")
        }
    #endif
}

/// The git state of the working directory and the per-row checksum (issue 19 item 7, issue 20 item 4).
@Suite("provenance: working directory's git state and row checksums")
struct ProvenanceRecordTests {
    /// Runs git in a directory and returns its trimmed stdout.
    @discardableResult
    static func git(_ arguments: [String], in dir: URL) throws -> String {
        let r = try KVLabProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", dir.path] + arguments)
        #expect(r.status == 0, "git \(arguments): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("the HEAD commit and dirty flag of the directory's work tree; nil outside one")
    func workTree() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/git") else { return }
        let dir = try TemporaryDirectory()
        #expect(GitWorkTree.probe(directory: dir.url.path) == nil)
        try Self.git(["init", "-q"], in: dir.url)
        #expect(GitWorkTree.probe(directory: dir.url.path) == nil)  // no commit yet
        try "a\n".write(to: dir.url.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        try Self.git(["add", "file.txt"], in: dir.url)
        try Self.git(["commit", "-q", "-m", "first"], in: dir.url)
        let head = try Self.git(["rev-parse", "HEAD"], in: dir.url)
        #expect(GitWorkTree.probe(directory: dir.url.path) == GitWorkTree(commit: head, isDirty: false))
        // An untracked file (a database, say) is not a change of the code.
        try "x".write(to: dir.url.appendingPathComponent("kvlab.sqlite"), atomically: true, encoding: .utf8)
        let sub = dir.url.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        #expect(GitWorkTree.probe(directory: sub.path) == GitWorkTree(commit: head, isDirty: false))
        try "b\n".write(to: dir.url.appendingPathComponent("file.txt"), atomically: true, encoding: .utf8)
        #expect(GitWorkTree.probe(directory: dir.url.path) == GitWorkTree(commit: head, isDirty: true))
        #expect(GitWorkTree.probe(directory: dir.url.appendingPathComponent("missing").path) == nil)
    }

    @Test("the checksum is SHA-256 of the row's canonical JSON (value from Python's json and hashlib)")
    func checksum() throws {
        let values: [DatabaseValue] = [
            "0.1".databaseValue, 2.databaseValue, .null, "6.3".databaseValue, "Linux x".databaseValue,
            "x86_64".databaseValue, "h\"ost".databaseValue, 42.databaseValue, "kvlab run".databaseValue,
            1_700_000_000.5.databaseValue, "/w".databaseValue, String(repeating: "a", count: 40).databaseValue,
            1.databaseValue,
        ]
        // json.dumps({k: v for k, v in row.items() if v is not None}, sort_keys=True, separators=(",", ":"),
        // ensure_ascii=False), then hashlib.sha256(text.encode()).hexdigest().
        #expect(
            Store.provenanceChecksum(values) == "ed32990dff30829c2fabe95e092bea778a7fa876844d884ee00d7599e322ce5a")
        var blob = values
        blob[6] = Data([1]).databaseValue
        #expect(Store.provenanceChecksum(blob) == nil)
    }

    @Test("a recorded row carries its checksum and the git state; verify checks it and counts rows without one")
    func recordedRow() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path(), mode: .readWrite)
        var provenance = Provenance.current(kvlabVersion: "test", gitCommit: "built")
        provenance.workDir = "/somewhere"
        provenance.workTree = GitWorkTree(commit: String(repeating: "b", count: 40), isDirty: true)
        let id = try store.recordProvenance(provenance)
        let row = try #require(
            try store.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT git_commit, work_dir, work_git_commit, work_git_dirty, checksum FROM provenance")
            })
        #expect(row[0] == "built" && row[1] == "/somewhere" && row[2] == String(repeating: "b", count: 40))
        #expect(row[3] == 1 && (row[4] as String?)?.count == 64)
        #expect(try store.verify()["provenance"] == VerificationCheck(name: "provenance", checked: 1))

        try store.write { db in
            try db.execute(sql: "UPDATE provenance SET host = 'elsewhere' WHERE id = ?", arguments: [id])
        }
        let damaged = try #require(try store.verify()["provenance"])
        #expect(damaged.problemCount == 1)
        #expect(
            damaged.details.first?.hasPrefix("provenance row \(id): its content does not match its checksum") == true)

        try store.write { db in try db.execute(sql: "UPDATE provenance SET checksum = NULL") }
        #expect(try store.verify()["provenance"] == VerificationCheck(name: "provenance", checked: 0, unchecked: 1))
    }
}
