-- name: qkqv-worse-kl
-- description: QKQV is worse than KQV in kl at every budget n and every distribution (and every other
--   switch): the paired 95% t-CI of mean(QKQV − KQV) over seeds lies entirely above 0 (docs/science.md claim 2).
-- kind: synthetic
-- severity: error
-- coverage: SELECT count(*) FROM (SELECT 1 FROM (SELECT * FROM run_pairs WHERE source IS NULL AND model IS NULL) AS p WHERE p.a_scheme = 'QKQV' AND p.b_scheme = 'KQV'
--   GROUP BY p.a_config_hash, p.b_config_hash HAVING count(*) >= 2)
-- coverage_min: 1
--
-- Coverage: the number of cells (a QKQV config and the KQV config that differs only in the scheme) with
-- at least two paired seeds; a seed's value is its run's mean kl over trials. A failing row is a cell where
-- QKQV is not worse: a tie (CI covers 0), QKQV better, fewer than two seeds, or any seed whose kl is
-- NULL/NaN/infinite on either side (missing > 0).
WITH finite AS (
    SELECT
        p.*,
        CASE WHEN abs(p.a_kl - p.b_kl) <= 1.7976931348623157e308 THEN p.a_kl - p.b_kl END AS d
    FROM (SELECT * FROM run_pairs WHERE source IS NULL AND model IS NULL) AS p
    WHERE p.a_scheme = 'QKQV' AND p.b_scheme = 'KQV'
),
centred AS (
    SELECT *, avg(d) OVER (PARTITION BY a_config_hash, b_config_hash) AS cell_mean FROM finite
),
cells AS (
    SELECT
        bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries, logit_scale,
        rotation, qjl, codebook, baseline, norms,
        count(*) AS seeds, count(d) AS n, count(*) - count(d) AS missing, avg(d) AS mean_diff,
        sqrt(sum((d - cell_mean) * (d - cell_mean)) / (count(d) - 1)) / sqrt(count(d)) AS se
    FROM centred
    GROUP BY a_config_hash, b_config_hash
),
tested AS (
    SELECT
        cells.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= cells.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM cells
)
SELECT
    bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries, logit_scale,
    rotation, qjl, codebook, baseline, norms, seeds, missing, mean_diff,
    mean_diff - t975 * se AS ci_low, mean_diff + t975 * se AS ci_high
FROM tested
WHERE (missing = 0 AND mean_diff - t975 * se > 0) IS NOT 1
ORDER BY bits, distribution, rank, mixing, noise, outliers, dim, tokens, queries, logit_scale, rotation, qjl,
    codebook, baseline, norms;
