import Crypto

/// SHA-256 digests as lowercase hex (claim file hashes and data fingerprints).
enum ClaimDigest {
    /// SHA-256 of bytes, as 64 lowercase hex digits.
    static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in SHA256.hash(data: Array(bytes)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
