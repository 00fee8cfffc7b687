import ExperimentStore

/// The datasets a sweep spec may name as its `source`: name → content hash and structure. Spec expansion
/// resolves names through it, and expands `layer: all` and `head: all` to the dataset's layers and KV heads.
public struct DatasetCatalog: Sendable {
    /// One dataset.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var contentHash: String
        public var manifest: DatasetManifest

        public init(name: String, contentHash: String, manifest: DatasetManifest) {
            self.name = name
            self.contentHash = contentHash
            self.manifest = manifest
        }
    }

    private var entries: [String: Entry]

    /// No datasets: a spec naming a `source` fails to expand.
    public static let empty = DatasetCatalog(entries: [])

    /// A catalog of the given datasets.
    public init(entries: [Entry]) {
        self.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The datasets stored in a database.
    ///
    /// - Throws: ``StoreError``.
    public init(store: Store) throws {
        let records = try store.read { db in try Store.datasets(in: db) }
        self.init(entries: records.map { Entry(name: $0.name, contentHash: $0.contentHash, manifest: $0.manifest) })
    }

    /// The datasets of several databases; where two hold a name, the first one's entry is kept.
    ///
    /// - Throws: ``StoreError``.
    public init(stores: [Store]) throws {
        var entries: [Entry] = []
        for store in stores { entries += try DatasetCatalog(store: store).all }
        self.init(entries: entries)
    }

    /// Every entry, by name.
    public var all: [Entry] { names.compactMap { entries[$0] } }

    /// The dataset with this name.
    public subscript(name: String) -> Entry? { entries[name] }

    /// Every name, sorted (for error messages).
    public var names: [String] { entries.keys.sorted() }
}
