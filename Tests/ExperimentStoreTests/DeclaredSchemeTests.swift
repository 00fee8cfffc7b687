import Foundation
import KVLabTestSupport
import Quantization
import Testing

@testable import ExperimentStore

/// Schemes as declarations: identity by recipe pair, resolution by recipes, names bound in the store.
struct DeclaredSchemeTests {
    /// A default config with another scheme.
    static func config(_ scheme: Scheme) -> TrialConfig {
        var c = TrialConfig()
        c.scheme = scheme
        return c.resolved
    }

    @Test("a declared scheme's hash holds its recipes, not its name (vectors computed with Python)")
    func hashHoldsRecipes() throws {
        let mse2 = try Scheme(declaring: "MSE2", key: .turboMSE, value: .turboMSE)
        let declared = Self.config(mse2)
        #expect(
            try declared.canonicalJSON()
                == #"{"bits":4,"codebook":"beta","dim":128,"distribution":"gaussian","key_recipe":"mse","#
                + #""logit_scale":1.0,"mixing":"dense","noise":0.1,"norms":"f32","outliers":0,"queries":64,"#
                + #""rank":128,"rotation":"wht3","tokens":1024,"value_recipe":"mse"}"#)
        #expect(try declared.configHash() == "75041af1ce531146fd4cd1bf65948db71e7fe5e67ba53843c1bbad6206ee745d")
        // Another label, or none (mse+mse), is the same identity.
        let other = try Scheme(declaring: "Other", key: .turboMSE, value: .turboMSE)
        #expect(try Self.config(other).configHash() == declared.configHash())
        #expect(try Self.config(Scheme.pair(key: .turboMSE, value: .turboMSE)).configHash() == declared.configHash())
        #expect(Scheme.pair(key: .turboMSE, value: .turboMSE).name == "mse+mse")
        // A baseline side keeps `baseline` in the identity (the old rule dropped it for every non-KV name).
        let mixed = Self.config(Scheme.pair(key: .baseline, value: .turboMSE))
        #expect(try mixed.configHash() == "b4ac3d136c37fd8fc0da171f8bf771add4c23af95112022525853688a0bfec01")
        // The shipped pairs are the shipped schemes: their hashes hold the name, as before.
        #expect(Scheme.pair(key: .turboMSE, value: .turboProd) == .KQV)
        #expect(try Self.config(.KQV).canonicalJSON().contains(#""scheme":"KQV""#))
        #expect(try !Self.config(.KQV).canonicalJSON().contains("recipe"))
    }

    @Test("which switches apply follows from the recipes")
    func resolutionByRecipes() {
        let mse2 = Self.config(Scheme.pair(key: .turboMSE, value: .turboMSE))
        #expect(
            mse2.rotation == .wht3 && mse2[switch: "qjl"] == .null && mse2[switch: "baseline"] == .null
                && mse2.codebook == .beta)
        let baselineMSE = Self.config(Scheme.pair(key: .baseline, value: .turboMSE))
        #expect(baselineMSE.rotation == .wht3 && baselineMSE[switch: "qjl"] == .null && baselineMSE.baseline == .kvBeta)
        var uniform = TrialConfig()
        uniform.scheme = Scheme.pair(key: .baseline, value: .turboProd)
        uniform.baseline = .kvUniform
        // The prod side still uses a codebook, so kv-uniform does not drop it here (it does for KV).
        #expect(uniform.resolved.codebook == .beta && uniform.resolved.qjl == .gaussian)
        uniform.scheme = .KV
        #expect(uniform.resolved[switch: "codebook"] == .null && uniform.resolved[switch: "rotation"] == .null)
    }

    @Test("declaring: shipped names and pairs are protected, names are checked")
    func declaringRules() {
        #expect(throws: ConfigError.self) { try Scheme(declaring: "KQV", key: .turboMSE, value: .turboMSE) }
        #expect(throws: ConfigError.self) { try Scheme(declaring: "MyKQV", key: .turboMSE, value: .turboProd) }
        #expect(throws: ConfigError.self) { try Scheme(declaring: "prod+prod", key: .turboMSE, value: .turboMSE) }
        #expect(throws: ConfigError.self) { try Scheme(declaring: "bad name", key: .turboMSE, value: .turboMSE) }
        #expect(throws: Never.self) { try Scheme(declaring: "KQV", key: .turboMSE, value: .turboProd) }
        #expect(throws: Never.self) { try Scheme(declaring: "mse+mse", key: .turboMSE, value: .turboMSE) }
    }

    @Test("the store binds a name to one pair and a pair to one name, and keeps the label")
    func storeBindsNames() throws {
        let dir = try TemporaryDirectory()
        let store = try Store(path: dir.path())
        let mse2 = try Scheme(declaring: "MSE2", key: .turboMSE, value: .turboMSE)
        let hash = try store.upsertConfig(Self.config(mse2))
        #expect(try store.config(hash: hash)?.scheme.name == "MSE2")
        let columns = try store.execute(
            sql: "SELECT scheme, key_recipe, value_recipe FROM configs WHERE config_hash = :h",
            parameters: ["h": .text(hash)])
        #expect(columns.rows == [[.text("MSE2"), .text("mse"), .text("mse")]])
        // A second name for the pair, and the name for another pair, are refused.
        let renamed = try Scheme(declaring: "M2", key: .turboMSE, value: .turboMSE)
        #expect(throws: StoreError.self) { try store.upsertConfig(Self.config(renamed)) }
        let rebound = try Scheme(declaring: "MSE2", key: .turboProd, value: .baseline)
        #expect(throws: StoreError.self) { try store.upsertConfig(Self.config(rebound)) }
        // Shipped configs get their recipe columns too.
        let shipped = try store.upsertConfig(Self.config(.KV))
        let kv = try store.execute(
            sql: "SELECT key_recipe, value_recipe FROM configs WHERE config_hash = :h",
            parameters: ["h": .text(shipped)])
        #expect(kv.rows == [[.text("baseline"), .text("baseline")]])
        let report = try store.verify()
        #expect(report.isClean, "\(report)")
    }
}
