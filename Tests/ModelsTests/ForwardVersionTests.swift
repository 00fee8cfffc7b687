import Crypto
import Foundation
import KVLabTestSupport
import Testing

@testable import Models

/// The forward pass's numbers are pinned to `Models.forwardVersion`: the SHA-256 of the tiny model's
/// logits on a fixed prompt is recorded per version in `Fixtures/forward-version.txt`. A change that moves
/// any bit fails here until the version is bumped and the line added (`KVLAB_UPDATE_GOLDEN=1` prints it).
@Suite struct ForwardVersionTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/forward-version.txt")

    @Test func theTinyModelsLogitsArePinnedToTheForwardVersion() throws {
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("tiny.gguf")
        try TinyLlama.writer().write(to: url)
        let model = try LlamaModel(gguf: try GGUFFile(contentsOf: url))
        let tokens = (0..<24).map { ($0 * 37 + 5) % model.dimensions.vocab }
        var bytes: [UInt8] = []
        try model.forward(tokens: tokens, threads: 2) { _, rows in
            for value in rows { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let line = "\(Models.forwardVersion) \(digest)"
        let recorded = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        if ProcessInfo.processInfo.environment["KVLAB_UPDATE_GOLDEN"] == "1", !recorded.contains(line) {
            try (recorded + [line]).joined(separator: "\n").appending("\n").write(
                to: Self.fixture, atomically: true, encoding: .utf8)
            return
        }
        let same = recorded.first { $0.hasPrefix("\(Models.forwardVersion) ") }
        #expect(
            same == line,
            "the forward pass's numbers changed (\(line)) but Models.forwardVersion did not: bump it and record the new line"
        )
    }
}
