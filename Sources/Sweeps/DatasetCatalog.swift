import ExperimentStore

/// The inputs a sweep spec may name: datasets (`source`: name → content hash and structure), registered
/// models (`model`) and token sequences (`text`: stored texts and datasets' token ids). Spec expansion
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
    private var models: [String: ModelRecord]
    private var texts: [String: TextEntry]

    /// No datasets: a spec naming a `source` fails to expand.
    public static let empty = DatasetCatalog(entries: [])

    /// A catalog of the given datasets, models and texts.
    public init(entries: [Entry], models: [ModelRecord] = [], texts: [TextEntry] = []) {
        self.entries = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.models = Dictionary(models.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.texts = Dictionary(texts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The datasets, models and texts stored in a database.
    ///
    /// - Throws: ``StoreError``.
    public init(store: Store) throws {
        let (records, models, texts) = try store.read { db in
            (try Store.datasets(in: db), try Store.models(in: db), try Store.textEntries(in: db))
        }
        self.init(
            entries: records.map { Entry(name: $0.name, contentHash: $0.contentHash, manifest: $0.manifest) },
            models: models, texts: texts)
    }

    /// The inputs of several databases; where two hold a name, the first one's entry is kept.
    ///
    /// - Throws: ``StoreError``.
    public init(stores: [Store]) throws {
        var (entries, models, texts): ([Entry], [ModelRecord], [TextEntry]) = ([], [], [])
        for store in stores {
            let catalog = try DatasetCatalog(store: store)
            entries += catalog.all
            models += catalog.models.values.sorted { $0.name < $1.name }
            texts += catalog.texts.values.sorted { $0.name < $1.name }
        }
        self.init(entries: entries, models: models, texts: texts)
    }

    /// The registered model with this name.
    public func model(named name: String) -> ModelRecord? { models[name] }

    /// The registered model with this SHA-256.
    public func model(sha256: String) -> ModelRecord? { models.values.first { $0.sha256 == sha256 } }

    /// The token sequence with this name.
    public func text(named name: String) -> TextEntry? { texts[name] }

    /// Every model name, sorted.
    public var modelNames: [String] { models.keys.sorted() }

    /// Every text name, sorted.
    public var textNames: [String] { texts.keys.sorted() }

    /// Every entry, by name.
    public var all: [Entry] { names.compactMap { entries[$0] } }

    /// The dataset with this name.
    public subscript(name: String) -> Entry? { entries[name] }

    /// The hash a reference switch stores for a name: a dataset's content hash (`source`), a model's SHA-256
    /// (`model`) or a text's token-ids SHA-256 (`text`); nil when nothing of that name is known.
    public func hash(of name: String, for switchName: SwitchName) -> String? {
        switch switchName {
        case .source: return entries[name]?.contentHash
        case .model: return models[name]?.sha256
        case .text: return texts[name]?.sha256
        default: return nil
        }
    }

    /// Every name, sorted (for error messages).
    public var names: [String] { entries.keys.sorted() }
}
