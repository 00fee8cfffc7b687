import Crypto
import Foundation
import GRDB

extension Store {
    /// The `datasets` check of `kvlab verify`: per dataset, every tensor blob re-hashes to its recorded
    /// `sha256` and has the manifest's shape (T × d, 4·T·d bytes); the tensors are exactly the manifest's
    /// (K and V per layer and KV head, Q per layer and query head); the content hash recomputes from the
    /// manifest and the recorded tensor hashes; `token_ids_sha256` matches `token_ids` (T of them).
    ///
    /// Blobs are read one at a time.
    ///
    /// - Parameters:
    ///   - db: a connection.
    ///   - problem: called once per problem found.
    /// - Returns: how many tensors were checked.
    static func datasetProblems(in db: Database, problem: (String) -> Void) throws -> Int {
        var checked = 0
        for record in try datasets(in: db) {
            let m = record.manifest
            let label = "dataset '\(record.name)'"
            var recorded: [DatasetTensorKey: String] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT kind, layer, head, rows, cols, sha256, data FROM dataset_tensors WHERE content_hash = ?
                    ORDER BY kind, layer, head
                    """, arguments: [record.contentHash])
            while let row = try rows.next() {
                checked += 1
                let kindText: String = row[0]
                guard let kind = DatasetTensorKind(rawValue: kindText) else {
                    problem("\(label): a tensor of unknown kind '\(kindText)'")
                    continue
                }
                let key = DatasetTensorKey(kind: kind, layer: row[1], head: row[2])
                let tensorRows: Int = row[3]
                let cols: Int = row[4]
                let sha: String = row[5]
                let data: Data = row[6]
                recorded[key] = sha
                if tensorRows != m.tokens || cols != m.headDim {
                    problem(
                        "\(label): tensor \(key) is \(tensorRows) × \(cols), the manifest says \(m.tokens) × \(m.headDim)"
                    )
                }
                if data.count != tensorRows * cols * 4 {
                    problem("\(label): tensor \(key) holds \(data.count) bytes, not \(tensorRows * cols * 4)")
                }
                let digest = Hex.encode(SHA256.hash(data: data))
                if digest != sha {
                    problem(
                        "\(label): tensor \(key) hashes to \(digest), not its recorded \(sha) (a stored value changed)")
                }
            }
            let expected = m.tensorKeys
            let expectedSet = Set(expected)
            let missing = expected.filter { recorded[$0] == nil }
            if !missing.isEmpty { problem("\(label): \(missing.count) tensors missing (first: \(missing[0]))") }
            for key in recorded.keys.sorted() where !expectedSet.contains(key) {
                problem("\(label): tensor \(key) is not part of its manifest")
            }
            if missing.isEmpty, m.contentHash(tensorHashes: recorded) != record.contentHash {
                problem(
                    "\(label): its manifest and tensor hashes hash to \(m.contentHash(tensorHashes: recorded)), not its "
                        + "content_hash \(record.contentHash)")
            }
            let stored = try Row.fetchOne(
                db, sql: "SELECT token_ids, token_ids_sha256 FROM datasets WHERE content_hash = ?",
                arguments: [record.contentHash])
            if let stored, let json = stored[0] as String? {
                if let ids = parseTokenIDs(json) {
                    if ids.count != m.tokens { problem("\(label): \(ids.count) token_ids for \(m.tokens) tokens") }
                    if DatasetMetadata.sha256(tokenIDs: ids) != stored[1] as String? {
                        problem("\(label): token_ids_sha256 does not match token_ids")
                    }
                } else {
                    problem("\(label): token_ids is not a JSON array of token ids")
                }
            }
        }
        return checked
    }
}
