import Foundation
import KVLabTestSupport
import Testing

@testable import KVLabCLI

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

@Suite("kvlab trial --record")
struct TrialRecordTests {
    @Test("stores the trial once; the stored values equal the printed ones")
    func record() throws {
        let dir = try TemporaryDirectory.create()
        let db = dir.appendingPathComponent("t.sqlite").path
        let args = [
            "trial", "--dim", "16", "--tokens", "8", "--queries", "2", "--format", "json", "--record", "--db", db,
        ]
        let first = try KVLabProcess.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try KVLabProcess.run(args)
        #expect(again.status == 0)
        #expect(again.stderr.contains("already stored"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let kl = try #require((object["metrics"] as? [String: Any])?["kl"] as? Double)
        let hash = try #require(object["config_hash"] as? String)
        let stored = try KVLabProcess.run([
            "sql", "--db", db, "--format", "json", "SELECT config_hash, kl, count(*) OVER () AS n FROM trials_wide",
        ])
        let rows = try #require(JSONSerialization.jsonObject(with: Data(stored.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["config_hash"] as? String == hash)
        #expect(rows.first?["kl"] as? Double == kl)
    }

    @Test(
        "bench --only kernels: the machine and every kernel figure, by name, with positive rates; bad sections exit 2")
    func bench() throws {
        let r = try KVLabProcess.run(["bench", "--quick", "--only", "kernels", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try EngineCommandTests.json(r.stdout)
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(machine["cores"] != nil && machine["engine"] as? String == "2")
        let figures = try #require(object["figures"] as? [[String: Any]])
        let expected = [
            "rotation wht1 (signs + FWHT) d=128", "rotation wht1 (signs + FWHT) d=128 (thread CPU time)",
            "TurboQuant_mse enc+dec b=2 wht1", "TurboQuant_mse enc+dec b=2 wht3", "TurboQuant_mse enc+dec b=4 wht1",
            "TurboQuant_mse enc+dec b=4 wht1 (thread CPU time)", "TurboQuant_mse enc+dec b=4 wht3",
            "TurboQuant_mse enc+dec b=4 wht3 (thread CPU time)",
            "TurboQuant_prod enc+dec b=4 qjl=gaussian wht3", "TurboQuant_prod enc+dec b=4 qjl=orthogonal wht3",
            "TurboQuant_prod enc+dec b=4 qjl=hadamard wht3", "QJL S·r, dense d=128, 1024 vectors",
            "QJL Sᵀ·z, dense d=128, 1024 vectors", "Gaussian deviates (Box–Muller), blocks of 128", "exp (kvlab)",
            "exp (C library)", "expm1 (kvlab)",
            "expm1 (C library)", "log (kvlab)", "log (C library)", "log1p (kvlab)", "log1p (C library)",
            "sin+cos 2πu (kvlab)", "sin+cos 2πu (C library)", "TrialMetrics.compute Q=64 N=1024 d=128",
        ]
        #expect(figures.map { $0["name"] as? String ?? "" } == expected)
        for figure in figures {
            #expect(figure["section"] as? String == "kernels")
            let rate = figure["min"] as? Double ?? .nan
            #expect(rate > 0 && rate.isFinite, "a rate is a positive number: \(figure)")
            #expect(figure["repetitions"] as? Int == 3)
        }
        let bad = try KVLabProcess.run(["bench", "--only", "kernels,disk"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown section 'disk'"))
    }

    #if os(Linux)
        @Test("glibc's mallopt is found and takes kvlab's settings (mallopt returns 1 on success)")
        func keepFreedMemory() {
            #expect(KVLab.keepFreedMemory())
        }
    #endif
}
