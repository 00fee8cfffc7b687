-- kvlab schema, migration 0006: datasets (captured KV caches) stored in the database.
--
-- Immutable once released (see 0001). A dataset is the attention tensors of a real model on a real text:
-- for every layer and KV head its K and V (T × d, K after RoPE), and for every query head its Q (T × d,
-- after RoPE). Float32 little-endian blobs with the SHA-256 of each, so the database stays self-contained
-- and `kvlab verify` re-hashes them. K and Q are stored in rotate-half coordinate order (Hugging Face's:
-- RoPE pairs coordinate i with i + d/2); an import in interleaved order is converted, V never is.
--
-- Identity: content_hash covers the structural manifest and the tensors as stored, nothing else
-- (docs/SCHEMA.md "Dataset identity"): SHA-256 of the UTF-8 text
--     kvlab-dataset/1\n layers L\n kv_heads H\n query_heads HQ\n group_size G\n head_dim D\n tokens T\n
-- followed by one line `KIND LAYER HEAD SHA256\n` per tensor in `ORDER BY kind, layer, head` order
-- (kind k, q, v). The name, the model, its hash, the token ids, the text and the provenance are kept
-- beside it: one name per content hash and one content hash per name.

CREATE TABLE datasets (
    content_hash TEXT PRIMARY KEY, -- SHA-256 of the manifest and the tensors' SHA-256 (above)
    name TEXT NOT NULL UNIQUE, -- what specs, claims and commands call it
    layers INTEGER NOT NULL CHECK (layers >= 1),
    kv_heads INTEGER NOT NULL CHECK (kv_heads >= 1),
    query_heads INTEGER NOT NULL CHECK (query_heads >= 1),
    group_size INTEGER NOT NULL CHECK (group_size >= 1 AND group_size * kv_heads = query_heads), -- G
    head_dim INTEGER NOT NULL CHECK (head_dim >= 2), -- d
    tokens INTEGER NOT NULL CHECK (tokens >= 1), -- T
    coordinate_order TEXT NOT NULL CHECK (coordinate_order = 'rotate-half'), -- of K and Q as stored
    model TEXT, -- the model's name, when known
    model_sha256 TEXT, -- SHA-256 of the model file (GGUF), when known
    token_ids TEXT, -- the T token ids as a JSON array, when known
    token_ids_sha256 TEXT, -- SHA-256 of the token ids as little-endian uint32
    text TEXT, -- the text the model read, when known
    provenance_id INTEGER REFERENCES provenance (id), -- the importing process
    created_at REAL NOT NULL,
    CHECK ((token_ids IS NULL) = (token_ids_sha256 IS NULL))
) STRICT;

-- One row per tensor of a dataset: K and V for each (layer, KV head), Q for each (layer, query head).
-- data is T × d float32 values, little-endian, row-major (row = token); sha256 is the SHA-256 of data.
CREATE TABLE dataset_tensors (
    content_hash TEXT NOT NULL REFERENCES datasets (content_hash) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('k', 'v', 'q')),
    layer INTEGER NOT NULL CHECK (layer >= 0),
    head INTEGER NOT NULL CHECK (head >= 0), -- the KV head for k and v, the query head for q
    rows INTEGER NOT NULL CHECK (rows >= 1), -- T
    cols INTEGER NOT NULL CHECK (cols >= 1), -- d
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL CHECK (length(data) = 4 * rows * cols),
    PRIMARY KEY (content_hash, kind, layer, head)
) STRICT;
