import Foundation
import Testing

@Suite("kvlab codebook and kvlab trial, end to end")
struct EngineCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("codebook JSON shape and the d=64, b=1 centroid")
    func codebook() throws {
        let r = try KVLabProcess.run(["codebook", "--dim", "64", "--bits", "1", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try Self.json(r.stdout)
        #expect(object["law"] as? String == "beta")
        #expect(object["dim"] as? Int == 64)
        #expect(object["bits"] as? Int == 1)
        let centroids = try #require(object["centroids"] as? [Double])
        #expect(centroids.count == 2 && abs(centroids[1] - 0.1001259) < 1e-7)
        #expect((object["thresholds"] as? [Double])?.count == 1)
        #expect(abs((object["mse"] as? Double ?? 0) - 0.358387) < 1e-6)
    }

    @Test("trial JSON shape: every switch and every metric")
    func trial() throws {
        let r = try KVLabProcess.run([
            "trial", "--scheme", "QKQV", "--bits", "3", "--dim", "32", "--tokens", "64", "--queries", "4",
            "--seed", "5", "--trial", "2", "--format", "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try Self.json(r.stdout)
        let config = try #require(object["config"] as? [String: Any])
        for key in [
            "scheme", "bits", "distribution", "rank", "mixing", "noise", "outliers", "outlier_scale", "dim", "tokens",
            "queries", "logit_scale", "rotation", "qjl", "codebook", "baseline", "norms",
        ] {
            #expect(config.keys.contains(key), "missing switch \(key)")
        }
        #expect(config["scheme"] as? String == "QKQV")
        #expect(config["baseline"] is NSNull)
        #expect(object["seed"] as? Int == 5 && object["trial"] as? Int == 2)
        let metrics = try #require(object["metrics"] as? [String: Any])
        #expect(metrics.count == 26)
        #expect((metrics["kl"] as? Double ?? -1) > 0)
        // Deterministic: the same command prints the same bytes.
        let again = try KVLabProcess.run([
            "trial", "--scheme", "QKQV", "--bits", "3", "--dim", "32", "--tokens", "64", "--queries", "4",
            "--seed", "5", "--trial", "2", "--format", "json",
        ])
        #expect(again.stdout == r.stdout)
    }

    @Test(
        "bad options give a clear error and exit 2",
        arguments: [
            (["trial", "--bits", "0"], "bits"),
            (["trial", "--dim", "100"], "dim"),
            (["trial", "--dim", "32", "--rank", "64"], "rank"),
            (["trial", "--scheme", "KVQ"], "scheme"),
            (["trial", "--tokens", "-5"], "tokens"),
            (["codebook", "--bits", "9"], "bits"),
            (["trial", "--no-such-option"], "no-such-option"),
        ])
    func badOptions(arguments: [String], mention: String) throws {
        let r = try KVLabProcess.run(arguments)
        #expect(r.status == 2, "\(arguments): status \(r.status)")
        #expect(r.stderr.contains(mention), "\(arguments): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }
}
