#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unbuffered writes to a file descriptor: stderr for diagnostics, `--out` files and devices.
struct FileOutput: Sendable {
    let descriptor: Int32

    /// The standard error stream.
    static let standardError = FileOutput(descriptor: 2)

    /// Writes the whole string, retrying on partial writes and EINTR; errors are ignored (for diagnostics,
    /// which have nowhere else to go).
    func write(_ text: String) {
        try? writeChecked(text, or: { _ in CLIError.failure("") })
    }

    /// Writes the whole string, retrying on partial writes and EINTR.
    ///
    /// - Parameters:
    ///   - text: the text, written as UTF-8.
    ///   - error: the error to throw for an `errno` value (a full disk, a closed pipe…).
    func writeChecked(_ text: String, or error: (Int32) -> any Error) throws {
        try writeChecked(bytes: Array(text.utf8), or: error)
    }

    /// Writes all the bytes, retrying on partial writes and EINTR.
    ///
    /// - Parameters:
    ///   - bytes: the bytes.
    ///   - error: the error to throw for an `errno` value (a full disk, a closed pipe…).
    func writeChecked(bytes: [UInt8], or error: (Int32) -> any Error) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                    Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                #else
                    Darwin.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno)
            }
            if n == 0 { throw error(EIO) }
            offset += n
        }
    }
}
