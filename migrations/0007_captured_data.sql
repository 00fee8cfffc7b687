-- kvlab schema, migration 0007: captured data (datasets) as a data source of configs.
--
-- Immutable once released (see 0001). A config now reads either the synthetic generator or a stored dataset
-- (SCIENCE "Captured data"):
--   configs.source        NULL for synthetic data (so no existing config_hash changes), or the content hash
--                         of the dataset (datasets.content_hash); views expose its name as `dataset`;
--   configs.layer, head   the dataset's layer and KV head (NULL for synthetic data);
--   distribution, nu, rank, mixing, noise, outliers, outlier_scale
--                         the generator's switches: NULL for a dataset, so they are no longer NOT NULL.
-- SQLite cannot drop a NOT NULL constraint in place, so the configs table is rebuilt (same rows, same
-- hashes; kvlab runs this migration with foreign keys off and checks them before it commits), and the views
-- that list config columns are recreated with source, dataset, layer and head after norms. run_pairs now
-- pairs the data and source switches with IS (NULL matches NULL only).

DROP VIEW run_pairs;
DROP VIEW run_means;
DROP VIEW cell_stats;
DROP VIEW trials_wide;

CREATE TABLE configs_new (
    config_hash TEXT PRIMARY KEY,
    scheme TEXT NOT NULL,
    bits INTEGER NOT NULL,
    distribution TEXT, -- NULL for captured data (source set), as are nu … outlier_scale
    nu INTEGER, -- Student-t degrees of freedom, derived from distribution; NULL for other laws
    rank INTEGER,
    mixing TEXT,
    noise REAL,
    outliers INTEGER,
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
    created_at REAL NOT NULL,
    key_recipe TEXT NOT NULL CHECK (key_recipe IN ('mse', 'prod', 'baseline')),
    value_recipe TEXT NOT NULL CHECK (value_recipe IN ('mse', 'prod', 'baseline')),
    source TEXT REFERENCES datasets (content_hash), -- the dataset's content hash; NULL: synthetic data
    layer INTEGER CHECK (layer >= 0),
    head INTEGER CHECK (head >= 0), -- the KV head
    CHECK ((source IS NULL) = (layer IS NULL) AND (source IS NULL) = (head IS NULL)),
    CHECK ((source IS NULL) = (distribution IS NOT NULL) AND (source IS NULL) = (rank IS NOT NULL)
        AND (source IS NULL) = (mixing IS NOT NULL) AND (source IS NULL) = (noise IS NOT NULL)
        AND (source IS NULL) = (outliers IS NOT NULL))
) STRICT;

INSERT INTO configs_new (
    config_hash, scheme, bits, distribution, nu, rank, mixing, noise, outliers, outlier_scale, dim, tokens,
    queries, logit_scale, rotation, qjl, codebook, baseline, norms, canonical_json, created_at, key_recipe,
    value_recipe
)
SELECT
    config_hash, scheme, bits, distribution, nu, rank, mixing, noise, outliers, outlier_scale, dim, tokens,
    queries, logit_scale, rotation, qjl, codebook, baseline, norms, canonical_json, created_at, key_recipe,
    value_recipe
FROM configs;

DROP TABLE configs;
ALTER TABLE configs_new RENAME TO configs;

CREATE INDEX configs_scheme_bits_distribution ON configs (scheme, bits, distribution);
CREATE INDEX configs_source ON configs (source, layer, head);

-- One row per stored trial of the current runs (as in 0005, with source, dataset, layer and head).
CREATE VIEW trials_wide AS
SELECT
    c.config_hash, c.scheme, c.key_recipe, c.value_recipe, c.bits, c.distribution, c.nu, c.rank, c.mixing, c.noise, c.outliers,
    c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl, c.codebook, c.baseline,
    c.norms, c.source, d.name AS dataset, c.layer, c.head, r.seed, t.trial, r.engine_version, t.run_id, t.nan_mask,
    t.kl, t.kl_reverse, t.js, t.tv, t.hellinger, t.bhattacharyya, t.top1_flip, t.top8_overlap, t.logit_bias,
    t.logit_var, t.entropy_delta, t.kl_second_order, t.jensen_ratio, t.k_angle, t.k_rel_l2, t.k_norm_ratio,
    t.v_angle, t.v_rel_l2, t.v_norm_ratio, t.o_angle, t.o_rel_l2, t.o_norm_ratio, t.dist6_geo, t.dist6_div,
    t.bits_k, t.bits_v
FROM configs AS c
LEFT JOIN datasets AS d ON d.content_hash = c.source
JOIN current_runs AS r ON r.config_hash = c.config_hash
JOIN trials AS t ON t.run_id = r.id;

-- Per config and metric across seeds (as in 0005, with source, dataset, layer and head).
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
    c.config_hash, c.scheme, c.key_recipe, c.value_recipe, c.bits, c.distribution, c.nu, c.rank, c.mixing, c.noise, c.outliers,
    c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl, c.codebook, c.baseline,
    c.norms, c.source, d.name AS dataset, c.layer, c.head, p.engine_version, p.metric, p.n, p.mean, p.sd, p.sd / sqrt(p.n) AS se, p.t975,
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
LEFT JOIN datasets AS d ON d.content_hash = c.source;

-- One row per done current run with its per-metric means (as in 0005, with source, dataset, layer, head).
CREATE VIEW run_means AS
SELECT
    r.id AS run_id, c.config_hash, c.scheme, c.key_recipe, c.value_recipe, c.bits, c.distribution, c.nu, c.rank, c.mixing, c.noise,
    c.outliers, c.outlier_scale, c.dim, c.tokens, c.queries, c.logit_scale, c.rotation, c.qjl, c.codebook,
    c.baseline, c.norms, c.source, d.name AS dataset, c.layer, c.head, r.seed, r.engine_version, s.trials,
    s.kl_mean AS kl, s.kl_reverse_mean AS kl_reverse, s.js_mean AS js, s.tv_mean AS tv,
    s.hellinger_mean AS hellinger, s.bhattacharyya_mean AS bhattacharyya, s.top1_flip_mean AS top1_flip,
    s.top8_overlap_mean AS top8_overlap, s.logit_bias_mean AS logit_bias, s.logit_var_mean AS logit_var,
    s.entropy_delta_mean AS entropy_delta, s.kl_second_order_mean AS kl_second_order,
    s.jensen_ratio_mean AS jensen_ratio, s.k_angle_mean AS k_angle, s.k_rel_l2_mean AS k_rel_l2,
    s.k_norm_ratio_mean AS k_norm_ratio, s.v_angle_mean AS v_angle, s.v_rel_l2_mean AS v_rel_l2,
    s.v_norm_ratio_mean AS v_norm_ratio, s.o_angle_mean AS o_angle, s.o_rel_l2_mean AS o_rel_l2,
    s.o_norm_ratio_mean AS o_norm_ratio, s.dist6_geo_mean AS dist6_geo, s.dist6_div_mean AS dist6_div,
    s.bits_k_mean AS bits_k, s.bits_v_mean AS bits_v
FROM current_runs AS r
JOIN configs AS c ON c.config_hash = r.config_hash
LEFT JOIN datasets AS d ON d.content_hash = c.source
JOIN run_summaries AS s ON s.run_id = r.id
WHERE r.state = 'done';

-- Pairs of done current runs of different schemes (SCIENCE "Randomness and pairing"): the data and source
-- switches must be the same, NULL matching NULL only (IS), so a dataset run never pairs with a synthetic one
-- and two generator settings never pair; a quantizer switch that one side does not use (NULL) matches
-- anything, as before (KV pairs with KQV).
CREATE VIEW run_pairs AS
WITH m AS MATERIALIZED (SELECT * FROM run_means)
SELECT
    a.run_id AS a_run_id, b.run_id AS b_run_id, a.config_hash AS a_config_hash, b.config_hash AS b_config_hash,
    a.scheme AS a_scheme, b.scheme AS b_scheme, a.key_recipe AS a_key_recipe,
    a.value_recipe AS a_value_recipe, b.key_recipe AS b_key_recipe, b.value_recipe AS b_value_recipe, a.seed, a.bits, a.distribution, coalesce(a.nu, b.nu) AS nu,
    a.rank, a.mixing, a.noise, a.outliers, coalesce(a.outlier_scale, b.outlier_scale) AS outlier_scale, a.dim,
    a.tokens, a.queries, a.logit_scale, coalesce(a.rotation, b.rotation) AS rotation,
    coalesce(a.qjl, b.qjl) AS qjl, coalesce(a.codebook, b.codebook) AS codebook,
    coalesce(a.baseline, b.baseline) AS baseline, a.norms, a.source, a.dataset, a.layer, a.head,
    a.kl AS a_kl, b.kl AS b_kl, a.kl_reverse AS a_kl_reverse, b.kl_reverse AS b_kl_reverse, a.js AS a_js,
    b.js AS b_js, a.tv AS a_tv, b.tv AS b_tv, a.hellinger AS a_hellinger, b.hellinger AS b_hellinger,
    a.bhattacharyya AS a_bhattacharyya, b.bhattacharyya AS b_bhattacharyya, a.top1_flip AS a_top1_flip,
    b.top1_flip AS b_top1_flip, a.top8_overlap AS a_top8_overlap, b.top8_overlap AS b_top8_overlap,
    a.logit_bias AS a_logit_bias, b.logit_bias AS b_logit_bias, a.logit_var AS a_logit_var,
    b.logit_var AS b_logit_var, a.entropy_delta AS a_entropy_delta, b.entropy_delta AS b_entropy_delta,
    a.kl_second_order AS a_kl_second_order, b.kl_second_order AS b_kl_second_order,
    a.jensen_ratio AS a_jensen_ratio, b.jensen_ratio AS b_jensen_ratio, a.k_angle AS a_k_angle,
    b.k_angle AS b_k_angle, a.k_rel_l2 AS a_k_rel_l2, b.k_rel_l2 AS b_k_rel_l2, a.k_norm_ratio AS a_k_norm_ratio,
    b.k_norm_ratio AS b_k_norm_ratio, a.v_angle AS a_v_angle, b.v_angle AS b_v_angle, a.v_rel_l2 AS a_v_rel_l2,
    b.v_rel_l2 AS b_v_rel_l2, a.v_norm_ratio AS a_v_norm_ratio, b.v_norm_ratio AS b_v_norm_ratio,
    a.o_angle AS a_o_angle, b.o_angle AS b_o_angle, a.o_rel_l2 AS a_o_rel_l2, b.o_rel_l2 AS b_o_rel_l2,
    a.o_norm_ratio AS a_o_norm_ratio, b.o_norm_ratio AS b_o_norm_ratio, a.dist6_geo AS a_dist6_geo,
    b.dist6_geo AS b_dist6_geo, a.dist6_div AS a_dist6_div, b.dist6_div AS b_dist6_div, a.bits_k AS a_bits_k,
    b.bits_k AS b_bits_k, a.bits_v AS a_bits_v, b.bits_v AS b_bits_v
FROM m AS a
JOIN m AS b
    ON b.seed = a.seed AND b.engine_version = a.engine_version AND b.scheme <> a.scheme AND b.bits = a.bits
    AND b.distribution IS a.distribution AND b.nu IS a.nu
    AND b.rank IS a.rank AND b.mixing IS a.mixing AND b.noise IS a.noise AND b.outliers IS a.outliers
    AND b.outlier_scale IS a.outlier_scale
    AND b.dim = a.dim AND b.tokens = a.tokens AND b.queries = a.queries AND b.logit_scale = a.logit_scale
    AND b.source IS a.source AND b.layer IS a.layer AND b.head IS a.head
    AND b.norms = a.norms
    AND (a.rotation IS NULL OR b.rotation IS NULL OR b.rotation = a.rotation)
    AND (a.qjl IS NULL OR b.qjl IS NULL OR b.qjl = a.qjl)
    AND (a.codebook IS NULL OR b.codebook IS NULL OR b.codebook = a.codebook)
    AND (a.baseline IS NULL OR b.baseline IS NULL OR b.baseline = a.baseline);
