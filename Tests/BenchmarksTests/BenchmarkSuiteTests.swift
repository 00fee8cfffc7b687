import Foundation
import KVLabTestSupport
import Testing

@testable import Benchmarks

/// The benchmark suite in-process: what `kvlab bench --only trial` measures and prints, without the binary.
@Suite("BenchmarkSuite in-process")
struct BenchmarkSuiteTests {
    @Test("the trial section times the engine on 1 and `jobs` threads and notes the parallel efficiency")
    func trialSection() async throws {
        var suite = BenchmarkSuite(repetitions: 1, jobs: 1, kvlabVersion: "test")
        try await suite.run([.trial])
        #expect(
            suite.figures.map(\.name) == [
                "standard trial (KV+KQV+QKQV, n=4), 1 thread",
                "standard trial (KV+KQV+QKQV, n=4), 1 thread (thread CPU time)", "standard trial, 1 threads",
                "captured (layer, head) trial (KQV, n=4, d=64, N=1024, Q·G=192), 1 thread",
                "captured (layer, head) trial (KQV, n=4, d=64, N=1024, Q·G=192), 1 thread (thread CPU time)",
            ])
        for figure in suite.figures {
            #expect(figure.section == "trial" && figure.unit == "trials/s")
            #expect(figure.min > 0 && figure.min <= figure.median && figure.median <= figure.max)
            #expect(figure.repetitions == 1)
        }
        #expect(suite.notes.count == 2 && suite.notes[0].hasPrefix("parallel efficiency on 1 threads: "))
        #expect(suite.notes[1].hasPrefix("captured trial time / standard trial time: "))
        #expect(suite.notes[1].contains("; in thread CPU time: "))
        let json = suite.json().rendered(pretty: true)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let machine = try #require(object["machine"] as? [String: String])
        #expect(machine["kvlab"] == "test" && machine["jobs"] == "1" && machine["repetitions"] == "1")
        #expect((object["figures"] as? [[String: Any]])?.count == 5)
        let table = suite.table()
        #expect(table.contains("section | benchmark | median | min | max | unit"))
        #expect(table.contains("trial | standard trial, 1 threads | "))
    }

    @Test("rates and durations format for the table")
    func humane() {
        #expect(BenchmarkSuite.humane(1_370_000) == "1.37 M")
        #expect(BenchmarkSuite.humane(12_345) == "12.3 k")
        #expect(BenchmarkSuite.humane(250.4) == "250")
        #expect(BenchmarkSuite.humane(3.14159) == "3.14")
        #expect(BenchmarkSuite.humane(0.0125) == "12.5 m")
        #expect(BenchmarkSuite.fixed(.nan, 1) == "nan")
    }
}

@Suite("BenchmarkSuite model section")
struct BenchmarkModelSectionTests {
    @Test(
        "the model section times a GGUF model's load, prefill and a model-level trial; without a model it is skipped with a note"
    )
    func modelSection() async throws {
        var skipped = BenchmarkSuite(repetitions: 1, jobs: 2, kvlabVersion: "test")
        try await skipped.run([.model])
        #expect(skipped.figures.isEmpty && skipped.notes.first?.hasPrefix("model: skipped") == true)
        let dir = try TemporaryDirectory()
        let path = dir.path("tiny.gguf")
        try TinyLlama.writer().write(to: URL(fileURLWithPath: path))
        var suite = BenchmarkSuite(repetitions: 1, jobs: 2, kvlabVersion: "test")
        suite.modelPath = path
        try await suite.run([.model])
        #expect(
            suite.figures.map(\.unit) == ["s", "tokens/s", "tokens/s", "s", "s", "s", "s"],
            "\(suite.figures.map(\.name))")
        #expect(suite.figures.dropFirst().allSatisfy { $0.min > 0 && $0.median >= $0.min })
        #expect(
            suite.figures.suffix(4).map(\.name) == [
                "model-level exact run, 512 tokens (once per text), 1 thread",
                "model-level exact run, 512 tokens (once per text), 2 threads",
                "model-level trial KQV n=4, 512 tokens, 1 thread", "model-level trial KQV n=4, 512 tokens, 2 threads",
            ])
        #expect(suite.notes.count == 4 && suite.notes[0].hasSuffix("GFLOP per token of a 1024-token prefill"))
        // The tiny random model's trial: a real KL, and the target's verdict.
        #expect(suite.notes[3].hasPrefix("model-level trial KQV n=4 on 512 tokens: next_kl "))
        #expect(suite.notes[3].hasSuffix("(target < 15 s: met)"), "\(suite.notes[3])")
    }
}
