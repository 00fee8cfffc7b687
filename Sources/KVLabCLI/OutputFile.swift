import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a command's `--out FILE` without ever destroying what is there by mistake.
///
/// - A new file, or an existing regular file that is not an SQLite database, is replaced atomically:
///   the bytes go to a temporary file in the same directory, which is then renamed over the target, so a
///   kill leaves either the old file or the new one.
/// - An existing SQLite file (any database, kvlab's or not) is refused unless `force` is set, and the
///   database the command reads (or its `-wal`/`-shm` companion) is refused always.
/// - A symbolic link is followed: the file it points to is written, the link stays a link.
/// - Anything that is not a regular file (a device such as `/dev/stdout` or `/dev/full`, a FIFO, a
///   socket) is written through, in place; it is never replaced by a regular file.
///
/// Every write is checked: a short write or an error (a full disk) is an I/O error (exit 3).
struct OutputFile {
    /// The path as the user gave it.
    let path: String

    /// The file the command reads, which may never be overwritten.
    let input: String?

    /// Replace an existing SQLite file.
    let force: Bool

    /// The 16 bytes every SQLite database file starts with.
    private static let sqliteMagic = Array("SQLite format 3\0".utf8)

    /// Writes `text` as the whole content of the file.
    ///
    /// - Throws: ``CLIError`` — bad input (exit 2) for a refused target, a directory or an empty path; a
    ///   failure (exit 3) when the bytes cannot be written.
    func write(_ text: String) throws {
        try write(bytes: Array(text.utf8))
    }

    /// Writes `bytes` as the whole content of the file (same rules as ``write(_:)``).
    func write(bytes text: [UInt8]) throws {
        guard !path.isEmpty else { throw CLIError.badInput("--out: the path is empty") }
        var info = stat()
        // A device, FIFO or socket, also through a link the kernel resolves itself (`/dev/stdout` on a pipe
        // points to `pipe:[N]`, which is no path): written through as given.
        if stat(path, &info) == 0, ![S_IFREG, S_IFDIR].contains(info.st_mode & S_IFMT) {
            try refuseInput(info)
            try writeThrough(text, to: path)
            return
        }
        let target = try resolve(path)
        if stat(target, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { throw CLIError.badInput("--out \(path): it is a directory; give a file name") }
            try refuseInput(info)
            if Self.isSQLite(target), !force {
                throw CLIError.badInput(
                    "--out \(path): refusing to overwrite an SQLite database (it may hold experiments); "
                        + "choose another file, or add --force to replace it")
            }
        }
        try replace(target, with: text)
    }

    /// Follows symbolic links (also dangling ones, whose target will be created) to the real path.
    private func resolve(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { return current }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let directory = (current as NSString).deletingLastPathComponent
            current = link.hasPrefix("/") || directory.isEmpty ? link : directory + "/" + link
        }
        throw CLIError.badInput("--out \(path): too many levels of symbolic links")
    }

    /// Refuses the database being read and its WAL and shared-memory files.
    private func refuseInput(_ target: stat) throws {
        guard let input else { return }
        for candidate in [input, input + "-wal", input + "-shm", input + "-journal"] {
            var info = stat()
            if stat(candidate, &info) == 0, info.st_dev == target.st_dev, info.st_ino == target.st_ino {
                throw CLIError.badInput(
                    "--out \(path): that is the database this command reads (\(candidate)); choose another file")
            }
        }
    }

    /// Whether a regular file starts with SQLite's magic header.
    private static func isSQLite(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return Array(header) == sqliteMagic
    }

    /// Writes into an existing non-regular file (device, FIFO, socket) in place.
    private func writeThrough(_ text: [UInt8], to target: String) throws {
        let fd = open(target, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open", errno) }
        defer { close(fd) }
        try FileOutput(descriptor: fd).writeChecked(bytes: text, or: { self.failure("cannot write", $0) })
    }

    /// Writes a temporary file beside the target and renames it over the target.
    private func replace(_ target: String, with text: [UInt8]) throws {
        let directory = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var template = Array(
            ((directory.isEmpty ? "." : directory) + "/.\(name).kvlab-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure("cannot create a file in the directory of", errno) }
        let temporary = String(cString: template)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            try FileOutput(descriptor: fd).writeChecked(bytes: text, or: { self.failure("cannot write", $0) })
            fchmod(fd, 0o666 & ~Self.umaskValue)
            guard fsync(fd) == 0 else { throw failure("cannot write", errno) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw failure("cannot write", errno) }
        guard rename(temporary, target) == 0 else { throw failure("cannot replace", errno) }
        renamed = true
    }

    /// The process's umask (read by setting and restoring it).
    private static var umaskValue: mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    /// An I/O failure (exit 3) naming the file and the system's reason.
    private func failure(_ what: String, _ code: Int32) -> CLIError {
        CLIError.failure("\(what) \(path): \(String(cString: strerror(code)))")
    }
}
