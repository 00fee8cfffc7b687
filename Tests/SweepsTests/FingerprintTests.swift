import Foundation
import Sweeps
import Testing

@Suite("Spec fingerprints")
struct FingerprintTests {
    static let base = """
        name: f
        seeds: 3
        trials: 4
        fixed: {dim: 32}
        grid:
          scheme: [KV, KQV]
          bits: [2, 4]
        """

    @Test("fingerprints are 64 hex digits and stable across parses")
    func shape() throws {
        let a = try TestSupport.spec(Self.base)
        let b = try TestSupport.spec(Self.base)
        #expect(a.fingerprint == b.fingerprint && a.planFingerprint == b.planFingerprint)
        #expect(a.fingerprint.count == 64 && a.fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(a.fingerprint != a.planFingerprint)
    }

    @Test("the shipped specs' plan fingerprints are distinct")
    func shippedDistinct() throws {
        let prints = try SweepSpec.shippedNames.map {
            try SweepSpec.shipped(named: $0, datasets: ShippedSpecTests.smollm2).planFingerprint
        }
        #expect(Set(prints).count == prints.count)
    }

    @Test("writing the same plan differently keeps both fingerprints")
    func sameContent() throws {
        let a = try TestSupport.spec(Self.base)
        let reordered = """
            # a comment
            trials: 4
            name: other-name
            seeds: [3, 1, 2]
            fixed: {dim: 32, rotation: wht3, norms: f32}
            grid:
              bits: [4, 2]
              scheme: [KQV, KV]
            """
        let b = try TestSupport.spec(reordered)
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.planFingerprint == b.planFingerprint)
        #expect(a.configs != b.configs)  // same set, other order
        #expect(Set(a.configs) == Set(b.configs))
    }

    @Test("raising trials changes only the full fingerprint; other changes change both")
    func changes() throws {
        let a = try TestSupport.spec(Self.base)
        let moreTrials = try TestSupport.spec(Self.base.replacingOccurrences(of: "trials: 4", with: "trials: 8"))
        #expect(moreTrials.planFingerprint == a.planFingerprint)
        #expect(moreTrials.fingerprint != a.fingerprint)
        let edits = [
            ("seeds: 3", "seeds: 4"), ("dim: 32", "dim: 64"), ("bits: [2, 4]", "bits: [2, 3]"),
            ("scheme: [KV, KQV]", "scheme: [KV, QKQV]"), ("fixed: {dim: 32}", "fixed: {dim: 32, noise: 0.2}"),
        ]
        for (old, new) in edits {
            let changed = try TestSupport.spec(Self.base.replacingOccurrences(of: old, with: new))
            #expect(changed.planFingerprint != a.planFingerprint, "\(new)")
            #expect(changed.fingerprint != a.fingerprint, "\(new)")
        }
    }

    @Test("a non-applicable switch does not change the fingerprint")
    func nonApplicable() throws {
        let kv = "name: k\nseeds: 1\nfixed: {scheme: KV}\n"
        let a = try TestSupport.spec(kv)
        let b = try TestSupport.spec(kv.replacingOccurrences(of: "{scheme: KV}", with: "{scheme: KV, qjl: hadamard}"))
        #expect(a.fingerprint == b.fingerprint)
    }
}
