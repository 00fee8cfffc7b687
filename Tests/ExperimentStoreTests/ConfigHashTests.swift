import Foundation
import Quantization
import Testing

@testable import ExperimentStore

/// Canonical JSON and the config hash.
struct ConfigHashTests {
    /// A config, its canonical JSON and hash, computed independently with Python:
    /// `json.dumps({k: v for k, v in d.items() if v is not None}, sort_keys=True, separators=(",", ":"))`
    /// and `hashlib.sha256(text.encode()).hexdigest()`.
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var config: TrialConfig
        var json: String
        var hash: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = {
        var kvUniform = TrialConfig()
        kvUniform.scheme = .KV
        kvUniform.bits = 2
        kvUniform.distribution = .t3
        kvUniform.rank = 16
        kvUniform.mixing = .axis
        kvUniform.noise = 0
        kvUniform.outliers = 4
        kvUniform.outlierScale = 10
        kvUniform.baseline = .kvUniform
        kvUniform.norms = .f16
        var qkqv = TrialConfig()
        qkqv.scheme = .QKQV
        qkqv.bits = 8
        qkqv.distribution = .laplace
        qkqv.dim = 4096
        qkqv.tokens = 1
        qkqv.queries = 1
        qkqv.noise = 1e-5
        qkqv.logitScale = 2.5
        qkqv.rotation = .haar
        qkqv.qjl = .hadamard
        qkqv.codebook = .gaussian
        var kvBeta = TrialConfig()
        kvBeta.scheme = .KV
        kvBeta.bits = 1
        kvBeta.noise = 0.1 + 0.2
        kvBeta.logitScale = 4
        kvBeta.outliers = 2
        kvBeta.outlierScale = 0.5
        return [
            Vector(
                name: "default", config: TrialConfig().resolved,
                json: #"{"bits":4,"codebook":"beta","dim":128,"distribution":"gaussian","logit_scale":1.0,"#
                    + #""mixing":"dense","noise":0.1,"norms":"f32","outliers":0,"qjl":"gaussian","queries":64,"#
                    + #""rank":128,"rotation":"wht3","scheme":"KQV","tokens":1024}"#,
                hash: "02e3872d2f39f3fdc72ecbe966b1808972588d3dff06fbfbb7f3b4f159b42027"),
            Vector(
                name: "kv-uniform", config: kvUniform.resolved,
                json: #"{"baseline":"kv-uniform","bits":2,"dim":128,"distribution":"t3","logit_scale":1.0,"#
                    + #""mixing":"axis","noise":0.0,"norms":"f16","outlier_scale":10.0,"outliers":4,"queries":64,"#
                    + #""rank":16,"scheme":"KV","tokens":1024}"#,
                hash: "254ff2561798db2e137f42298dbc7b0105170e0a8ea2caaa956b059f0f84de94"),
            Vector(
                name: "qkqv", config: qkqv.resolved,
                json: #"{"bits":8,"codebook":"gaussian","dim":4096,"distribution":"laplace","logit_scale":2.5,"#
                    + #""mixing":"dense","noise":1e-05,"norms":"f32","outliers":0,"qjl":"hadamard","queries":1,"#
                    + #""rank":4096,"rotation":"haar","scheme":"QKQV","tokens":1}"#,
                hash: "852e635ab2a0ca04bae46436020b6ef3e73d914198e0c21a09e52a6df0fbf493"),
            Vector(
                name: "kv-beta", config: kvBeta.resolved,
                json: #"{"baseline":"kv-beta","bits":1,"codebook":"beta","dim":128,"distribution":"gaussian","#
                    + #""logit_scale":4.0,"mixing":"dense","noise":0.30000000000000004,"norms":"f32","#
                    + #""outlier_scale":0.5,"outliers":2,"queries":64,"rank":128,"scheme":"KV","tokens":1024}"#,
                hash: "c644a495690ac58b6690117cb98223c7adec1238983ea26239b3927e6d05a1b3"),
        ]
    }()

    @Test(arguments: vectors)
    func committedVectors(vector: Vector) throws {
        #expect(try vector.config.canonicalJSON() == vector.json)
        #expect(try vector.config.configHash() == vector.hash)
    }

    @Test(arguments: vectors)
    func keyOrderNeverChangesTheHash(vector: Vector) throws {
        var members = vector.config.switchValues
        var generator = SplitMix(seed: 7)
        for _ in 0..<20 {
            members.shuffle(using: &generator)
            #expect(try CanonicalJSON.encode(members) == vector.json)
        }
        #expect(try CanonicalJSON.encode(members.reversed()) == vector.json)
    }

    @Test(arguments: vectors)
    func encodeParseEncodeIsIdentity(vector: Vector) throws {
        let parsed = try CanonicalJSON.parse(vector.json)
        #expect(try CanonicalJSON.encode(parsed) == vector.json)
        #expect(try TrialConfig(switchValues: parsed) == vector.config)
        let spaced = vector.json.replacingOccurrences(of: ",", with: " ,\n ").replacingOccurrences(of: ":", with: " : ")
        #expect(try CanonicalJSON.encode(try CanonicalJSON.parse(spaced)) == vector.json)
    }

    @Test func everyFieldChangeChangesTheHash() throws {
        let base = TrialConfig()
        var variants: [TrialConfig] = []
        func variant(_ change: (inout TrialConfig) -> Void) {
            var c = base
            change(&c)
            variants.append(c)
        }
        variant { $0.scheme = .QKQV }
        variant { $0.scheme = .KV }
        variant { $0.bits = 3 }
        variant { $0.distribution = .t10 }
        variant { $0.rank = 64 }
        variant { $0.mixing = .axis }
        variant { $0.noise = 0.1000000000000001 }
        variant { $0.noise = 0 }
        variant { $0.outliers = 1 }
        variant {
            $0.outliers = 1
            $0.outlierScale = 11
        }
        variant { $0.dim = 256 }
        variant { $0.tokens = 1025 }
        variant { $0.queries = 65 }
        variant { $0.logitScale = 2 }
        variant { $0.rotation = .wht1 }
        variant { $0.qjl = .orthogonal }
        variant { $0.codebook = .gaussian }
        variant { $0.norms = .f16 }
        var hashes = Set([try base.resolved.configHash()])
        for v in variants {
            #expect(hashes.insert(try v.resolved.configHash()).inserted, "\(v) collides")
        }
    }

    @Test func nonApplicableSwitchesDoNotChangeTheHash() throws {
        var a = TrialConfig()
        a.baseline = .kvUniform
        a.outlierScale = 3
        #expect(try a.resolved.configHash() == TrialConfig().resolved.configHash())
        var kv = TrialConfig()
        kv.scheme = .KV
        var kv2 = kv
        kv2.rotation = .haar
        kv2.qjl = .hadamard
        #expect(try kv.resolved.configHash() == kv2.resolved.configHash())
    }

    @Test func numberFormat() throws {
        #expect(try CanonicalJSON.encode([("a", .double(1))]) == #"{"a":1.0}"#)
        #expect(try CanonicalJSON.encode([("a", .int(1))]) == #"{"a":1}"#)
        #expect(try CanonicalJSON.encode([("a", .double(-0.0))]) == #"{"a":0.0}"#)
        #expect(try CanonicalJSON.encode([("a", .double(1e16))]) == #"{"a":1e+16}"#)
        #expect(try CanonicalJSON.encode([("a", .double(123456.5))]) == #"{"a":123456.5}"#)
        #expect(try CanonicalJSON.encode([("a", .int(-12))]) == #"{"a":-12}"#)
        #expect(
            try CanonicalJSON.encode([("a", .null), ("b", .string("x\"\\\n\u{1}é"))])
                == "{\"b\":\"x\\\"\\\\\\n\\u0001é\"}")
        #expect(throws: StoreError.self) { try CanonicalJSON.encode([("a", .double(.nan))]) }
        #expect(throws: StoreError.self) { try CanonicalJSON.encode([("a", .double(.infinity))]) }
        #expect(throws: StoreError.self) { try CanonicalJSON.encode([("a", .int(1)), ("a", .int(2))]) }
        #expect(
            try CanonicalJSON.parse(#"{"a":1.0,"b":1,"c":"\u00e9\ud83d\ude00","d":null}"#).map(\.value) == [
                .double(1), .int(1), .string("é😀"), .null,
            ])
    }

    @Test(arguments: [#"{"a":1"#, #"{"a":[1]}"#, #"{"a":true}"#, #"{"a":01}"#, #"{"a":1,"a":2}"#, "{} x", #"{"a":1.}"#])
    func parserRejectsMalformedInput(text: String) {
        #expect(throws: StoreError.self) { try CanonicalJSON.parse(text) }
    }

    @Test func rebuildingRejectsANonResolvedConfig() throws {
        var members = TrialConfig().resolved.switchValues
        members.append(("baseline", .string("kv-beta")))
        members.removeAll { $0.name == "baseline" && $0.value == .null }
        #expect(throws: StoreError.self) { try TrialConfig(switchValues: members) }
        #expect(throws: StoreError.self) { try TrialConfig(switchValues: [("colour", .string("red"))]) }
        #expect(throws: StoreError.self) { try TrialConfig(switchValues: [("bits", .int(9))]) }
    }
}

/// A small deterministic generator for shuffles.
struct SplitMix: RandomNumberGenerator {
    /// The generator state.
    var state: UInt64

    /// Seeds the generator.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
