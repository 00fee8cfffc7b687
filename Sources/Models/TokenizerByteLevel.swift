/// GPT-2's byte-level alphabet: each of the 256 byte values stands for one printable Unicode scalar, so a
/// vocabulary of strings can hold arbitrary bytes. Bytes that are printable Latin-1 (`!`…`~`, `¡`…`¬`, `®`…`ÿ`)
/// stand for themselves; the other 68 (controls, space, DEL, the C1 range, NBSP and the soft hyphen) stand for
/// U+0100, U+0101, … in byte order (so the space is `Ġ` U+0120 and the newline `Ċ` U+010A).
enum ByteLevel {
    /// The scalar that stands for each byte value.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(byte) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte value each alphabet scalar stands for (the inverse of `scalarForByte`).
    static let byteForScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, scalar) in scalarForByte.enumerated() { map[scalar.value] = UInt8(byte) }
        return map
    }()

    /// Whether a byte value is printable Latin-1 and so stands for itself.
    private static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The alphabet string for a sequence of bytes.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalarForByte[Int(byte)]) }
        return String(scalars)
    }

    /// The bytes an alphabet string stands for; a scalar outside the alphabet stands for its own UTF-8 bytes
    /// (so a vocabulary entry that is not byte-level text still decodes to something readable).
    static func decode(_ token: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            if let byte = byteForScalar[scalar.value] {
                bytes.append(byte)
            } else {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            }
        }
        return bytes
    }
}
