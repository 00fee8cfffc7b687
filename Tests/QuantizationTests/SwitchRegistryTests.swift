import Foundation
import Testing

@testable import Quantization

/// The switch registry is the one list of switches: the docs' table, the resolved config and the
/// sweep keys derive from it.
struct SwitchRegistryTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/switches.md").standardized

    @Test("docs/switches.md holds the registry's table (KVLAB_UPDATE_GOLDEN=1 rewrites it)")
    func docsTable() throws {
        let text = try String(contentsOf: Self.docs, encoding: .utf8)
        let marker = "<!-- The table below is generated"
        let head = try #require(text.range(of: marker)).lowerBound
        let intro = text[..<head]
        let lineEnd = try #require(text[head...].firstIndex(of: "\n"))
        let expected = intro + text[head...lineEnd] + "\n" + SwitchRegistry.markdownTable()
        if ProcessInfo.processInfo.environment["KVLAB_UPDATE_GOLDEN"] == "1" {
            try expected.write(to: Self.docs, atomically: true, encoding: .utf8)
        }
        #expect(text == expected, "docs/switches.md is not the registry's table: regenerate it")
    }

    @Test("every switch of a resolved config is declared, and only those")
    func everySwitchDeclared() {
        let names = TrialConfig().resolved.switchValues.map(\.name)
        #expect(names == SwitchRegistry.all.map(\.name))
        #expect(Set(SwitchRegistry.all.map(\.name)).count == SwitchRegistry.all.count)
        #expect(ResolvedConfig.stageOneSwitches.count == 17)
        #expect(SwitchRegistry["outlier_scale"].optionName == "outlier-scale")
    }
}
