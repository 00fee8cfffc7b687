-- name: dataset-k-angle-crossover
-- description: On dataset :dataset, the crossover in the geometric K error (k_angle): QKQV is better than
--   KQV at n = 2, 3 and 5 and KQV is better at n = 4 and 6, in every layer and KV head: the paired 95% t-CI
--   of mean(KQV − QKQV) over seeds lies above 0 at n = 2, 3, 5 and below 0 at n = 4, 6 (docs/science.md claim 3
--   on captured caches; the theory predicts it does not hold).
-- kind: dataset
-- params: dataset=smollm2
-- severity: error
-- coverage: SELECT count(DISTINCT bits) FROM (SELECT p.bits FROM (SELECT * FROM run_pairs WHERE dataset = :dataset) AS p WHERE p.a_scheme = 'KQV'
--   AND p.b_scheme = 'QKQV' AND p.bits BETWEEN 2 AND 6 GROUP BY p.a_config_hash, p.b_config_hash
--   HAVING count(*) >= 2)
-- coverage_min: 5
--
-- Coverage: how many of the five budgets 2…6 have at least one cell (the KQV and QKQV configs of one layer,
-- KV head and budget) with two or more paired seeds; all five are needed. A seed's value is its
-- run's mean k_angle over trials. A failing row is a cell at n in 2…6 whose expected winner does not win:
-- a tie (CI covers 0), a loss, fewer than two seeds, or any NULL/NaN/infinite seed value (missing > 0).
WITH finite AS (
    SELECT
        p.*,
        CASE WHEN p.bits IN (2, 3, 5) THEN 'QKQV' ELSE 'KQV' END AS expected_winner,
        CASE
            WHEN abs(p.a_k_angle - p.b_k_angle) <= 1.7976931348623157e308 THEN p.a_k_angle - p.b_k_angle
        END AS d
    FROM (SELECT * FROM run_pairs WHERE dataset = :dataset) AS p
    WHERE p.a_scheme = 'KQV' AND p.b_scheme = 'QKQV' AND p.bits BETWEEN 2 AND 6
),
centred AS (
    SELECT *, avg(d) OVER (PARTITION BY a_config_hash, b_config_hash) AS cell_mean FROM finite
),
cells AS (
    SELECT
        bits, expected_winner, dataset, layer, head, dim, tokens, queries, logit_scale, rotation, qjl, codebook,
        baseline, norms,
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
    bits, expected_winner, dataset, layer, head, dim, tokens, queries, logit_scale, rotation, qjl, codebook,
    baseline, norms, seeds, missing, mean_diff AS mean_kqv_minus_qkqv,
    mean_diff - t975 * se AS ci_low, mean_diff + t975 * se AS ci_high
FROM tested
WHERE (
    missing = 0
    AND CASE expected_winner
        WHEN 'QKQV' THEN mean_diff - t975 * se > 0
        ELSE mean_diff + t975 * se < 0
    END
) IS NOT 1
ORDER BY bits, layer, head, dim, tokens, queries, logit_scale, rotation, qjl, codebook, baseline, norms;
