import Foundation
import KVLabTestSupport
import Sweeps
import Testing

/// `SpecSource.load`, in-process: a file, a shipped name, or an error (never the wrong one).
struct SpecSourceTests {
    @Test(
        "a missing file path is missingFile, a bare unknown name unknownName; neither falls back to a shipped sweep",
        arguments: [
            ("/no/such/dir/paper.yaml", true), ("some/dir/smoke.yaml", true), ("sweeps/smoke", true),
            ("nosuch.yaml", true), ("nosuch.json", true), ("nosuch", false),
        ])
    func missing(argument: String, isPath: Bool) {
        #expect(throws: isPath ? SpecSourceError.missingFile(argument) : SpecSourceError.unknownName(argument)) {
            try SpecSource.load(argument)
        }
        let text = String(describing: isPath ? SpecSourceError.missingFile(argument) : .unknownName(argument))
        #expect(text.hasPrefix("no sweep spec") && text.contains("smoke"))
    }

    @Test("a shipped name loads with or without .yaml; an existing file wins over a shipped name")
    func shippedAndFiles() throws {
        for name in ["smoke", "smoke.yaml"] {
            let loaded = try SpecSource.load(name)
            #expect(loaded.spec.name == "smoke")
            #expect(loaded.text == SweepSpec.shippedText(named: "smoke"))
        }
        let dir = try TemporaryDirectory()
        let text = "name: mine\nseeds: 1\ntrials: 1\nfixed: {dim: 16, tokens: 32, queries: 4}\n"
        let path = dir.path("smoke.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try SpecSource.load(path)
        #expect(loaded.spec.name == "mine" && loaded.text == text)
        #expect(throws: SweepSpecError.self) { try SpecSource.load(dir.url.path) }
    }
}
