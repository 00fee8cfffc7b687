-- name: model-kqv-lowest-next-kl
-- description: With model :model reading its own quantized caches at n = :bits bits, KQV has the lowest
--   next-token KL: against every other scheme run on the same text, tokens, positions and layers, the
--   paired 95% t-CI of mean(next_kl(KQV) − next_kl(other)) over seeds lies entirely below 0 (the model-level
--   form of docs/science.md claim 1; the seeds vary only the quantizers' randomness).
-- kind: model
-- severity: error
-- params: model=smollm2, bits=4
-- coverage: SELECT count(*) FROM (SELECT 1 FROM (SELECT * FROM run_pairs WHERE model_name = :model) AS p
--   WHERE p.a_scheme = 'KQV' AND p.bits = :bits
--   GROUP BY p.a_config_hash, p.b_config_hash HAVING count(*) >= 2)
-- coverage_min: 1
--
-- Coverage: the number of (KQV config, opponent config) cells with at least two paired seeds. A failing
-- row is a cell where KQV does not win: a tie (CI covers 0), a loss, fewer than two seeds, or a seed whose
-- value is NULL/NaN/infinite (missing > 0). A difference that is the same for every seed has se = 0 and is
-- decided by its sign.
WITH diffs AS (
    SELECT p.*, p.a_next_kl - p.b_next_kl AS raw
    FROM (SELECT * FROM run_pairs WHERE model_name = :model) AS p
    WHERE p.a_scheme = 'KQV' AND p.bits = :bits
),
finite AS (
    SELECT *, CASE WHEN abs(raw) <= 1.7976931348623157e308 THEN raw END AS d FROM diffs
),
centred AS (
    SELECT *, avg(d) OVER (PARTITION BY a_config_hash, b_config_hash) AS cell_mean FROM finite
),
cells AS (
    SELECT
        b_scheme AS opponent, bits, model_name, text_name, tokens, positions, layers, rotation, qjl, codebook,
        baseline, norms, count(*) AS seeds, count(d) AS n, count(*) - count(d) AS missing, avg(d) AS mean_diff,
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
    opponent, bits, model_name, text_name, tokens, positions, layers, rotation, qjl, codebook, baseline, norms,
    seeds, missing, mean_diff, mean_diff - t975 * se AS ci_low, mean_diff + t975 * se AS ci_high
FROM tested
WHERE (missing = 0 AND n >= 2 AND mean_diff + t975 * se < 0) IS NOT 1
ORDER BY opponent, tokens, positions, layers, rotation, qjl, codebook, baseline, norms;
