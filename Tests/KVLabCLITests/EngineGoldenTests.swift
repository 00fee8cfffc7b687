import Crypto
import Foundation
import KVLabTestSupport
import Testing

/// Pins the engine's numbers: `kvlab trial` must print exactly the JSON of the files in `EngineGolden/`
/// (`cases.txt` lists the arguments). They were made by engine 2 (commit 09f2682, when kvlab's own
/// elementary functions replaced the C library's; engine 1's files, from commit 1606b02, agreed with them to
/// 4.5e-11). Any change to a stored number shows up here and needs a new engine version and new files
/// (`scripts/golden/engine.sh`, which `.ci/run` also uses to check the release build); `manifest.txt`
/// records which engine version made the files, and the second test fails when they change without it.
@Suite("engine golden values")
struct EngineGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("EngineGolden")

    static func cases() throws -> [(name: String, arguments: [String])] {
        let text = try String(contentsOf: directory.appendingPathComponent("cases.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let parts = line.split(separator: "|", maxSplits: 1)
            return (String(parts[0]), parts[1].split(separator: " ").map(String.init))
        }
    }

    /// On both kernel paths (docs/architecture.md "Kernel paths"): the default (AVX2 where the CPU has it)
    /// and the baseline one.
    @Test("kvlab trial prints the pinned metrics bit for bit", arguments: ["auto", "baseline"])
    func pinned(kernels: String) throws {
        let cases = try Self.cases()
        #expect(cases.count >= 8)
        for (name, arguments) in cases {
            let expected = try String(
                contentsOf: Self.directory.appendingPathComponent("\(name).json"), encoding: .utf8)
            let result = try KVLabProcess.run(
                ["trial"] + arguments + ["--format", "json"], environment: ["KVLAB_KERNELS": kernels])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout == expected, "\(name) (\(kernels) kernels): the engine's numbers changed")
        }
    }

    @Test("an unknown KVLAB_KERNELS value is bad input (exit 2) and names the valid ones")
    func unknownKernelPath() throws {
        let result = try KVLabProcess.run(["--version"], environment: ["KVLAB_KERNELS": "sse9"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("KVLAB_KERNELS: unknown kernel path 'sse9'; use baseline, avx2 or auto"))
    }

    @Test("the pinned files are those the manifest names for the running engine version")
    func manifestMatchesEngineVersion() throws {
        let version = try KVLabProcess.run(["--version"])
        let engine = try #require(version.stdout.firstMatch(of: /engine (\d+),/)?.1).description
        var hasher = SHA256()
        for (name, _) in try Self.cases() {
            hasher.update(data: Data((name + "\n").utf8))
            hasher.update(data: try Data(contentsOf: Self.directory.appendingPathComponent("\(name).json")))
        }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let manifest = try String(
            contentsOf: Self.directory.appendingPathComponent("manifest.txt"), encoding: .utf8)
        let entries = manifest.split(separator: "\n").filter { $0.hasPrefix("engine ") }.map {
            $0.split(separator: " ").map(String.init)
        }
        let last = try #require(entries.last)
        #expect(
            last[1] == engine,
            "the engine is version \(engine) but the pinned files are engine \(last[1])'s: regenerate them")
        #expect(
            last[2] == hash,
            "the pinned files changed without a new Engine.version (manifest: \(last[2]), files: \(hash))")
        #expect(Set(entries.map { $0[2] }).count == entries.count, "two engine versions with the same files")
    }
}
