-- Winners per cell: for every cell (bits and every data switch) and each of kl, k_angle and dist6_geo, the
-- scheme that beats every other scheme present with a paired 95% t-CI over seeds that excludes 0 (lower is
-- better), or 'tie' when no scheme does. Pairs come from the view run_pairs (same seed, every other
-- switch equal where both runs have it); a seed's value is its run's mean over trials.
--
-- Columns: the cell, the metric, the winner, how many schemes were compared, and the smallest paired
-- margin by which the winner beats an opponent (mean difference and CI upper bound, both < 0 for a win).
-- Runs unchanged with `kvlab sql --file` and in `sqlite3`.
WITH diffs AS (
    SELECT
        p.a_config_hash, p.b_config_hash, p.a_scheme, p.b_scheme, p.bits, p.distribution, p.rank, p.mixing,
        p.noise, p.outliers, p.outlier_scale, p.dim, p.tokens, p.queries, p.logit_scale, p.norms, m.metric,
        CASE m.metric
            WHEN 'kl' THEN p.a_kl - p.b_kl
            WHEN 'k_angle' THEN p.a_k_angle - p.b_k_angle
            ELSE p.a_dist6_geo - p.b_dist6_geo
        END AS d
    FROM run_pairs AS p
    CROSS JOIN (SELECT 'kl' AS metric UNION ALL SELECT 'k_angle' UNION ALL SELECT 'dist6_geo') AS m
),
centred AS (
    SELECT *, avg(d) OVER (PARTITION BY a_config_hash, b_config_hash, metric) AS centre FROM diffs
),
pairs AS (
    SELECT
        a_config_hash, a_scheme, b_scheme, bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim,
        tokens, queries, logit_scale, norms, metric, count(*) AS seeds, count(d) AS n, avg(d) AS mean_diff,
        sqrt(sum((d - centre) * (d - centre)) / (count(d) - 1)) / sqrt(count(d)) AS se
    FROM centred
    GROUP BY a_config_hash, b_config_hash, metric
),
tested AS (
    SELECT
        pairs.*,
        pairs.mean_diff + (
            SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= pairs.n - 1 ORDER BY q.df DESC LIMIT 1
        ) * pairs.se AS ci_high
    FROM pairs
),
candidates AS (
    SELECT
        a_config_hash, a_scheme AS scheme, bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim,
        tokens, queries, logit_scale, norms, metric, count(*) AS opponents,
        sum(CASE WHEN seeds = n AND ci_high < 0 THEN 1 ELSE 0 END) AS beaten,
        max(mean_diff) AS closest_mean_diff, max(ci_high) AS closest_ci_high
    FROM tested
    GROUP BY a_config_hash, metric
),
cells AS (
    SELECT
        bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries, logit_scale, norms,
        metric, count(*) AS schemes,
        max(CASE WHEN beaten = opponents THEN scheme END) AS winner,
        max(CASE WHEN beaten = opponents THEN closest_mean_diff END) AS margin,
        max(CASE WHEN beaten = opponents THEN closest_ci_high END) AS margin_ci_high
    FROM candidates
    GROUP BY bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries, logit_scale,
        norms, metric
)
SELECT
    bits, distribution, rank, mixing, noise, outliers, outlier_scale, dim, tokens, queries, logit_scale, norms,
    metric, coalesce(winner, 'tie') AS winner, schemes, margin, margin_ci_high
FROM cells
ORDER BY metric, bits, distribution, rank, mixing, noise, outliers, dim, tokens, queries, logit_scale, norms;
