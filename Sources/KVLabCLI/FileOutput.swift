#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unbuffered writes to a file descriptor (stderr for diagnostics; stdout is written with `print`).
struct FileOutput: Sendable {
    let descriptor: Int32

    /// The standard error stream.
    static let standardError = FileOutput(descriptor: 2)

    /// Writes the whole string, retrying on partial writes and EINTR.
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                #if canImport(Glibc)
                    Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                #else
                    Darwin.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}
