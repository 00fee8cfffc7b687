import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Store {
    /// Creates a new database at `path` so that a kill at any instant leaves either no file there or a
    /// complete, migrated kvlab database.
    ///
    /// The database is built under a temporary name in the same directory (`.NAME.creating-PID-RANDOM`):
    /// created, switched to WAL, migrated, its reference tables filled, checkpointed and closed. It is then
    /// linked to `path` — `link(2)` is atomic and never replaces a file, so when another process created
    /// `path` meanwhile, its database is kept and this one is discarded. An empty file at `path` (made by
    /// `touch`, say) is replaced by `rename(2)` instead. Temporary files left by killed processes are removed.
    ///
    /// - Parameters:
    ///   - path: the database file to create.
    ///   - replacingEmptyFile: `path` is an existing empty file that may be replaced.
    /// - Throws: ``StoreError/cannotOpen(path:reason:)`` when the directory cannot be written, or any error
    ///   of the migration.
    static func create(at path: String, replacingEmptyFile: Bool) throws(StoreError) {
        let (directory, prefix) = creationPrefix(path)
        removeAbandonedCreations(at: path)
        let temporary = directory + "/" + prefix + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { removeDatabaseFiles(temporary) }
        do {
            let pool = try openPool(path: temporary, mode: .readWrite)
            try Migrator.migrate(pool, path: path)
            try ReferenceData.sync(pool)
            _ = try pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try pool.close()
        } catch let error as StoreError {
            throw Store.creationError(error, path: path, directory: directory)
        } catch {
            throw Store.creationError(typedError(error), path: path, directory: directory)
        }
        try syncFile(temporary, path: path)
        if replacingEmptyFile {
            var info = stat()
            // Only an empty file is replaced; anything else was written meanwhile by another process.
            if stat(path, &info) == 0, info.st_size == 0 {
                guard rename(temporary, path) == 0 else {
                    throw .cannotOpen(path: path, reason: "cannot replace the empty file: \(systemError(errno))")
                }
            }
        } else if link(temporary, path) != 0, errno != EEXIST {
            throw .cannotOpen(path: path, reason: "cannot create the file: \(systemError(errno))")
        }
        syncDirectory(directory)
    }

    /// The directory of `path` and the name prefix of its temporary databases.
    private static func creationPrefix(_ path: String) -> (directory: String, prefix: String) {
        let url = URL(fileURLWithPath: path)
        return (url.deletingLastPathComponent().path, "." + url.lastPathComponent + ".creating-")
    }

    /// Removes the temporary databases of creations of `path` whose process is gone (killed while creating).
    static func removeAbandonedCreations(at path: String) {
        let (directory, prefix) = creationPrefix(path)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            // NAME.creating-PID-RANDOM, possibly followed by -journal, -wal or -shm.
            let parts = name.dropFirst(prefix.count).split(separator: "-")
            guard parts.count >= 2, let pid = Int32(parts[0]), pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    /// Removes a database file and its journal, WAL and shared-memory files (missing ones are fine).
    private static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(path + suffix) }
    }

    /// Flushes a finished file to disk before it is published under its real name.
    private static func syncFile(_ path: String, path target: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: target, reason: systemError(errno)) }
        defer { closeDescriptor(fd) }
        guard fsync(fd) == 0 else { throw .cannotOpen(path: target, reason: systemError(errno)) }
    }

    /// Flushes a directory entry (best effort: not every file system supports it).
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        closeDescriptor(fd)
    }

    /// Closes a file descriptor (`close` alone would name ``Store/close()`` here).
    private static func closeDescriptor(_ fd: Int32) {
        #if canImport(Glibc)
            _ = Glibc.close(fd)
        #else
            _ = Darwin.close(fd)
        #endif
    }

    /// The system's text for an errno value.
    static func systemError(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// A creation error that names the real path, and says so plainly when the directory is read-only.
    private static func creationError(_ error: StoreError, path: String, directory: String) -> StoreError {
        if access(directory.isEmpty ? "." : directory, W_OK) != 0 {
            return .cannotOpen(
                path: path,
                reason: "the directory \(directory.isEmpty ? "." : directory) is not writable "
                    + "(\(systemError(errno))); choose another --db path")
        }
        if case .cannotOpen(_, let reason) = error { return .cannotOpen(path: path, reason: reason) }
        return error
    }
}
