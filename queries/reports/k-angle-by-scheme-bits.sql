-- Geometric K error (k_angle, radians) by scheme × bits, one block per distribution.
--
-- Replicate = seed: per (distribution, scheme, bits, seed) the run means of k_angle are averaged over the
-- other switches present (ranks, mixings, …); shown are the means over seeds with their t-based 95% CI
-- half-widths, and the scheme with the smallest mean (`lowest`; see winners-per-cell.sql for paired
-- tests). Runs unchanged with `kvlab sql --file` and in `sqlite3`.
WITH seeds AS (
    SELECT distribution, scheme, bits, seed, avg(k_angle) AS k_angle
    FROM run_means
    GROUP BY distribution, scheme, bits, seed
),
centred AS (
    SELECT *, avg(k_angle) OVER (PARTITION BY distribution, scheme, bits) AS centre FROM seeds
),
stats AS (
    SELECT
        distribution, scheme, bits, count(k_angle) AS n, avg(k_angle) AS mean,
        sqrt(sum((k_angle - centre) * (k_angle - centre)) / (count(k_angle) - 1)) / sqrt(count(k_angle)) AS se
    FROM centred
    GROUP BY distribution, scheme, bits
),
tested AS (
    SELECT
        stats.*,
        (SELECT q.q975 FROM t_quantiles AS q WHERE q.df <= stats.n - 1 ORDER BY q.df DESC LIMIT 1) AS t975
    FROM stats
),
wide AS (
    SELECT
        distribution, bits,
        max(CASE WHEN scheme = 'KV' THEN mean END) AS kv,
        max(CASE WHEN scheme = 'KV' THEN t975 * se END) AS kv_ci95,
        max(CASE WHEN scheme = 'KQV' THEN mean END) AS kqv,
        max(CASE WHEN scheme = 'KQV' THEN t975 * se END) AS kqv_ci95,
        max(CASE WHEN scheme = 'QKQV' THEN mean END) AS qkqv,
        max(CASE WHEN scheme = 'QKQV' THEN t975 * se END) AS qkqv_ci95,
        max(n) AS seeds
    FROM tested
    GROUP BY distribution, bits
)
SELECT
    wide.*,
    (SELECT t.scheme FROM tested AS t WHERE t.distribution = wide.distribution AND t.bits = wide.bits
        ORDER BY t.mean LIMIT 1) AS lowest
FROM wide
ORDER BY distribution, bits;
