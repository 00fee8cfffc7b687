-- name: kqv-wins-at-n4
-- description: At n = :bits bits on :mixing mixing, KQV beats both KV and QKQV on kl, k_angle and dist6_geo
--   in every cell (distribution, rank and every other switch): the paired 95% t-CI of mean(KQV − other)
--   over seeds lies entirely below 0 (docs/science.md claim 1).
-- kind: synthetic
-- severity: error
-- params: bits=4, mixing=axis
-- coverage: SELECT min(cells) FROM (SELECT o.opponent, (SELECT count(*) FROM (SELECT 1 FROM (SELECT * FROM run_pairs WHERE source IS NULL AND model IS NULL) AS p
--   WHERE p.a_scheme = 'KQV' AND p.b_scheme = o.opponent AND p.bits = :bits AND p.mixing = :mixing
--   GROUP BY p.a_config_hash, p.b_config_hash HAVING count(*) >= 2)) AS cells
--   FROM (SELECT 'KV' AS opponent UNION ALL SELECT 'QKQV') AS o)
-- coverage_min: 1
--
-- Coverage: the number of cells with at least two paired seeds against the less covered opponent (0 when
-- either opponent is missing). A cell is one pair of configs (KQV config, opponent config) that differ
-- only in the scheme; its replicates are the seeds (a seed's value is its run's mean over trials). A
-- failing row is a cell × opponent × metric where KQV does not win: a tie (CI covers 0), a loss, fewer
-- than two seeds, or any seed whose value is NULL/NaN/infinite (missing > 0).
WITH diffs AS (
    SELECT
        p.*, m.metric,
        CASE m.metric
            WHEN 'kl' THEN p.a_kl - p.b_kl
            WHEN 'k_angle' THEN p.a_k_angle - p.b_k_angle
            WHEN 'dist6_geo' THEN p.a_dist6_geo - p.b_dist6_geo
        END AS raw
    FROM (SELECT * FROM run_pairs WHERE source IS NULL AND model IS NULL) AS p
    CROSS JOIN (SELECT 'kl' AS metric UNION ALL SELECT 'k_angle' UNION ALL SELECT 'dist6_geo') AS m
    WHERE p.a_scheme = 'KQV' AND p.b_scheme IN ('KV', 'QKQV') AND p.bits = :bits AND p.mixing = :mixing
),
finite AS (
    SELECT *, CASE WHEN abs(raw) <= 1.7976931348623157e308 THEN raw END AS d FROM diffs
),
centred AS (
    SELECT *, avg(d) OVER (PARTITION BY a_config_hash, b_config_hash, metric) AS cell_mean FROM finite
),
cells AS (
    SELECT
        metric, b_scheme AS opponent, bits, mixing, distribution, rank, noise, outliers, outlier_scale, dim,
        tokens, queries, logit_scale, rotation, qjl, codebook, baseline, norms,
        count(*) AS seeds, count(d) AS n, count(*) - count(d) AS missing, avg(d) AS mean_diff,
        sqrt(sum((d - cell_mean) * (d - cell_mean)) / (count(d) - 1)) / sqrt(count(d)) AS se
    FROM centred
    GROUP BY a_config_hash, b_config_hash, metric
),
tested AS (
    SELECT
        cells.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= cells.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM cells
)
SELECT
    metric, opponent, bits, mixing, distribution, rank, noise, outliers, outlier_scale, dim, tokens, queries,
    logit_scale, rotation, qjl, codebook, baseline, norms, seeds, missing, mean_diff,
    mean_diff - t975 * se AS ci_low, mean_diff + t975 * se AS ci_high
FROM tested
WHERE (missing = 0 AND mean_diff + t975 * se < 0) IS NOT 1
ORDER BY metric, opponent, distribution, rank, noise, outliers, dim, tokens, queries, logit_scale, rotation,
    qjl, codebook, baseline, norms;
