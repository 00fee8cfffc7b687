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
        #expect(TrialConfig.stageOneSwitches.count == 17)
        #expect(SwitchRegistry["outlier_scale"].optionName == "outlier-scale")
    }
}

/// Resolution and identity derived from the registry, checked as properties over random configs.
struct SwitchRegistryPropertyTests {
    /// A config with every switch drawn at random from its allowed values (some combinations do not validate;
    /// resolution does not need them to).
    static func random(_ g: inout SystemRandomNumberGenerator) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = [
            Scheme.KV, .KQV, .QKQV, .pair(key: .turboMSE, value: .turboMSE), .pair(key: .baseline, value: .turboProd),
        ]
        .randomElement(using: &g)!
        c.bits = Int.random(in: 1...8, using: &g)
        c.distribution = Distribution.allCases.randomElement(using: &g)!
        c.rank = Bool.random(using: &g) ? nil : Int.random(in: 1...64, using: &g)
        c.outliers = Int.random(in: 0...2, using: &g)
        c.outlierScale = [3, 10].randomElement(using: &g)!
        c.dim = 64
        c.rotation = RotationKind.allCases.randomElement(using: &g)!
        c.qjl = QJLKind.allCases.randomElement(using: &g)!
        c.codebook = CodebookLaw.allCases.randomElement(using: &g)!
        c.baseline = Baseline.allCases.randomElement(using: &g)!
        switch Int.random(in: 0...2, using: &g) {
        case 1:
            c.source = String(repeating: "a", count: 64)
            c.layer = Int.random(in: 0...3, using: &g)
            c.head = 0
        case 2:
            c.model = String(repeating: "b", count: 64)
            c.text = String(repeating: "c", count: 64)
            c.tokens = 9
            c.positions = Int.random(in: 7...8, using: &g)
            c.layers = Bool.random(using: &g) ? nil : "0-1"
        default: break
        }
        return c
    }

    @Test("resolution is idempotent, keeps the identity, and nulls exactly what does not apply")
    func resolution() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let c = Self.random(&g)
            let r = c.resolved
            #expect(r.resolved == r)
            #expect(r.switchValues.map(\.value) == c.switchValues.map(\.value))
            for s in SwitchRegistry.all {
                #expect((r[switch: s.name] == .null) == (!s.applies(to: c) || s.value(in: c) == .null), "\(s.name)")
                // Setting a switch to its own value changes nothing.
                var copy = r
                try? s.set(s.value(in: r), in: &copy)
                #expect(s.value(in: copy) == s.value(in: r), "\(s.name)")
            }
            // Two configs that differ only in a switch that does not apply resolve to the same config.
            var other = c
            if !SwitchRegistry["qjl"].applies(to: c) { other.qjl = c.qjl == .gaussian ? .hadamard : .gaussian }
            if !SwitchRegistry["distribution"].applies(to: c) { other.distribution = .laplace }
            #expect(other.resolved == r)
        }
    }
}
