-- kvlab schema, migration 0008: model-level runs (a real model run on quantized caches).
--
-- Immutable once released (see 0001). SCIENCE "Model-level metrics":
--   models               a registered GGUF model: SHA-256 (its identity), name, path, and its shape;
--   texts                a stored token sequence (little-endian uint32 ids; identity = their SHA-256);
--   configs.model        the model's SHA-256 (NULL: attention level), configs.text the token ids' SHA-256
--                        (a stored text's or a dataset's), configs.positions (NULL: all T − 1 predictions)
--                        and configs.layers (NULL: every layer reads quantized caches); queries and
--                        logit_scale are NULL for model-level configs, so they are no longer NOT NULL;
--   runs.forward_version the forward pass's version for model-level runs (0 for the others), part of a
--                        run's key beside engine_version; current_runs keeps the newest (engine_version,
--                        forward_version) of each config;
--   compare_results      a column for every switch added since 0003, so kvlab compare --by can store them;
--   trials, run_summaries
--                        four metrics: next_kl, ppl_ratio, nll_delta, next_top1_agree (NULL, not NaN, where
--                        a metric does not apply: attention metrics on model-level trials and back).
-- configs and runs are rebuilt (same rows, same ids and hashes; kvlab runs this migration with foreign keys
-- off and checks them before it commits), and the views that list config columns or metrics are recreated
-- with model, model_name, text, text_name, positions and layers after head, and the new metrics last. A new
-- view, model_winners, gives per budget the attention-level and the model-level winner of a model's schemes.

DROP VIEW run_pairs;
DROP VIEW run_means;
DROP VIEW cell_stats;
DROP VIEW trials_wide;
DROP VIEW current_runs;

CREATE TABLE models (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64), -- SHA-256 of the GGUF file
    name TEXT NOT NULL UNIQUE, -- what specs, claims and commands call it
    path TEXT NOT NULL, -- where the file is read (it must be there, unchanged, on every node of a sweep)
    architecture TEXT NOT NULL,
    layers INTEGER NOT NULL CHECK (layers >= 1),
    kv_heads INTEGER NOT NULL CHECK (kv_heads >= 1),
    query_heads INTEGER NOT NULL CHECK (query_heads >= 1),
    head_dim INTEGER NOT NULL CHECK (head_dim >= 2),
    vocab INTEGER NOT NULL CHECK (vocab >= 1),
    size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
    provenance_id INTEGER REFERENCES provenance (id),
    created_at REAL NOT NULL
) STRICT;

CREATE TABLE texts (
    sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64), -- SHA-256 of token_ids
    name TEXT NOT NULL UNIQUE,
    tokens INTEGER NOT NULL CHECK (tokens >= 1),
    token_ids BLOB NOT NULL CHECK (length(token_ids) = 4 * tokens), -- little-endian uint32
    model_sha256 TEXT, -- the model whose tokenizer made the ids, when known
    text TEXT, -- the text, when known
    provenance_id INTEGER REFERENCES provenance (id),
    created_at REAL NOT NULL
) STRICT;

CREATE TABLE configs_new (
    config_hash TEXT PRIMARY KEY,
    scheme TEXT NOT NULL,
    bits INTEGER NOT NULL,
    distribution TEXT, -- NULL for captured data and model-level runs, as are nu … outlier_scale
    nu INTEGER, -- Student-t degrees of freedom, derived from distribution; NULL for other laws
    rank INTEGER,
    mixing TEXT,
    noise REAL,
    outliers INTEGER,
    outlier_scale REAL,
    dim INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    queries INTEGER, -- NULL for model-level runs, as is logit_scale
    logit_scale REAL,
    rotation TEXT,
    qjl TEXT,
    codebook TEXT,
    baseline TEXT,
    norms TEXT NOT NULL,
    canonical_json TEXT NOT NULL,
    created_at REAL NOT NULL,
    key_recipe TEXT NOT NULL CHECK (key_recipe IN ('mse', 'prod', 'baseline')),
    value_recipe TEXT NOT NULL CHECK (value_recipe IN ('mse', 'prod', 'baseline')),
    source TEXT REFERENCES datasets (content_hash), -- the dataset's content hash; NULL: not captured data
    layer INTEGER CHECK (layer >= 0),
    head INTEGER CHECK (head >= 0), -- the KV head
    model TEXT REFERENCES models (sha256), -- the model's SHA-256; NULL: attention level
    text TEXT, -- SHA-256 of the model-level run's token ids (texts.sha256 or datasets.token_ids_sha256)
    positions INTEGER CHECK (positions >= 1), -- the last P predictions; NULL: all
    layers TEXT, -- the quantized layers, e.g. '0-9'; NULL: all
    CHECK ((source IS NULL) = (layer IS NULL) AND (source IS NULL) = (head IS NULL)),
    CHECK (source IS NULL OR model IS NULL),
    CHECK ((source IS NULL AND model IS NULL) = (distribution IS NOT NULL)
        AND (source IS NULL AND model IS NULL) = (rank IS NOT NULL)
        AND (source IS NULL AND model IS NULL) = (mixing IS NOT NULL)
        AND (source IS NULL AND model IS NULL) = (noise IS NOT NULL)
        AND (source IS NULL AND model IS NULL) = (outliers IS NOT NULL)),
    CHECK ((model IS NULL) = (text IS NULL) AND (model IS NULL) = (queries IS NOT NULL)
        AND (model IS NULL) = (logit_scale IS NOT NULL)),
    CHECK (model IS NOT NULL OR (positions IS NULL AND layers IS NULL))
) STRICT;

INSERT INTO configs_new (
    config_hash, scheme, bits, distribution, nu, rank, mixing, noise, outliers, outlier_scale, dim, tokens,
    queries, logit_scale, rotation, qjl, codebook, baseline, norms, canonical_json, created_at, key_recipe,
    value_recipe, source, layer, head
)
SELECT
    config_hash, scheme, bits, distribution, nu, rank, mixing, noise, outliers, outlier_scale, dim, tokens,
    queries, logit_scale, rotation, qjl, codebook, baseline, norms, canonical_json, created_at, key_recipe,
    value_recipe, source, layer, head
FROM configs;

DROP TABLE configs;
ALTER TABLE configs_new RENAME TO configs;

CREATE INDEX configs_scheme_bits_distribution ON configs (scheme, bits, distribution);
CREATE INDEX configs_source ON configs (source, layer, head);
CREATE INDEX configs_model ON configs (model, text);

CREATE TABLE runs_new (
    id INTEGER PRIMARY KEY,
    config_hash TEXT NOT NULL REFERENCES configs (config_hash),
    seed INTEGER NOT NULL,
    engine_version INTEGER NOT NULL,
    trials_planned INTEGER NOT NULL CHECK (trials_planned >= 0),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
    lease_host TEXT, -- lease owner: host name and process id
    lease_pid INTEGER,
    lease_expires_at REAL,
    heartbeat_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    trials_hash TEXT, -- content hash of the run's trial rows, written with state = 'done'
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    provenance_id INTEGER REFERENCES provenance (id),
    forward_version INTEGER NOT NULL DEFAULT 0 CHECK (forward_version >= 0), -- model-level runs: ≥ 1
    UNIQUE (config_hash, engine_version, forward_version, seed),
    CHECK ((state = 'done') = (trials_hash IS NOT NULL))
) STRICT;

INSERT INTO runs_new (
    id, config_hash, seed, engine_version, trials_planned, state, lease_host, lease_pid, lease_expires_at,
    heartbeat_at, attempts, error, trials_hash, created_at, started_at, finished_at, provenance_id
)
SELECT
    id, config_hash, seed, engine_version, trials_planned, state, lease_host, lease_pid, lease_expires_at,
    heartbeat_at, attempts, error, trials_hash, created_at, started_at, finished_at, provenance_id
FROM runs;

DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

CREATE INDEX runs_state ON runs (state);

ALTER TABLE trials ADD COLUMN next_kl REAL;
ALTER TABLE trials ADD COLUMN ppl_ratio REAL;
ALTER TABLE trials ADD COLUMN nll_delta REAL;
ALTER TABLE trials ADD COLUMN next_top1_agree REAL;

ALTER TABLE run_summaries ADD COLUMN next_kl_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN next_kl_nan INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN next_kl_mean REAL;
ALTER TABLE run_summaries ADD COLUMN next_kl_sd REAL;
ALTER TABLE run_summaries ADD COLUMN ppl_ratio_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN ppl_ratio_nan INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN ppl_ratio_mean REAL;
ALTER TABLE run_summaries ADD COLUMN ppl_ratio_sd REAL;
ALTER TABLE run_summaries ADD COLUMN nll_delta_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN nll_delta_nan INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN nll_delta_mean REAL;
ALTER TABLE run_summaries ADD COLUMN nll_delta_sd REAL;
ALTER TABLE run_summaries ADD COLUMN next_top1_agree_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN next_top1_agree_nan INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_summaries ADD COLUMN next_top1_agree_mean REAL;
ALTER TABLE run_summaries ADD COLUMN next_top1_agree_sd REAL;

-- kvlab compare --by accepts every switch: the group's value of the switches added since 0003 (NULL when
-- not in by_dims), so comparing by dataset, layer, head or model can be stored.
ALTER TABLE compare_results ADD COLUMN source TEXT;
ALTER TABLE compare_results ADD COLUMN dataset TEXT;
ALTER TABLE compare_results ADD COLUMN layer INTEGER;
ALTER TABLE compare_results ADD COLUMN head INTEGER;
ALTER TABLE compare_results ADD COLUMN model TEXT;
ALTER TABLE compare_results ADD COLUMN model_name TEXT;
ALTER TABLE compare_results ADD COLUMN text TEXT;
ALTER TABLE compare_results ADD COLUMN text_name TEXT;
ALTER TABLE compare_results ADD COLUMN positions INTEGER;
ALTER TABLE compare_results ADD COLUMN layers TEXT;

-- The runs readers use: of each config, those of its newest (engine_version, forward_version).
CREATE VIEW current_runs AS
SELECT
    r.id, r.config_hash, r.seed, r.engine_version, r.trials_planned, r.state, r.trials_hash, r.attempts,
    r.error, r.created_at, r.finished_at, r.forward_version
FROM runs AS r
JOIN (
    SELECT config_hash, max(engine_version * 4294967296 + forward_version) AS version FROM runs GROUP BY config_hash
) AS newest ON newest.config_hash = r.config_hash
    AND newest.version = r.engine_version * 4294967296 + r.forward_version;

-- One row per stored trial of the current runs (as in 0007, with the model-level switches and metrics).
CREATE VIEW trials_wide AS
SELECT
    c.config_hash, c.scheme, c.key_recipe, c.value_recipe, c.bits, c.distribution, c.nu, c.rank, c.mixing,
    c.noise, c.outliers, c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl,
    c.codebook, c.baseline, c.norms, c.source, d.name AS dataset, c.layer, c.head, c.model,
    mo.name AS model_name, c.text, coalesce(tx.name, td.name) AS text_name, c.positions, c.layers, r.seed,
    t.trial, r.engine_version, r.forward_version, t.run_id, t.nan_mask, t.kl, t.kl_reverse, t.js, t.tv,
    t.hellinger, t.bhattacharyya, t.top1_flip, t.top8_overlap, t.logit_bias, t.logit_var, t.entropy_delta,
    t.kl_second_order, t.jensen_ratio, t.k_angle, t.k_rel_l2, t.k_norm_ratio, t.v_angle, t.v_rel_l2,
    t.v_norm_ratio, t.o_angle, t.o_rel_l2, t.o_norm_ratio, t.dist6_geo, t.dist6_div, t.bits_k, t.bits_v,
    t.next_kl, t.ppl_ratio, t.nll_delta, t.next_top1_agree
FROM configs AS c
LEFT JOIN datasets AS d ON d.content_hash = c.source
LEFT JOIN models AS mo ON mo.sha256 = c.model
LEFT JOIN texts AS tx ON tx.sha256 = c.text
LEFT JOIN (SELECT token_ids_sha256, min(name) AS name FROM datasets GROUP BY token_ids_sha256) AS td
    ON tx.sha256 IS NULL AND td.token_ids_sha256 = c.text
JOIN current_runs AS r ON r.config_hash = c.config_hash
JOIN trials AS t ON t.run_id = r.id;

-- Per config and metric across seeds (as in 0007, with the model-level switches and metrics).
CREATE VIEW cell_stats AS
WITH moments AS MATERIALIZED (
    SELECT
        r.config_hash, r.engine_version, r.forward_version,
        count(s.kl_mean) AS kl_n, avg(s.kl_mean) AS kl_mean,
        count(s.kl_reverse_mean) AS kl_reverse_n, avg(s.kl_reverse_mean) AS kl_reverse_mean,
        count(s.js_mean) AS js_n, avg(s.js_mean) AS js_mean,
        count(s.tv_mean) AS tv_n, avg(s.tv_mean) AS tv_mean,
        count(s.hellinger_mean) AS hellinger_n, avg(s.hellinger_mean) AS hellinger_mean,
        count(s.bhattacharyya_mean) AS bhattacharyya_n, avg(s.bhattacharyya_mean) AS bhattacharyya_mean,
        count(s.top1_flip_mean) AS top1_flip_n, avg(s.top1_flip_mean) AS top1_flip_mean,
        count(s.top8_overlap_mean) AS top8_overlap_n, avg(s.top8_overlap_mean) AS top8_overlap_mean,
        count(s.logit_bias_mean) AS logit_bias_n, avg(s.logit_bias_mean) AS logit_bias_mean,
        count(s.logit_var_mean) AS logit_var_n, avg(s.logit_var_mean) AS logit_var_mean,
        count(s.entropy_delta_mean) AS entropy_delta_n, avg(s.entropy_delta_mean) AS entropy_delta_mean,
        count(s.kl_second_order_mean) AS kl_second_order_n, avg(s.kl_second_order_mean) AS kl_second_order_mean,
        count(s.jensen_ratio_mean) AS jensen_ratio_n, avg(s.jensen_ratio_mean) AS jensen_ratio_mean,
        count(s.k_angle_mean) AS k_angle_n, avg(s.k_angle_mean) AS k_angle_mean,
        count(s.k_rel_l2_mean) AS k_rel_l2_n, avg(s.k_rel_l2_mean) AS k_rel_l2_mean,
        count(s.k_norm_ratio_mean) AS k_norm_ratio_n, avg(s.k_norm_ratio_mean) AS k_norm_ratio_mean,
        count(s.v_angle_mean) AS v_angle_n, avg(s.v_angle_mean) AS v_angle_mean,
        count(s.v_rel_l2_mean) AS v_rel_l2_n, avg(s.v_rel_l2_mean) AS v_rel_l2_mean,
        count(s.v_norm_ratio_mean) AS v_norm_ratio_n, avg(s.v_norm_ratio_mean) AS v_norm_ratio_mean,
        count(s.o_angle_mean) AS o_angle_n, avg(s.o_angle_mean) AS o_angle_mean,
        count(s.o_rel_l2_mean) AS o_rel_l2_n, avg(s.o_rel_l2_mean) AS o_rel_l2_mean,
        count(s.o_norm_ratio_mean) AS o_norm_ratio_n, avg(s.o_norm_ratio_mean) AS o_norm_ratio_mean,
        count(s.dist6_geo_mean) AS dist6_geo_n, avg(s.dist6_geo_mean) AS dist6_geo_mean,
        count(s.dist6_div_mean) AS dist6_div_n, avg(s.dist6_div_mean) AS dist6_div_mean,
        count(s.bits_k_mean) AS bits_k_n, avg(s.bits_k_mean) AS bits_k_mean,
        count(s.bits_v_mean) AS bits_v_n, avg(s.bits_v_mean) AS bits_v_mean,
        count(s.next_kl_mean) AS next_kl_n, avg(s.next_kl_mean) AS next_kl_mean,
        count(s.ppl_ratio_mean) AS ppl_ratio_n, avg(s.ppl_ratio_mean) AS ppl_ratio_mean,
        count(s.nll_delta_mean) AS nll_delta_n, avg(s.nll_delta_mean) AS nll_delta_mean,
        count(s.next_top1_agree_mean) AS next_top1_agree_n, avg(s.next_top1_agree_mean) AS next_top1_agree_mean
    FROM current_runs AS r
    JOIN run_summaries AS s ON s.run_id = r.id
    WHERE r.state = 'done'
    GROUP BY r.config_hash
),
spread AS MATERIALIZED (
    SELECT
        m.config_hash, m.engine_version, m.forward_version,
        m.kl_n, m.kl_mean,
        sqrt(sum((s.kl_mean - m.kl_mean) * (s.kl_mean - m.kl_mean))
            / (m.kl_n - 1)) AS kl_sd,
        m.kl_reverse_n, m.kl_reverse_mean,
        sqrt(sum((s.kl_reverse_mean - m.kl_reverse_mean) * (s.kl_reverse_mean - m.kl_reverse_mean))
            / (m.kl_reverse_n - 1)) AS kl_reverse_sd,
        m.js_n, m.js_mean,
        sqrt(sum((s.js_mean - m.js_mean) * (s.js_mean - m.js_mean))
            / (m.js_n - 1)) AS js_sd,
        m.tv_n, m.tv_mean,
        sqrt(sum((s.tv_mean - m.tv_mean) * (s.tv_mean - m.tv_mean))
            / (m.tv_n - 1)) AS tv_sd,
        m.hellinger_n, m.hellinger_mean,
        sqrt(sum((s.hellinger_mean - m.hellinger_mean) * (s.hellinger_mean - m.hellinger_mean))
            / (m.hellinger_n - 1)) AS hellinger_sd,
        m.bhattacharyya_n, m.bhattacharyya_mean,
        sqrt(sum((s.bhattacharyya_mean - m.bhattacharyya_mean) * (s.bhattacharyya_mean - m.bhattacharyya_mean))
            / (m.bhattacharyya_n - 1)) AS bhattacharyya_sd,
        m.top1_flip_n, m.top1_flip_mean,
        sqrt(sum((s.top1_flip_mean - m.top1_flip_mean) * (s.top1_flip_mean - m.top1_flip_mean))
            / (m.top1_flip_n - 1)) AS top1_flip_sd,
        m.top8_overlap_n, m.top8_overlap_mean,
        sqrt(sum((s.top8_overlap_mean - m.top8_overlap_mean) * (s.top8_overlap_mean - m.top8_overlap_mean))
            / (m.top8_overlap_n - 1)) AS top8_overlap_sd,
        m.logit_bias_n, m.logit_bias_mean,
        sqrt(sum((s.logit_bias_mean - m.logit_bias_mean) * (s.logit_bias_mean - m.logit_bias_mean))
            / (m.logit_bias_n - 1)) AS logit_bias_sd,
        m.logit_var_n, m.logit_var_mean,
        sqrt(sum((s.logit_var_mean - m.logit_var_mean) * (s.logit_var_mean - m.logit_var_mean))
            / (m.logit_var_n - 1)) AS logit_var_sd,
        m.entropy_delta_n, m.entropy_delta_mean,
        sqrt(sum((s.entropy_delta_mean - m.entropy_delta_mean) * (s.entropy_delta_mean - m.entropy_delta_mean))
            / (m.entropy_delta_n - 1)) AS entropy_delta_sd,
        m.kl_second_order_n, m.kl_second_order_mean,
        sqrt(sum((s.kl_second_order_mean - m.kl_second_order_mean) * (s.kl_second_order_mean - m.kl_second_order_mean))
            / (m.kl_second_order_n - 1)) AS kl_second_order_sd,
        m.jensen_ratio_n, m.jensen_ratio_mean,
        sqrt(sum((s.jensen_ratio_mean - m.jensen_ratio_mean) * (s.jensen_ratio_mean - m.jensen_ratio_mean))
            / (m.jensen_ratio_n - 1)) AS jensen_ratio_sd,
        m.k_angle_n, m.k_angle_mean,
        sqrt(sum((s.k_angle_mean - m.k_angle_mean) * (s.k_angle_mean - m.k_angle_mean))
            / (m.k_angle_n - 1)) AS k_angle_sd,
        m.k_rel_l2_n, m.k_rel_l2_mean,
        sqrt(sum((s.k_rel_l2_mean - m.k_rel_l2_mean) * (s.k_rel_l2_mean - m.k_rel_l2_mean))
            / (m.k_rel_l2_n - 1)) AS k_rel_l2_sd,
        m.k_norm_ratio_n, m.k_norm_ratio_mean,
        sqrt(sum((s.k_norm_ratio_mean - m.k_norm_ratio_mean) * (s.k_norm_ratio_mean - m.k_norm_ratio_mean))
            / (m.k_norm_ratio_n - 1)) AS k_norm_ratio_sd,
        m.v_angle_n, m.v_angle_mean,
        sqrt(sum((s.v_angle_mean - m.v_angle_mean) * (s.v_angle_mean - m.v_angle_mean))
            / (m.v_angle_n - 1)) AS v_angle_sd,
        m.v_rel_l2_n, m.v_rel_l2_mean,
        sqrt(sum((s.v_rel_l2_mean - m.v_rel_l2_mean) * (s.v_rel_l2_mean - m.v_rel_l2_mean))
            / (m.v_rel_l2_n - 1)) AS v_rel_l2_sd,
        m.v_norm_ratio_n, m.v_norm_ratio_mean,
        sqrt(sum((s.v_norm_ratio_mean - m.v_norm_ratio_mean) * (s.v_norm_ratio_mean - m.v_norm_ratio_mean))
            / (m.v_norm_ratio_n - 1)) AS v_norm_ratio_sd,
        m.o_angle_n, m.o_angle_mean,
        sqrt(sum((s.o_angle_mean - m.o_angle_mean) * (s.o_angle_mean - m.o_angle_mean))
            / (m.o_angle_n - 1)) AS o_angle_sd,
        m.o_rel_l2_n, m.o_rel_l2_mean,
        sqrt(sum((s.o_rel_l2_mean - m.o_rel_l2_mean) * (s.o_rel_l2_mean - m.o_rel_l2_mean))
            / (m.o_rel_l2_n - 1)) AS o_rel_l2_sd,
        m.o_norm_ratio_n, m.o_norm_ratio_mean,
        sqrt(sum((s.o_norm_ratio_mean - m.o_norm_ratio_mean) * (s.o_norm_ratio_mean - m.o_norm_ratio_mean))
            / (m.o_norm_ratio_n - 1)) AS o_norm_ratio_sd,
        m.dist6_geo_n, m.dist6_geo_mean,
        sqrt(sum((s.dist6_geo_mean - m.dist6_geo_mean) * (s.dist6_geo_mean - m.dist6_geo_mean))
            / (m.dist6_geo_n - 1)) AS dist6_geo_sd,
        m.dist6_div_n, m.dist6_div_mean,
        sqrt(sum((s.dist6_div_mean - m.dist6_div_mean) * (s.dist6_div_mean - m.dist6_div_mean))
            / (m.dist6_div_n - 1)) AS dist6_div_sd,
        m.bits_k_n, m.bits_k_mean,
        sqrt(sum((s.bits_k_mean - m.bits_k_mean) * (s.bits_k_mean - m.bits_k_mean))
            / (m.bits_k_n - 1)) AS bits_k_sd,
        m.bits_v_n, m.bits_v_mean,
        sqrt(sum((s.bits_v_mean - m.bits_v_mean) * (s.bits_v_mean - m.bits_v_mean))
            / (m.bits_v_n - 1)) AS bits_v_sd,
        m.next_kl_n, m.next_kl_mean,
        sqrt(sum((s.next_kl_mean - m.next_kl_mean) * (s.next_kl_mean - m.next_kl_mean))
            / (m.next_kl_n - 1)) AS next_kl_sd,
        m.ppl_ratio_n, m.ppl_ratio_mean,
        sqrt(sum((s.ppl_ratio_mean - m.ppl_ratio_mean) * (s.ppl_ratio_mean - m.ppl_ratio_mean))
            / (m.ppl_ratio_n - 1)) AS ppl_ratio_sd,
        m.nll_delta_n, m.nll_delta_mean,
        sqrt(sum((s.nll_delta_mean - m.nll_delta_mean) * (s.nll_delta_mean - m.nll_delta_mean))
            / (m.nll_delta_n - 1)) AS nll_delta_sd,
        m.next_top1_agree_n, m.next_top1_agree_mean,
        sqrt(sum((s.next_top1_agree_mean - m.next_top1_agree_mean) * (s.next_top1_agree_mean - m.next_top1_agree_mean))
            / (m.next_top1_agree_n - 1)) AS next_top1_agree_sd
    FROM moments AS m
    JOIN runs AS r ON r.config_hash = m.config_hash AND r.engine_version = m.engine_version
        AND r.forward_version = m.forward_version
    JOIN run_summaries AS s ON s.run_id = r.id
    WHERE r.state = 'done'
    GROUP BY m.config_hash
),
cells AS (
    SELECT config_hash, engine_version, forward_version, 'kl' AS metric,
        kl_n AS n, kl_mean AS mean, kl_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'kl_reverse' AS metric,
        kl_reverse_n AS n, kl_reverse_mean AS mean, kl_reverse_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'js' AS metric,
        js_n AS n, js_mean AS mean, js_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'tv' AS metric,
        tv_n AS n, tv_mean AS mean, tv_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'hellinger' AS metric,
        hellinger_n AS n, hellinger_mean AS mean, hellinger_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'bhattacharyya' AS metric,
        bhattacharyya_n AS n, bhattacharyya_mean AS mean, bhattacharyya_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'top1_flip' AS metric,
        top1_flip_n AS n, top1_flip_mean AS mean, top1_flip_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'top8_overlap' AS metric,
        top8_overlap_n AS n, top8_overlap_mean AS mean, top8_overlap_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'logit_bias' AS metric,
        logit_bias_n AS n, logit_bias_mean AS mean, logit_bias_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'logit_var' AS metric,
        logit_var_n AS n, logit_var_mean AS mean, logit_var_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'entropy_delta' AS metric,
        entropy_delta_n AS n, entropy_delta_mean AS mean, entropy_delta_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'kl_second_order' AS metric,
        kl_second_order_n AS n, kl_second_order_mean AS mean, kl_second_order_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'jensen_ratio' AS metric,
        jensen_ratio_n AS n, jensen_ratio_mean AS mean, jensen_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'k_angle' AS metric,
        k_angle_n AS n, k_angle_mean AS mean, k_angle_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'k_rel_l2' AS metric,
        k_rel_l2_n AS n, k_rel_l2_mean AS mean, k_rel_l2_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'k_norm_ratio' AS metric,
        k_norm_ratio_n AS n, k_norm_ratio_mean AS mean, k_norm_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'v_angle' AS metric,
        v_angle_n AS n, v_angle_mean AS mean, v_angle_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'v_rel_l2' AS metric,
        v_rel_l2_n AS n, v_rel_l2_mean AS mean, v_rel_l2_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'v_norm_ratio' AS metric,
        v_norm_ratio_n AS n, v_norm_ratio_mean AS mean, v_norm_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'o_angle' AS metric,
        o_angle_n AS n, o_angle_mean AS mean, o_angle_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'o_rel_l2' AS metric,
        o_rel_l2_n AS n, o_rel_l2_mean AS mean, o_rel_l2_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'o_norm_ratio' AS metric,
        o_norm_ratio_n AS n, o_norm_ratio_mean AS mean, o_norm_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'dist6_geo' AS metric,
        dist6_geo_n AS n, dist6_geo_mean AS mean, dist6_geo_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'dist6_div' AS metric,
        dist6_div_n AS n, dist6_div_mean AS mean, dist6_div_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'bits_k' AS metric,
        bits_k_n AS n, bits_k_mean AS mean, bits_k_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'bits_v' AS metric,
        bits_v_n AS n, bits_v_mean AS mean, bits_v_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'next_kl' AS metric,
        next_kl_n AS n, next_kl_mean AS mean, next_kl_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'ppl_ratio' AS metric,
        ppl_ratio_n AS n, ppl_ratio_mean AS mean, ppl_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'nll_delta' AS metric,
        nll_delta_n AS n, nll_delta_mean AS mean, nll_delta_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, forward_version, 'next_top1_agree' AS metric,
        next_top1_agree_n AS n, next_top1_agree_mean AS mean, next_top1_agree_sd AS sd
    FROM spread
)
SELECT
    c.config_hash, c.scheme, c.key_recipe, c.value_recipe, c.bits, c.distribution, c.nu, c.rank, c.mixing,
    c.noise, c.outliers, c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl,
    c.codebook, c.baseline, c.norms, c.source, d.name AS dataset, c.layer, c.head, c.model,
    mo.name AS model_name, c.text, coalesce(tx.name, td.name) AS text_name, c.positions, c.layers,
    p.engine_version, p.forward_version, p.metric, p.n, p.mean, p.sd, p.sd / sqrt(p.n) AS se, p.t975,
    p.mean - p.t975 * p.sd / sqrt(p.n) AS ci95_low,
    p.mean + p.t975 * p.sd / sqrt(p.n) AS ci95_high
FROM (
    SELECT
        cells.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= cells.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM cells
    WHERE cells.n > 0
) AS p
JOIN configs AS c ON c.config_hash = p.config_hash
LEFT JOIN datasets AS d ON d.content_hash = c.source
LEFT JOIN models AS mo ON mo.sha256 = c.model
LEFT JOIN texts AS tx ON tx.sha256 = c.text
LEFT JOIN (SELECT token_ids_sha256, min(name) AS name FROM datasets GROUP BY token_ids_sha256) AS td
    ON tx.sha256 IS NULL AND td.token_ids_sha256 = c.text;

-- One row per done current run with its per-metric means (as in 0007, with the model-level switches and metrics).
CREATE VIEW run_means AS
SELECT
    r.id AS run_id, c.config_hash, c.scheme, c.key_recipe, c.value_recipe, c.bits, c.distribution, c.nu,
    c.rank, c.mixing, c.noise, c.outliers, c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale,
    c.rotation, c.qjl, c.codebook, c.baseline, c.norms, c.source, d.name AS dataset, c.layer, c.head,
    c.model, mo.name AS model_name, c.text, coalesce(tx.name, td.name) AS text_name, c.positions, c.layers,
    r.seed, r.engine_version, r.forward_version, s.trials, s.kl_mean AS kl, s.kl_reverse_mean AS kl_reverse,
    s.js_mean AS js, s.tv_mean AS tv, s.hellinger_mean AS hellinger, s.bhattacharyya_mean AS bhattacharyya,
    s.top1_flip_mean AS top1_flip, s.top8_overlap_mean AS top8_overlap, s.logit_bias_mean AS logit_bias,
    s.logit_var_mean AS logit_var, s.entropy_delta_mean AS entropy_delta,
    s.kl_second_order_mean AS kl_second_order, s.jensen_ratio_mean AS jensen_ratio,
    s.k_angle_mean AS k_angle, s.k_rel_l2_mean AS k_rel_l2, s.k_norm_ratio_mean AS k_norm_ratio,
    s.v_angle_mean AS v_angle, s.v_rel_l2_mean AS v_rel_l2, s.v_norm_ratio_mean AS v_norm_ratio,
    s.o_angle_mean AS o_angle, s.o_rel_l2_mean AS o_rel_l2, s.o_norm_ratio_mean AS o_norm_ratio,
    s.dist6_geo_mean AS dist6_geo, s.dist6_div_mean AS dist6_div, s.bits_k_mean AS bits_k,
    s.bits_v_mean AS bits_v, s.next_kl_mean AS next_kl, s.ppl_ratio_mean AS ppl_ratio,
    s.nll_delta_mean AS nll_delta, s.next_top1_agree_mean AS next_top1_agree
FROM current_runs AS r
JOIN configs AS c ON c.config_hash = r.config_hash
LEFT JOIN datasets AS d ON d.content_hash = c.source
LEFT JOIN models AS mo ON mo.sha256 = c.model
LEFT JOIN texts AS tx ON tx.sha256 = c.text
LEFT JOIN (SELECT token_ids_sha256, min(name) AS name FROM datasets GROUP BY token_ids_sha256) AS td
    ON tx.sha256 IS NULL AND td.token_ids_sha256 = c.text
JOIN run_summaries AS s ON s.run_id = r.id
WHERE r.state = 'done';

-- Pairs of done current runs of different schemes (as in 0007): the data, source and model switches must be
-- the same, NULL matching NULL only (IS); a quantizer switch one side does not use (NULL) matches anything.
CREATE VIEW run_pairs AS
WITH m AS MATERIALIZED (SELECT * FROM run_means)
SELECT
    a.run_id AS a_run_id, b.run_id AS b_run_id, a.config_hash AS a_config_hash,
    b.config_hash AS b_config_hash, a.scheme AS a_scheme, b.scheme AS b_scheme, a.key_recipe AS a_key_recipe,
    a.value_recipe AS a_value_recipe, b.key_recipe AS b_key_recipe, b.value_recipe AS b_value_recipe, a.seed,
    a.bits, a.distribution, coalesce(a.nu, b.nu) AS nu, a.rank, a.mixing, a.noise, a.outliers,
    coalesce(a.outlier_scale, b.outlier_scale) AS outlier_scale, a.dim, a.tokens, a.queries, a.logit_scale,
    coalesce(a.rotation, b.rotation) AS rotation, coalesce(a.qjl, b.qjl) AS qjl,
    coalesce(a.codebook, b.codebook) AS codebook, coalesce(a.baseline, b.baseline) AS baseline, a.norms,
    a.source, a.dataset, a.layer, a.head, a.model, a.model_name, a.text, a.text_name, a.positions, a.layers,
    a.kl AS a_kl, b.kl AS b_kl, a.kl_reverse AS a_kl_reverse, b.kl_reverse AS b_kl_reverse, a.js AS a_js,
    b.js AS b_js, a.tv AS a_tv, b.tv AS b_tv, a.hellinger AS a_hellinger, b.hellinger AS b_hellinger,
    a.bhattacharyya AS a_bhattacharyya, b.bhattacharyya AS b_bhattacharyya, a.top1_flip AS a_top1_flip,
    b.top1_flip AS b_top1_flip, a.top8_overlap AS a_top8_overlap, b.top8_overlap AS b_top8_overlap,
    a.logit_bias AS a_logit_bias, b.logit_bias AS b_logit_bias, a.logit_var AS a_logit_var,
    b.logit_var AS b_logit_var, a.entropy_delta AS a_entropy_delta, b.entropy_delta AS b_entropy_delta,
    a.kl_second_order AS a_kl_second_order, b.kl_second_order AS b_kl_second_order,
    a.jensen_ratio AS a_jensen_ratio, b.jensen_ratio AS b_jensen_ratio, a.k_angle AS a_k_angle,
    b.k_angle AS b_k_angle, a.k_rel_l2 AS a_k_rel_l2, b.k_rel_l2 AS b_k_rel_l2,
    a.k_norm_ratio AS a_k_norm_ratio, b.k_norm_ratio AS b_k_norm_ratio, a.v_angle AS a_v_angle,
    b.v_angle AS b_v_angle, a.v_rel_l2 AS a_v_rel_l2, b.v_rel_l2 AS b_v_rel_l2,
    a.v_norm_ratio AS a_v_norm_ratio, b.v_norm_ratio AS b_v_norm_ratio, a.o_angle AS a_o_angle,
    b.o_angle AS b_o_angle, a.o_rel_l2 AS a_o_rel_l2, b.o_rel_l2 AS b_o_rel_l2,
    a.o_norm_ratio AS a_o_norm_ratio, b.o_norm_ratio AS b_o_norm_ratio, a.dist6_geo AS a_dist6_geo,
    b.dist6_geo AS b_dist6_geo, a.dist6_div AS a_dist6_div, b.dist6_div AS b_dist6_div, a.bits_k AS a_bits_k,
    b.bits_k AS b_bits_k, a.bits_v AS a_bits_v, b.bits_v AS b_bits_v, a.next_kl AS a_next_kl,
    b.next_kl AS b_next_kl, a.ppl_ratio AS a_ppl_ratio, b.ppl_ratio AS b_ppl_ratio,
    a.nll_delta AS a_nll_delta, b.nll_delta AS b_nll_delta, a.next_top1_agree AS a_next_top1_agree,
    b.next_top1_agree AS b_next_top1_agree
FROM m AS a
JOIN m AS b
    ON b.seed = a.seed AND b.engine_version = a.engine_version AND b.forward_version = a.forward_version
    AND b.scheme <> a.scheme AND b.bits = a.bits
    AND b.distribution IS a.distribution AND b.nu IS a.nu
    AND b.rank IS a.rank AND b.mixing IS a.mixing AND b.noise IS a.noise AND b.outliers IS a.outliers
    AND b.outlier_scale IS a.outlier_scale
    AND b.dim = a.dim AND b.tokens = a.tokens AND b.queries IS a.queries AND b.logit_scale IS a.logit_scale
    AND b.source IS a.source AND b.layer IS a.layer AND b.head IS a.head
    AND b.model IS a.model AND b.text IS a.text AND b.positions IS a.positions AND b.layers IS a.layers
    AND b.norms = a.norms
    AND (a.rotation IS NULL OR b.rotation IS NULL OR b.rotation = a.rotation)
    AND (a.qjl IS NULL OR b.qjl IS NULL OR b.qjl = a.qjl)
    AND (a.codebook IS NULL OR b.codebook IS NULL OR b.codebook = a.codebook)
    AND (a.baseline IS NULL OR b.baseline IS NULL OR b.baseline = a.baseline);

-- Per model, text, tokens and budget: the attention-level and model-level winners (SCIENCE "Model-level
-- metrics"). The attention-level value of a seed is the mean kl over every (layer, head) run of the dataset
-- with the model's SHA-256 and the text's token ids, at the dataset's full length and its default queries
-- (min(64, T)); the model-level value is next_kl (all positions, all layers). A winner beats every other
-- scheme by the paired 95% t-CI over seeds (entirely below 0; a difference equal for every seed is decided
-- by its sign); both levels use the schemes run at both. decided = 1 when both levels have a winner.
CREATE VIEW model_winners AS
WITH
mlevel AS (
    SELECT model, text, tokens, scheme, bits, seed, avg(next_kl) AS v
    FROM run_means
    WHERE model IS NOT NULL AND positions IS NULL AND layers IS NULL
    GROUP BY model, text, tokens, scheme, bits, seed
),
groups AS (SELECT DISTINCT model, text, tokens FROM mlevel),
alevel AS (
    SELECT d.model_sha256 AS model, d.token_ids_sha256 AS text, r.scheme, r.bits, r.seed, avg(r.kl) AS v
    FROM run_means AS r
    JOIN datasets AS d ON d.content_hash = r.source
    WHERE r.tokens = d.tokens AND r.queries = min(64, d.tokens)
        AND EXISTS (SELECT 1 FROM groups AS g WHERE g.model = d.model_sha256 AND g.text = d.token_ids_sha256)
    GROUP BY d.model_sha256, d.token_ids_sha256, r.scheme, r.bits, r.seed
),
vals AS (
    SELECT 'model' AS level, model, text, tokens, scheme, bits, seed, v FROM mlevel
    UNION ALL
    SELECT 'attention', a.model, a.text, g.tokens, a.scheme, a.bits, a.seed, a.v
    FROM alevel AS a JOIN groups AS g ON g.model = a.model AND g.text = a.text
),
common AS (
    SELECT model, text, tokens, bits, scheme FROM vals
    GROUP BY model, text, tokens, bits, scheme HAVING count(DISTINCT level) = 2
),
v AS (
    SELECT vals.* FROM vals
    JOIN common AS c ON c.model = vals.model AND c.text = vals.text AND c.tokens = vals.tokens
        AND c.bits = vals.bits AND c.scheme = vals.scheme
),
pairs AS (
    SELECT a.level, a.model, a.text, a.tokens, a.bits, a.scheme AS a_scheme, b.scheme AS b_scheme,
        CASE WHEN abs(a.v - b.v) <= 1.7976931348623157e308 THEN a.v - b.v END AS d
    FROM v AS a
    JOIN v AS b ON b.level = a.level AND b.model = a.model AND b.text = a.text AND b.tokens = a.tokens
        AND b.bits = a.bits AND b.seed = a.seed AND b.scheme <> a.scheme
),
centred AS (
    SELECT *, avg(d) OVER (PARTITION BY level, model, text, tokens, bits, a_scheme, b_scheme) AS cell_mean
    FROM pairs
),
stats AS (
    SELECT level, model, text, tokens, bits, a_scheme, b_scheme, count(*) - count(d) AS missing, count(d) AS n,
        avg(d) AS mean, sqrt(sum((d - cell_mean) * (d - cell_mean)) / (count(d) - 1)) / sqrt(count(d)) AS se
    FROM centred
    GROUP BY level, model, text, tokens, bits, a_scheme, b_scheme
),
tested AS (
    SELECT stats.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= stats.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM stats
),
wins AS (
    SELECT level, model, text, tokens, bits, a_scheme AS scheme
    FROM tested
    GROUP BY level, model, text, tokens, bits, a_scheme
    HAVING sum((missing = 0 AND n >= 2 AND mean + t975 * se < 0) IS NOT 1) = 0
),
budgets AS (
    SELECT model, text, tokens, bits, group_concat(scheme, ',') AS schemes
    FROM (SELECT * FROM common ORDER BY scheme)
    GROUP BY model, text, tokens, bits
),
decisions AS (
    SELECT b.*,
        (SELECT w.scheme FROM wins AS w WHERE w.level = 'attention' AND w.model = b.model AND w.text = b.text
            AND w.tokens = b.tokens AND w.bits = b.bits) AS attention_winner,
        (SELECT w.scheme FROM wins AS w WHERE w.level = 'model' AND w.model = b.model AND w.text = b.text
            AND w.tokens = b.tokens AND w.bits = b.bits) AS model_winner
    FROM budgets AS b
)
SELECT
    x.model, mo.name AS model_name, x.text, coalesce(tx.name, td.name) AS text_name, x.tokens, x.bits, x.schemes,
    x.attention_winner, x.model_winner,
    (x.attention_winner IS NOT NULL AND x.model_winner IS NOT NULL) AS decided
FROM decisions AS x
LEFT JOIN models AS mo ON mo.sha256 = x.model
LEFT JOIN texts AS tx ON tx.sha256 = x.text
LEFT JOIN (SELECT token_ids_sha256, min(name) AS name FROM datasets GROUP BY token_ids_sha256) AS td
    ON tx.sha256 IS NULL AND td.token_ids_sha256 = x.text;
