import ExperimentStore
import Foundation

/// Selects the claims of a check from command-line arguments.
public enum ClaimLoader {
    /// Loads claims: with no argument, the shipped claims; otherwise, in order, each argument's claims —
    /// a directory gives its `*.sql` files (sorted, not recursive), a file gives itself, and a name that is
    /// not a path but a shipped claim's name (or file name) gives that shipped claim.
    ///
    /// - Parameter arguments: files, directories or shipped claim names.
    /// - Returns: the claims, without duplicates of the same source.
    /// - Throws: ``ClaimError/unreadable(path:reason:)`` for a missing path that is no shipped claim or an
    ///   unreadable file, ``ClaimError/emptyDirectory(path:)``, ``ClaimError/malformed(source:line:message:)``,
    ///   ``ClaimError/duplicateName(name:sources:)`` when two selected claims share a name.
    public static func load(_ arguments: [String]) throws(ClaimError) -> [ClaimFile] {
        var claims: [ClaimFile] = []
        if arguments.isEmpty { claims = try ShippedClaims.all() }
        let files = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if files.fileExists(atPath: argument, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    let names: [String]
                    do {
                        names = try files.contentsOfDirectory(atPath: argument).filter { $0.hasSuffix(".sql") }.sorted()
                    } catch {
                        throw .unreadable(path: argument, reason: FileErrorText.reason(error))
                    }
                    guard !names.isEmpty else { throw .emptyDirectory(path: argument) }
                    for name in names {
                        claims.append(try file((argument as NSString).appendingPathComponent(name)))
                    }
                } else {
                    claims.append(try file(argument))
                }
            } else if let shipped = try ShippedClaims.named(argument) {
                claims.append(shipped)
            } else {
                throw .unreadable(path: argument, reason: "no such file, directory or shipped claim name")
            }
        }
        var seen: [String: String] = [:]
        var unique: [ClaimFile] = []
        for claim in claims {
            if let other = seen[claim.name] {
                if other == claim.source { continue }
                throw .duplicateName(name: claim.name, sources: [other, claim.source])
            }
            seen[claim.name] = claim.source
            unique.append(claim)
        }
        return unique
    }

    /// Reads and parses one claim file.
    ///
    /// - Parameter path: the file.
    /// - Throws: ``ClaimError/unreadable(path:reason:)``, ``ClaimError/malformed(source:line:message:)``.
    public static func file(_ path: String) throws(ClaimError) -> ClaimFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: FileErrorText.reason(error))
        }
        var name = (path as NSString).lastPathComponent
        if name.hasSuffix(".sql") { name.removeLast(4) }
        return try ClaimFile.parse(bytes: Array(data), source: path, defaultName: name)
    }
}
