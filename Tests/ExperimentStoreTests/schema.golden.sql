-- kvlab schema snapshot (Tests/ExperimentStoreTests/SchemaGoldenTests.swift)
-- PRAGMA application_id = 1263946818
-- PRAGMA user_version = 10

-- index claim_evaluations_claim on claim_evaluations
CREATE INDEX claim_evaluations_claim ON claim_evaluations (claim, evaluated_at);

-- index compare_results_comparison on compare_results
CREATE INDEX compare_results_comparison ON compare_results (metric, scheme_a, scheme_b, by_dims);

-- index configs_model on configs
CREATE INDEX configs_model ON configs (model, text);

-- index configs_scheme_bits_distribution on configs
CREATE INDEX configs_scheme_bits_distribution ON configs (scheme, bits, distribution);

-- index configs_source on configs
CREATE INDEX configs_source ON configs (source, layer, head);

-- index runs_state on runs
CREATE INDEX runs_state ON runs (state);

-- index sqlite_autoindex_configs_1 on configs
-- (created by SQLite)

-- index sqlite_autoindex_dataset_tensors_1 on dataset_tensors
-- (created by SQLite)

-- index sqlite_autoindex_datasets_1 on datasets
-- (created by SQLite)

-- index sqlite_autoindex_datasets_2 on datasets
-- (created by SQLite)

-- index sqlite_autoindex_kvlab_migrations_1 on kvlab_migrations
-- (created by SQLite)

-- index sqlite_autoindex_metrics_1 on metrics
-- (created by SQLite)

-- index sqlite_autoindex_metrics_2 on metrics
-- (created by SQLite)

-- index sqlite_autoindex_models_1 on models
-- (created by SQLite)

-- index sqlite_autoindex_models_2 on models
-- (created by SQLite)

-- index sqlite_autoindex_runs_1 on runs
-- (created by SQLite)

-- index sqlite_autoindex_schemes_1 on schemes
-- (created by SQLite)

-- index sqlite_autoindex_schemes_2 on schemes
-- (created by SQLite)

-- index sqlite_autoindex_sweeps_1 on sweeps
-- (created by SQLite)

-- index sqlite_autoindex_texts_1 on texts
-- (created by SQLite)

-- index sqlite_autoindex_texts_2 on texts
-- (created by SQLite)

-- index sweep_runs_run on sweep_runs
CREATE INDEX sweep_runs_run ON sweep_runs (run_id);

-- table claim_evaluations on claim_evaluations
CREATE TABLE claim_evaluations (
    id INTEGER PRIMARY KEY,
    claim TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    data_fingerprint TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}', -- JSON object of the parameter values used
    severity TEXT,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'inconclusive', 'error')),
    covered_cells INTEGER,
    failing_rows TEXT NOT NULL DEFAULT '[]', -- JSON array of objects keyed by column name
    message TEXT,
    evaluated_at REAL NOT NULL,
    provenance_id INTEGER REFERENCES provenance (id)
) STRICT;

-- table compare_results on compare_results
CREATE TABLE compare_results (
    id INTEGER PRIMARY KEY,
    metric TEXT NOT NULL,
    scheme_a TEXT NOT NULL,
    scheme_b TEXT NOT NULL,
    by_dims TEXT NOT NULL, -- the --by switches, comma-separated in the order given ('' for one overall group)
    where_sql TEXT NOT NULL, -- the --where condition on run_pairs ('' for none)
    group_json TEXT NOT NULL, -- JSON object of the group's --by values, e.g. {"bits":4}
    -- The group's value of each --by switch (NULL for switches not in by_dims).
    bits INTEGER,
    distribution TEXT,
    nu INTEGER,
    rank INTEGER,
    mixing TEXT,
    noise REAL,
    outliers INTEGER,
    outlier_scale REAL,
    dim INTEGER,
    tokens INTEGER,
    queries INTEGER,
    logit_scale REAL,
    rotation TEXT,
    qjl TEXT,
    codebook TEXT,
    baseline TEXT,
    norms TEXT,
    compared_on TEXT NOT NULL CHECK (compared_on IN ('value', 'abs')),
    n INTEGER NOT NULL, -- pairs of runs
    seeds INTEGER NOT NULL, -- distinct seeds among them
    mean_a REAL,
    mean_b REAL,
    ratio REAL, -- mean_b / mean_a
    ratio_ci_low REAL, -- bootstrap (ratio_ci_method) CI of mean_b / mean_a at level 1 − alpha, pairs resampled
    ratio_ci_high REAL,
    ratio_ci_method TEXT NOT NULL, -- 'bca'
    resamples INTEGER NOT NULL,
    diff_ci_low REAL, -- paired t CI of mean(b − a) at level 1 − alpha
    diff_ci_high REAL,
    wilcoxon_p REAL, -- Wilcoxon signed-rank, two-sided
    wilcoxon_log10_p REAL, -- log10 of wilcoxon_p, finite where wilcoxon_p underflows to 0
    wilcoxon_r REAL, -- matched-pairs rank-biserial (negative: A smaller)
    mw_u REAL, -- Mann-Whitney U_A: pairs (a, b) with a > b, ties ½
    mw_p REAL, -- Mann-Whitney two-sided p
    mw_log10_p REAL,
    mw_r REAL, -- rank-biserial 2·U_A/(n_A·n_B) − 1 (negative: A smaller)
    holm_p REAL, -- wilcoxon_p Holm-adjusted across the groups of the comparison
    verdict TEXT NOT NULL CHECK (verdict IN ('a', 'b', 'tie')),
    alpha REAL NOT NULL,
    data_fingerprint TEXT NOT NULL,
    created_at REAL NOT NULL,
    provenance_id INTEGER REFERENCES provenance (id)
, ratio_delta_ci_low REAL, ratio_delta_ci_high REAL, t_p REAL, source TEXT, dataset TEXT, layer INTEGER, head INTEGER, model TEXT, model_name TEXT, text TEXT, text_name TEXT, positions INTEGER, layers TEXT) STRICT;

-- table configs on configs
CREATE TABLE "configs" (
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

-- table dataset_tensors on dataset_tensors
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

-- table datasets on datasets
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

-- table kvlab_migrations on kvlab_migrations
CREATE TABLE kvlab_migrations (
    version INTEGER PRIMARY KEY, -- NNNN of the file name
    name TEXT NOT NULL UNIQUE, -- file name without .sql
    sha256 TEXT NOT NULL, -- SHA-256 of the file's bytes
    applied_at REAL NOT NULL
) STRICT;

-- table metrics on metrics
CREATE TABLE metrics (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE CHECK (position BETWEEN 0 AND 62),
    unit TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('lower', 'higher', 'zero')),
    description TEXT NOT NULL
) STRICT;

-- table models on models
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

-- table provenance on provenance
CREATE TABLE provenance (
    id INTEGER PRIMARY KEY,
    kvlab_version TEXT NOT NULL,
    engine_version INTEGER NOT NULL,
    git_commit TEXT, -- NULL when unknown
    swift_version TEXT NOT NULL,
    os TEXT NOT NULL,
    arch TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    command TEXT,
    started_at REAL NOT NULL
, work_dir TEXT, work_git_commit TEXT, work_git_dirty INTEGER CHECK (work_git_dirty IN (0, 1)), checksum TEXT) STRICT;

-- table run_summaries on run_summaries
CREATE TABLE run_summaries (
    run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    trials INTEGER NOT NULL, -- trial rows summarised
    kl_n INTEGER NOT NULL, kl_nan INTEGER NOT NULL,
    kl_mean REAL, kl_sd REAL,
    kl_reverse_n INTEGER NOT NULL, kl_reverse_nan INTEGER NOT NULL,
    kl_reverse_mean REAL, kl_reverse_sd REAL,
    js_n INTEGER NOT NULL, js_nan INTEGER NOT NULL,
    js_mean REAL, js_sd REAL,
    tv_n INTEGER NOT NULL, tv_nan INTEGER NOT NULL,
    tv_mean REAL, tv_sd REAL,
    hellinger_n INTEGER NOT NULL, hellinger_nan INTEGER NOT NULL,
    hellinger_mean REAL, hellinger_sd REAL,
    bhattacharyya_n INTEGER NOT NULL, bhattacharyya_nan INTEGER NOT NULL,
    bhattacharyya_mean REAL, bhattacharyya_sd REAL,
    top1_flip_n INTEGER NOT NULL, top1_flip_nan INTEGER NOT NULL,
    top1_flip_mean REAL, top1_flip_sd REAL,
    top8_overlap_n INTEGER NOT NULL, top8_overlap_nan INTEGER NOT NULL,
    top8_overlap_mean REAL, top8_overlap_sd REAL,
    logit_bias_n INTEGER NOT NULL, logit_bias_nan INTEGER NOT NULL,
    logit_bias_mean REAL, logit_bias_sd REAL,
    logit_var_n INTEGER NOT NULL, logit_var_nan INTEGER NOT NULL,
    logit_var_mean REAL, logit_var_sd REAL,
    entropy_delta_n INTEGER NOT NULL, entropy_delta_nan INTEGER NOT NULL,
    entropy_delta_mean REAL, entropy_delta_sd REAL,
    kl_second_order_n INTEGER NOT NULL, kl_second_order_nan INTEGER NOT NULL,
    kl_second_order_mean REAL, kl_second_order_sd REAL,
    jensen_ratio_n INTEGER NOT NULL, jensen_ratio_nan INTEGER NOT NULL,
    jensen_ratio_mean REAL, jensen_ratio_sd REAL,
    k_angle_n INTEGER NOT NULL, k_angle_nan INTEGER NOT NULL,
    k_angle_mean REAL, k_angle_sd REAL,
    k_rel_l2_n INTEGER NOT NULL, k_rel_l2_nan INTEGER NOT NULL,
    k_rel_l2_mean REAL, k_rel_l2_sd REAL,
    k_norm_ratio_n INTEGER NOT NULL, k_norm_ratio_nan INTEGER NOT NULL,
    k_norm_ratio_mean REAL, k_norm_ratio_sd REAL,
    v_angle_n INTEGER NOT NULL, v_angle_nan INTEGER NOT NULL,
    v_angle_mean REAL, v_angle_sd REAL,
    v_rel_l2_n INTEGER NOT NULL, v_rel_l2_nan INTEGER NOT NULL,
    v_rel_l2_mean REAL, v_rel_l2_sd REAL,
    v_norm_ratio_n INTEGER NOT NULL, v_norm_ratio_nan INTEGER NOT NULL,
    v_norm_ratio_mean REAL, v_norm_ratio_sd REAL,
    o_angle_n INTEGER NOT NULL, o_angle_nan INTEGER NOT NULL,
    o_angle_mean REAL, o_angle_sd REAL,
    o_rel_l2_n INTEGER NOT NULL, o_rel_l2_nan INTEGER NOT NULL,
    o_rel_l2_mean REAL, o_rel_l2_sd REAL,
    o_norm_ratio_n INTEGER NOT NULL, o_norm_ratio_nan INTEGER NOT NULL,
    o_norm_ratio_mean REAL, o_norm_ratio_sd REAL,
    dist6_geo_n INTEGER NOT NULL, dist6_geo_nan INTEGER NOT NULL,
    dist6_geo_mean REAL, dist6_geo_sd REAL,
    dist6_div_n INTEGER NOT NULL, dist6_div_nan INTEGER NOT NULL,
    dist6_div_mean REAL, dist6_div_sd REAL,
    bits_k_n INTEGER NOT NULL, bits_k_nan INTEGER NOT NULL,
    bits_k_mean REAL, bits_k_sd REAL,
    bits_v_n INTEGER NOT NULL, bits_v_nan INTEGER NOT NULL,
    bits_v_mean REAL, bits_v_sd REAL, next_kl_n INTEGER NOT NULL DEFAULT 0, next_kl_nan INTEGER NOT NULL DEFAULT 0, next_kl_mean REAL, next_kl_sd REAL, ppl_ratio_n INTEGER NOT NULL DEFAULT 0, ppl_ratio_nan INTEGER NOT NULL DEFAULT 0, ppl_ratio_mean REAL, ppl_ratio_sd REAL, nll_delta_n INTEGER NOT NULL DEFAULT 0, nll_delta_nan INTEGER NOT NULL DEFAULT 0, nll_delta_mean REAL, nll_delta_sd REAL, next_top1_agree_n INTEGER NOT NULL DEFAULT 0, next_top1_agree_nan INTEGER NOT NULL DEFAULT 0, next_top1_agree_mean REAL, next_top1_agree_sd REAL,
    CHECK (trials >= 0)
) STRICT;

-- table runs on runs
CREATE TABLE "runs" (
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

-- table schemes on schemes
CREATE TABLE schemes (
    name TEXT PRIMARY KEY,
    key_recipe TEXT NOT NULL CHECK (key_recipe IN ('mse', 'prod', 'baseline')),
    value_recipe TEXT NOT NULL CHECK (value_recipe IN ('mse', 'prod', 'baseline')),
    shipped INTEGER NOT NULL CHECK (shipped IN (0, 1)), -- 1 for the paper's KV, KQV, QKQV
    created_at REAL NOT NULL,
    UNIQUE (key_recipe, value_recipe)
) STRICT;

-- table sweep_runs on sweep_runs
CREATE TABLE sweep_runs (
    sweep_id INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    PRIMARY KEY (sweep_id, run_id)
) STRICT, WITHOUT ROWID;

-- table sweeps on sweeps
CREATE TABLE sweeps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    provenance_id INTEGER REFERENCES provenance (id)
, trials INTEGER CHECK (trials >= 1), description TEXT, tags TEXT, checksum TEXT) STRICT;

-- table t_quantiles on t_quantiles
CREATE TABLE t_quantiles (
    df INTEGER PRIMARY KEY CHECK (df >= 1),
    q95 REAL NOT NULL,
    q975 REAL NOT NULL,
    q995 REAL NOT NULL
) STRICT;

-- table texts on texts
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

-- table trials on trials
CREATE TABLE trials (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    trial INTEGER NOT NULL CHECK (trial >= 0),
    nan_mask INTEGER NOT NULL DEFAULT 0,
    kl REAL,
    kl_reverse REAL,
    js REAL,
    tv REAL,
    hellinger REAL,
    bhattacharyya REAL,
    top1_flip REAL,
    top8_overlap REAL,
    logit_bias REAL,
    logit_var REAL,
    entropy_delta REAL,
    kl_second_order REAL,
    jensen_ratio REAL,
    k_angle REAL,
    k_rel_l2 REAL,
    k_norm_ratio REAL,
    v_angle REAL,
    v_rel_l2 REAL,
    v_norm_ratio REAL,
    o_angle REAL,
    o_rel_l2 REAL,
    o_norm_ratio REAL,
    dist6_geo REAL,
    dist6_div REAL,
    bits_k REAL,
    bits_v REAL,
    provenance_id INTEGER REFERENCES provenance (id), next_kl REAL, ppl_ratio REAL, nll_delta REAL, next_top1_agree REAL,
    PRIMARY KEY (run_id, trial)
) STRICT, WITHOUT ROWID;

-- view cell_stats on cell_stats
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

-- view current_runs on current_runs
CREATE VIEW current_runs AS
SELECT
    r.id, r.config_hash, r.seed, r.engine_version, r.trials_planned, r.state, r.trials_hash, r.attempts,
    r.error, r.created_at, r.finished_at, r.forward_version
FROM runs AS r
JOIN (
    SELECT config_hash, max(engine_version * 4294967296 + forward_version) AS version FROM runs GROUP BY config_hash
) AS newest ON newest.config_hash = r.config_hash
    AND newest.version = r.engine_version * 4294967296 + r.forward_version;

-- view model_winners on model_winners
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

-- view run_means on run_means
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

-- view run_pairs on run_pairs
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

-- view trial_nans on trial_nans
CREATE VIEW trial_nans AS
SELECT t.run_id, t.trial, m.name AS metric
FROM trials AS t
JOIN metrics AS m ON (t.nan_mask >> m.position) & 1 = 1
WHERE t.nan_mask <> 0;

-- view trials_wide on trials_wide
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

