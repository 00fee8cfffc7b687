-- kvlab schema, migration 0001: the initial schema.
--
-- Immutable once released: kvlab records this file's SHA-256 in kvlab_migrations and refuses a database
-- whose recorded checksum differs. Change the schema with a new migrations/NNNN_name.sql file.
-- Conventions (docs/SCHEMA.md): STRICT tables; timestamps are REAL Unix epoch seconds, UTC
-- (in sqlite3: datetime(created_at, 'unixepoch')); hashes are lowercase hex SHA-256.

PRAGMA application_id = 1263946818; -- 0x4B564C42, 'KVLB': marks the file as a kvlab database

-- Migrations applied to this file, one row per migrations/NNNN_name.sql, in order.
CREATE TABLE kvlab_migrations (
    version INTEGER PRIMARY KEY, -- NNNN of the file name
    name TEXT NOT NULL UNIQUE, -- file name without .sql
    sha256 TEXT NOT NULL, -- SHA-256 of the file's bytes
    applied_at REAL NOT NULL
) STRICT;

-- Who wrote what: one row per writing process. Provenance is never part of an identity.
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
) STRICT;

-- Every per-trial metric (filled by kvlab from its metric list). position is the metric's bit in
-- trials.nan_mask and its column order; it never changes once assigned.
CREATE TABLE metrics (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE CHECK (position BETWEEN 0 AND 62),
    unit TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('lower', 'higher', 'zero')),
    description TEXT NOT NULL
) STRICT;

-- Upper quantiles of Student's t (filled by kvlab): q975 is t_{0.975, df}, the factor of a two-sided 95%
-- CI. Rows for df = 1…1000, a few larger df, and df = 9223372036854775807 holding the normal limit. Look
-- up the largest df ≤ the wanted df (conservative): see cell_stats.
CREATE TABLE t_quantiles (
    df INTEGER PRIMARY KEY CHECK (df >= 1),
    q95 REAL NOT NULL,
    q975 REAL NOT NULL,
    q995 REAL NOT NULL
) STRICT;

-- Content-addressed configs: config_hash = SHA-256 of canonical_json (docs/SCHEMA.md). One typed column
-- per switch of SCIENCE.md, NULL where the switch does not apply to the scheme.
CREATE TABLE configs (
    config_hash TEXT PRIMARY KEY,
    scheme TEXT NOT NULL,
    bits INTEGER NOT NULL,
    distribution TEXT NOT NULL,
    nu INTEGER, -- Student-t degrees of freedom, derived from distribution; NULL for other laws
    rank INTEGER NOT NULL,
    mixing TEXT NOT NULL,
    noise REAL NOT NULL,
    outliers INTEGER NOT NULL,
    outlier_scale REAL,
    dim INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    queries INTEGER NOT NULL,
    logit_scale REAL NOT NULL,
    rotation TEXT,
    qjl TEXT,
    codebook TEXT,
    baseline TEXT,
    norms TEXT NOT NULL,
    canonical_json TEXT NOT NULL,
    created_at REAL NOT NULL
) STRICT;

CREATE INDEX configs_scheme_bits_distribution ON configs (scheme, bits, distribution);

-- A run: one config and one seed, evaluated on trials 0…trials_planned−1 by one engine version.
CREATE TABLE runs (
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
    UNIQUE (config_hash, engine_version, seed),
    CHECK ((state = 'done') = (trials_hash IS NOT NULL))
) STRICT;

CREATE INDEX runs_state ON runs (state);

-- Per-trial metrics, one row per (run, trial), one REAL column per metric (named as in the metrics
-- table). ±Inf are stored as REAL ±Inf. SQLite cannot store NaN: a NaN is stored as NULL with bit
-- `metrics.position` of nan_mask set; NULL with the bit clear means "not computed".
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
    provenance_id INTEGER REFERENCES provenance (id),
    PRIMARY KEY (run_id, trial)
) STRICT, WITHOUT ROWID;

-- Per-run summaries over the run's trials, one row per done run, written in the transaction that marks
-- the run done. For each metric m: m_n counts the trials whose value is a number (±Inf included, NaN and
-- NULL excluded), m_nan the NaN values; m_mean is NULL when m_n = 0 or when the mean is undefined (+Inf and
-- −Inf both present); m_sd is the sample standard deviation (divisor n − 1), NULL when m_n < 2 or when it
-- is not finite.
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
    bits_v_mean REAL, bits_v_sd REAL,
    CHECK (trials >= 0)
) STRICT;

-- Sweeps: a named spec and the runs it planned (a run may belong to several sweeps).
CREATE TABLE sweeps (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    provenance_id INTEGER REFERENCES provenance (id)
) STRICT;

CREATE TABLE sweep_runs (
    sweep_id INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    PRIMARY KEY (sweep_id, run_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX sweep_runs_run ON sweep_runs (run_id);

-- Every evaluation of a claim: the claim file's hash, the data it saw and what it found.
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

CREATE INDEX claim_evaluations_claim ON claim_evaluations (claim, evaluated_at);

-- The runs readers use: per config, those of the newest engine_version present.
CREATE VIEW current_runs AS
SELECT
    r.id, r.config_hash, r.seed, r.engine_version, r.trials_planned, r.state, r.trials_hash, r.attempts,
    r.error, r.created_at, r.finished_at
FROM runs AS r
JOIN (
    SELECT config_hash, max(engine_version) AS engine_version FROM runs GROUP BY config_hash
) AS newest ON newest.config_hash = r.config_hash AND newest.engine_version = r.engine_version;

-- One row per stored trial of the current runs: every switch, seed, trial, engine version and one column
-- per metric. NaN shows as NULL (nan_mask tells NaN from "not computed"); ±Inf as REAL ±Inf.
CREATE VIEW trials_wide AS
SELECT
    c.config_hash, c.scheme, c.bits, c.distribution, c.nu, c.rank, c.mixing, c.noise, c.outliers,
    c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl, c.codebook, c.baseline,
    c.norms, r.seed, t.trial, r.engine_version, t.run_id, t.nan_mask,
    t.kl, t.kl_reverse, t.js, t.tv, t.hellinger, t.bhattacharyya, t.top1_flip, t.top8_overlap, t.logit_bias,
    t.logit_var, t.entropy_delta, t.kl_second_order, t.jensen_ratio, t.k_angle, t.k_rel_l2, t.k_norm_ratio,
    t.v_angle, t.v_rel_l2, t.v_norm_ratio, t.o_angle, t.o_rel_l2, t.o_norm_ratio, t.dist6_geo, t.dist6_div,
    t.bits_k, t.bits_v
FROM configs AS c
JOIN current_runs AS r ON r.config_hash = c.config_hash
JOIN trials AS t ON t.run_id = r.id;

-- The NaN values of the trials table, one row per (run, trial, metric).
CREATE VIEW trial_nans AS
SELECT t.run_id, t.trial, m.name AS metric
FROM trials AS t
JOIN metrics AS m ON (t.nan_mask >> m.position) & 1 = 1
WHERE t.nan_mask <> 0;

-- Per config and metric, across the seeds of its done current runs: each seed contributes the mean of
-- its run's trials (run_summaries.m_mean; seeds where it is NULL are left out). sd is the sample standard
-- deviation (two-pass), se = sd/√n, and the 95% CI is mean ± t_{0.975, n−1}·se with the t quantile looked
-- up in t_quantiles (largest tabulated df ≤ n − 1). sd, se, t975 and the CI are NULL where n < 2.
CREATE VIEW cell_stats AS
WITH moments AS MATERIALIZED (
    SELECT
        r.config_hash, r.engine_version,
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
        count(s.bits_v_mean) AS bits_v_n, avg(s.bits_v_mean) AS bits_v_mean
    FROM current_runs AS r
    JOIN run_summaries AS s ON s.run_id = r.id
    WHERE r.state = 'done'
    GROUP BY r.config_hash
),
spread AS MATERIALIZED (
    SELECT
        m.config_hash, m.engine_version,
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
            / (m.bits_v_n - 1)) AS bits_v_sd
    FROM moments AS m
    JOIN runs AS r ON r.config_hash = m.config_hash AND r.engine_version = m.engine_version
    JOIN run_summaries AS s ON s.run_id = r.id
    WHERE r.state = 'done'
    GROUP BY m.config_hash
),
cells AS (
    SELECT config_hash, engine_version, 'kl' AS metric,
        kl_n AS n, kl_mean AS mean, kl_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'kl_reverse' AS metric,
        kl_reverse_n AS n, kl_reverse_mean AS mean, kl_reverse_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'js' AS metric,
        js_n AS n, js_mean AS mean, js_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'tv' AS metric,
        tv_n AS n, tv_mean AS mean, tv_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'hellinger' AS metric,
        hellinger_n AS n, hellinger_mean AS mean, hellinger_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'bhattacharyya' AS metric,
        bhattacharyya_n AS n, bhattacharyya_mean AS mean, bhattacharyya_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'top1_flip' AS metric,
        top1_flip_n AS n, top1_flip_mean AS mean, top1_flip_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'top8_overlap' AS metric,
        top8_overlap_n AS n, top8_overlap_mean AS mean, top8_overlap_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'logit_bias' AS metric,
        logit_bias_n AS n, logit_bias_mean AS mean, logit_bias_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'logit_var' AS metric,
        logit_var_n AS n, logit_var_mean AS mean, logit_var_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'entropy_delta' AS metric,
        entropy_delta_n AS n, entropy_delta_mean AS mean, entropy_delta_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'kl_second_order' AS metric,
        kl_second_order_n AS n, kl_second_order_mean AS mean, kl_second_order_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'jensen_ratio' AS metric,
        jensen_ratio_n AS n, jensen_ratio_mean AS mean, jensen_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'k_angle' AS metric,
        k_angle_n AS n, k_angle_mean AS mean, k_angle_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'k_rel_l2' AS metric,
        k_rel_l2_n AS n, k_rel_l2_mean AS mean, k_rel_l2_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'k_norm_ratio' AS metric,
        k_norm_ratio_n AS n, k_norm_ratio_mean AS mean, k_norm_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'v_angle' AS metric,
        v_angle_n AS n, v_angle_mean AS mean, v_angle_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'v_rel_l2' AS metric,
        v_rel_l2_n AS n, v_rel_l2_mean AS mean, v_rel_l2_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'v_norm_ratio' AS metric,
        v_norm_ratio_n AS n, v_norm_ratio_mean AS mean, v_norm_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'o_angle' AS metric,
        o_angle_n AS n, o_angle_mean AS mean, o_angle_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'o_rel_l2' AS metric,
        o_rel_l2_n AS n, o_rel_l2_mean AS mean, o_rel_l2_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'o_norm_ratio' AS metric,
        o_norm_ratio_n AS n, o_norm_ratio_mean AS mean, o_norm_ratio_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'dist6_geo' AS metric,
        dist6_geo_n AS n, dist6_geo_mean AS mean, dist6_geo_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'dist6_div' AS metric,
        dist6_div_n AS n, dist6_div_mean AS mean, dist6_div_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'bits_k' AS metric,
        bits_k_n AS n, bits_k_mean AS mean, bits_k_sd AS sd
    FROM spread
    UNION ALL
    SELECT config_hash, engine_version, 'bits_v' AS metric,
        bits_v_n AS n, bits_v_mean AS mean, bits_v_sd AS sd
    FROM spread
)
SELECT
    c.config_hash, c.scheme, c.bits, c.distribution, c.nu, c.rank, c.mixing, c.noise, c.outliers,
    c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl, c.codebook, c.baseline,
    c.norms, p.engine_version, p.metric, p.n, p.mean, p.sd, p.sd / sqrt(p.n) AS se, p.t975,
    p.mean - p.t975 * p.sd / sqrt(p.n) AS ci95_low,
    p.mean + p.t975 * p.sd / sqrt(p.n) AS ci95_high
FROM (
    SELECT
        cells.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= cells.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM cells
    WHERE cells.n > 0
) AS p
JOIN configs AS c ON c.config_hash = p.config_hash;
