import Foundation
import Testing

/// Pins the engine's numbers: `kvlab trial` must print exactly the JSON that engine 1 printed when these
/// files were made (`EngineGolden/cases.txt` lists the arguments; the files come from commit 1606b02, a
/// debug build, before the kernels were reworked for speed). Any change to a stored number shows up here
/// and needs a new engine version and new files (see `scripts/golden/engine.sh`, which `.ci/run` also
/// uses to check the release build).
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

    @Test("kvlab trial prints the pinned metrics bit for bit")
    func pinned() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 8)
        for (name, arguments) in cases {
            let expected = try String(
                contentsOf: Self.directory.appendingPathComponent("\(name).json"), encoding: .utf8)
            let result = try KVLabProcess.run(["trial"] + arguments + ["--format", "json"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout == expected, "\(name): the engine's numbers changed")
        }
    }
}
